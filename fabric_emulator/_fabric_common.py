"""Shared pieces of the Fabric routes: ids, bodies, paging, workspace access."""

from __future__ import annotations

import base64
import uuid
from typing import Any
from urllib.parse import quote, urlencode

from fabric_emulator._app import Context
from fabric_emulator._fabric_store import ROLE_RANK, Workspace
from fabric_emulator._http import FabricError, Response


def new_id() -> str:
    """Return a fresh resource id."""
    return str(uuid.uuid4())


def json_object(context: Context, *, required: bool = True) -> dict[str, Any]:
    """Return the request body as a JSON object, or raise Fabric's 400."""
    body = context.request.json()
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        raise FabricError(400, "InvalidRequest", "The request body must be a JSON object")
    return body


def require_string(
    body: dict[str, Any], name: str, *, max_length: int | None = None, optional: bool = False
) -> str | None:
    """Return ``body[name]`` if it is a string within ``max_length``; else raise 400."""
    value = body.get(name)
    if value is None:
        if optional:
            return None
        raise FabricError(400, "InvalidInput", f"The field '{name}' is required")
    if not isinstance(value, str):
        raise FabricError(400, "InvalidInput", f"The field '{name}' must be a string")
    if max_length is not None and len(value) > max_length:
        raise FabricError(
            400, "InvalidInput", f"The field '{name}' exceeds {max_length} characters"
        )
    return value


def is_uuid(value: str) -> bool:
    """Return whether ``value`` is a canonical UUID."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def caller_role(context: Context, workspace: Workspace) -> str | None:
    """Return the caller's strongest role in ``workspace``, direct or through a group."""
    identity = context.require_identity()
    best: str | None = None
    candidates = {identity.object_id}
    candidates.update(
        group.id
        for group in context.emulator.directory.groups.values()
        if identity.object_id in group.members
    )
    for principal_id in candidates:
        assignment = workspace.roles.get(principal_id)
        if assignment and (best is None or ROLE_RANK[assignment.role] > ROLE_RANK[best]):
            best = assignment.role
    return best


def workspace_for(context: Context, workspace_id: str, *, min_role: str = "Viewer") -> Workspace:
    """Return a workspace the caller can see with at least ``min_role``.

    Raises:
        FabricError: 404 ``WorkspaceNotFound`` when it is missing or invisible to the
            caller; 403 ``InsufficientWorkspaceRole`` when the role is too weak.
    """
    workspace = context.emulator.fabric.workspaces.get(workspace_id.lower())
    role = caller_role(context, workspace) if workspace else None
    if workspace is None or role is None:
        raise FabricError(
            404,
            "WorkspaceNotFound",
            "The requested workspace was not found",
            related_resource={"resourceId": workspace_id, "resourceType": "Workspace"},
        )
    if ROLE_RANK[role] < ROLE_RANK[min_role]:
        raise FabricError(
            403,
            "InsufficientWorkspaceRole",
            f"The caller's workspace role {role} is not enough; {min_role} or higher is needed",
        )
    return workspace


def _encode_token(offset: int) -> str:
    return base64.b64encode(f"o:{offset}".encode()).decode("ascii")


def _decode_token(token: str) -> int:
    try:
        kind, _, number = base64.b64decode(token, validate=True).decode("ascii").partition(":")
        offset = int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FabricError(
            400, "InvalidContinuationToken", "The continuation token is not valid"
        ) from exc
    if kind != "o" or offset < 0:
        raise FabricError(400, "InvalidContinuationToken", "The continuation token is not valid")
    return offset


def paginated(context: Context, values: list[dict[str, Any]]) -> Response:
    """Answer a list call one page at a time (``continuationToken`` + ``continuationUri``).

    Both continuation fields are absent on the last page, as in the spec.
    """
    token = context.request.query_value("continuationToken")
    offset = _decode_token(token) if token else 0
    size = max(1, context.config.page_size)
    page = values[offset : offset + size]
    payload: dict[str, Any] = {"value": page}
    if offset + size < len(values):
        next_token = _encode_token(offset + size)
        query = [
            (key, value)
            for key, values_ in context.request.query.items()
            if key.lower() != "continuationtoken"
            for value in values_
        ]
        query.append(("continuationToken", next_token))
        payload["continuationToken"] = next_token
        payload["continuationUri"] = (
            f"{context.base_url}{context.request.path}?{urlencode(query, quote_via=quote)}"
        )
    return Response.json(200, payload)


def empty_ok(status: int = 200) -> Response:
    """Answer with no body the way Fabric does (octet-stream, length 0).

    Both profiles do this: clients such as fabric-cicd decode any body labelled JSON, and
    production labels empty bodies ``application/octet-stream``.
    """
    return Response.empty(status)
