"""Routes of ``/v1/workspaces``: create, list, get, update, delete, capacity (reference §6).

Choices where the reference leaves room:

- A display name over 256 characters is 400 ``WorkspaceNameTooLong`` (the Fabric SDK's
  workspace error catalogue); an empty one is 400 ``InvalidInput``.
- Names are unique in the tenant, compared case-insensitively, including workspaces the
  caller cannot see; the status of ``WorkspaceNameAlreadyExists`` is the
  ``workspace_name_conflict_status`` setting (default 409).
- The tenant has no domains, so a ``domainId`` on create is 404 ``DomainNotFound``.
- ``apiEndpoint`` (``preferWorkspaceSpecificEndpoints=true``) is the emulator's own base
  URL: it has one host, and a client that follows the field must keep reaching it.
- Under the realism profile an empty ``description`` is left out of every workspace body,
  as production does; the default profile always sends it (fabric-cicd indexes it).
"""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._fabric_common import (
    caller_role,
    empty_ok,
    json_object,
    new_id,
    paginated,
    require_string,
    workspace_for,
)
from fabric_emulator._fabric_store import ROLE_RANK, Capacity, RoleAssignment, Workspace
from fabric_emulator._http import FabricError, Response
from fabric_emulator._router import Router, Surface
from fabric_emulator._routes_fabric_capacities import assignable_capacity

MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 4000
RESERVED_NAMES = frozenset({"admin monitoring"})
WORKSPACE_TYPE = "Workspace"


# -- validation ------------------------------------------------------------------------


def _valid_name(name: str) -> str:
    """Return ``name`` if Fabric accepts it as a workspace name; else raise 400."""
    if not name.strip():
        raise FabricError(400, "InvalidInput", "The field 'displayName' must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise FabricError(
            400,
            "WorkspaceNameTooLong",
            f"The workspace name cannot contain more than {MAX_NAME_LENGTH} characters",
        )
    if name.strip().lower() in RESERVED_NAMES:
        raise FabricError(400, "WorkspaceNameIsReserved", f"'{name}' is a reserved workspace name")
    return name


def _check_name_free(context: Context, name: str, *, except_id: str | None = None) -> None:
    """Raise ``WorkspaceNameAlreadyExists`` when another workspace in the tenant has ``name``."""
    wanted = name.lower()
    for workspace in context.emulator.fabric.workspaces.values():
        if workspace.id != except_id and workspace.display_name.lower() == wanted:
            raise FabricError(
                context.config.workspace_name_conflict_status,
                "WorkspaceNameAlreadyExists",
                f"Workspace name '{name}' already exists",
            )


def _description(body: dict[str, Any]) -> str | None:
    return require_string(body, "description", max_length=MAX_DESCRIPTION_LENGTH, optional=True)


def _check_can_create_workspaces(context: Context) -> None:
    """Raise 403 ``InsufficientPrivileges`` unless the tenant lets the caller create workspaces.

    Users may always; a service principal needs its app's ``can_create_workspaces`` (the
    admin-portal switch "Service principals can create workspaces").
    """
    identity = context.require_identity()
    if identity.kind != "ServicePrincipal":
        return
    app = context.emulator.directory.app_by_object_id(identity.object_id)
    if app is None or not app.can_create_workspaces:
        raise FabricError(
            403,
            "InsufficientPrivileges",
            "The caller is not allowed to create workspaces in this tenant",
        )


def _check_domain(body: dict[str, Any]) -> None:
    domain_id = body.get("domainId")
    if domain_id is not None:
        raise FabricError(
            404,
            "DomainNotFound",
            "The provided domain was not found",
            related_resource={"resourceId": str(domain_id), "resourceType": "Domain"},
        )


# -- rendering -------------------------------------------------------------------------


def _capacity_of(context: Context, workspace: Workspace) -> Capacity | None:
    if workspace.capacity_id is None:
        return None
    return context.emulator.fabric.capacities.get(workspace.capacity_id.lower())


def workspace_json(context: Context, workspace: Workspace) -> dict[str, Any]:
    """Render a ``Workspace`` (list, create and update responses)."""
    body: dict[str, Any] = {"id": workspace.id, "displayName": workspace.display_name}
    if workspace.description or not context.config.realism:
        body["description"] = workspace.description
    body["type"] = WORKSPACE_TYPE
    if workspace.capacity_id:
        body["capacityId"] = workspace.capacity_id
    if workspace.domain_id:
        body["domainId"] = workspace.domain_id
    capacity = _capacity_of(context, workspace)
    if capacity is not None:
        body["capacityRegion"] = capacity.region
    if context.request.query_flag("preferWorkspaceSpecificEndpoints"):
        body["apiEndpoint"] = context.base_url
    return body


def _onelake_endpoints(capacity: Capacity | None) -> dict[str, str]:
    prefix = f"{capacity.region.lower().replace(' ', '')}-" if capacity else ""
    return {
        "blobEndpoint": f"https://{prefix}onelake.blob.fabric.microsoft.com",
        "dfsEndpoint": f"https://{prefix}onelake.dfs.fabric.microsoft.com",
    }


def workspace_info_json(context: Context, workspace: Workspace) -> dict[str, Any]:
    """Render a ``WorkspaceInfo`` (GET of one workspace)."""
    body = workspace_json(context, workspace)
    body["capacityAssignmentProgress"] = workspace.capacity_assignment_progress
    body["oneLakeEndpoints"] = _onelake_endpoints(_capacity_of(context, workspace))
    return body


# -- handlers --------------------------------------------------------------------------


def create_workspace(context: Context) -> Response:
    """``POST /v1/workspaces``: 201 + Location; the caller becomes its Admin."""
    _check_can_create_workspaces(context)
    body = json_object(context)
    name = _valid_name(require_string(body, "displayName") or "")
    description = _description(body) or ""
    _check_domain(body)
    _check_name_free(context, name)
    capacity_id = body.get("capacityId")
    capacity = assignable_capacity(context, capacity_id) if capacity_id is not None else None
    identity = context.require_identity()
    workspace = Workspace(
        id=new_id(),
        display_name=name,
        description=description,
        capacity_id=capacity.id if capacity else None,
        created_s=context.now,
    )
    workspace.roles[identity.object_id] = RoleAssignment(
        principal_id=identity.object_id, principal_type=identity.kind, role="Admin"
    )
    context.emulator.fabric.workspaces[workspace.id] = workspace
    location = f"{context.base_url}/v1/workspaces/{workspace.id}"
    return Response.json(201, workspace_json(context, workspace), headers={"Location": location})


def _roles_filter(context: Context) -> set[str] | None:
    """Return the roles of the ``roles`` query filter, or ``None`` when there is none."""
    raw = context.request.query_value("roles")
    if raw is None or not raw.strip():
        return None
    canonical = {role.lower(): role for role in ROLE_RANK}
    wanted: set[str] = set()
    for part in raw.split(","):
        role = canonical.get(part.strip().lower())
        if role is None:
            raise FabricError(
                400, "InvalidParameter", f"'{part.strip()}' is not a valid workspace role"
            )
        wanted.add(role)
    return wanted


def list_workspaces(context: Context) -> Response:
    """``GET /v1/workspaces``: the workspaces the caller has a role in, one page at a time."""
    wanted = _roles_filter(context)
    visible = []
    for workspace in context.emulator.fabric.workspaces.values():
        role = caller_role(context, workspace)
        if role is not None and (wanted is None or role in wanted):
            visible.append(workspace_json(context, workspace))
    return paginated(context, visible)


def get_workspace(context: Context) -> Response:
    """``GET /v1/workspaces/{workspaceId}``: WorkspaceInfo for a Viewer or higher."""
    workspace = workspace_for(context, context.params["workspaceId"])
    return Response.json(200, workspace_info_json(context, workspace))


def update_workspace(context: Context) -> Response:
    """``PATCH /v1/workspaces/{workspaceId}``: rename or describe; Admin only."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Admin")
    body = json_object(context)
    name = require_string(body, "displayName", optional=True)
    description = _description(body)
    if name is not None:
        _check_name_free(context, _valid_name(name), except_id=workspace.id)
        workspace.display_name = name
    if description is not None:
        workspace.description = description
    return Response.json(200, workspace_json(context, workspace))


def delete_workspace(context: Context) -> Response:
    """``DELETE /v1/workspaces/{workspaceId}``: remove it with its items and folders; Admin."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Admin")
    store = context.emulator.fabric
    for key in [k for k, item in store.items.items() if item.workspace_id == workspace.id]:
        del store.items[key]
    for key in [k for k, folder in store.folders.items() if folder.workspace_id == workspace.id]:
        del store.folders[key]
    store.deleted_items[:] = [d for d in store.deleted_items if d.workspace_id != workspace.id]
    del store.workspaces[workspace.id]
    return empty_ok()


def assign_to_capacity(context: Context) -> Response:
    """``POST .../assignToCapacity``: 202, empty, no Location; workspace and capacity admin."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Admin")
    body = json_object(context)
    if "capacityId" not in body:
        raise FabricError(400, "InvalidInput", "The field 'capacityId' is required")
    capacity = assignable_capacity(context, body["capacityId"])
    workspace.capacity_id = capacity.id
    workspace.capacity_assignment_progress = "Completed"
    return empty_ok(202)


def unassign_from_capacity(context: Context) -> Response:
    """``POST .../unassignFromCapacity``: 202, empty; workspace Admin."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Admin")
    workspace.capacity_id = None
    workspace.capacity_assignment_progress = "Completed"
    return empty_ok(202)


def register(router: Router) -> None:
    """Add the workspace routes."""
    fabric = Surface.FABRIC
    one = "/v1/workspaces/{workspaceId}"
    router.add("POST", "/v1/workspaces", create_workspace, surface=fabric)
    router.add("GET", "/v1/workspaces", list_workspaces, surface=fabric)
    router.add("GET", one, get_workspace, surface=fabric)
    router.add("PATCH", one, update_workspace, surface=fabric)
    router.add("DELETE", one, delete_workspace, surface=fabric)
    router.add("POST", f"{one}/assignToCapacity", assign_to_capacity, surface=fabric)
    router.add("POST", f"{one}/unassignFromCapacity", unassign_from_capacity, surface=fabric)
