"""What every Graph route shares: response headers, error bodies, permissions, ids, bodies.

Success bodies carry Graph's OData content type, ``request-id`` and ``client-request-id``
(the caller's own when it sent one, as Graph echoes it). Errors raised as
:class:`GraphError` inside a handler are rendered here with the same headers and Graph's
``innerError`` (``date`` without fraction or zone, ``request-id``, ``client-request-id``).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from fabric_emulator._http import BadRequestBodyError, GraphError, Response

if TYPE_CHECKING:
    from fabric_emulator._app import Context
    from fabric_emulator._router import Handler

GRAPH_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)
"""The content type of Graph's JSON success bodies."""
GRAPH_ERROR_JSON = "application/json"
"""The content type of Graph's error bodies."""
API_VERSION = "v1.0"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DIRECTORY_READ = ("Directory.Read.All", "Directory.ReadWrite.All")
_GRANTED_BY: dict[str, tuple[str, ...]] = {
    "User.Read.All": ("User.Read.All", "User.ReadWrite.All", *_DIRECTORY_READ),
    "Group.Read.All": ("Group.Read.All", "Group.ReadWrite.All", *_DIRECTORY_READ),
    "GroupMember.Read.All": (
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        *_DIRECTORY_READ,
    ),
    "Application.Read.All": ("Application.Read.All", "Application.ReadWrite.All", *_DIRECTORY_READ),
    "Directory.Read.All": _DIRECTORY_READ,
}
"""For each permission a route needs, the application permissions that include it."""


def client_request_id(context: Context) -> str:
    """Return the caller's ``client-request-id``, or the request id when it sent none."""
    return context.request.headers.get("client-request-id") or context.request_id


def _tracing_headers(context: Context) -> dict[str, str]:
    return {
        "request-id": context.request_id,
        "client-request-id": client_request_id(context),
        "OData-Version": "4.0",
    }


def graph_json(context: Context, payload: dict[str, Any], status: int = 200) -> Response:
    """Build a Graph success response."""
    return Response.json(
        status, payload, content_type=GRAPH_JSON, headers=_tracing_headers(context)
    )


def graph_error_response(context: Context, error: GraphError) -> Response:
    """Render ``error`` as Graph does, with the tracing headers of this request."""
    moment = datetime.fromtimestamp(context.now, tz=UTC)
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": moment.strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": context.request_id,
                "client-request-id": client_request_id(context),
            },
        }
    }
    return Response.json(
        error.status, body, content_type=GRAPH_ERROR_JSON, headers=_tracing_headers(context)
    )


def graph_handler(handler: Handler) -> Handler:
    """Wrap a route handler so its Graph errors and unreadable bodies render as Graph's."""

    @functools.wraps(handler)
    def run(context: Context) -> Response:
        try:
            return handler(context)
        except GraphError as error:
            return graph_error_response(context, error)
        except BadRequestBodyError:
            return graph_error_response(
                context,
                bad_request(
                    "BadRequest",
                    "Unable to read JSON request payload. Please ensure Content-Type header "
                    "is set and payload is of valid JSON format.",
                ),
            )

    return run


def metadata_url(context: Context, fragment: str) -> str:
    """Return an ``@odata.context`` value on the emulator's own host."""
    return f"{context.base_url}/{API_VERSION}/$metadata#{fragment}"


def bad_request(code: str, message: str) -> GraphError:
    """Return a 400 Graph error (``Request_BadRequest``, ``BadRequest``...)."""
    return GraphError(400, code, message)


def not_found(key: str) -> GraphError:
    """Return Graph's 404 for a directory object that does not exist."""
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{key}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def path_key(context: Context, name: str) -> str:
    """Return a path parameter URL-decoded (``%23EXT%23`` becomes ``#EXT#``)."""
    return unquote(context.params[name])


def require_object_id(key: str) -> str:
    """Return ``key`` when it is a GUID; raise 400 ``Request_BadRequest`` otherwise."""
    if not _GUID.match(key):
        raise bad_request("Request_BadRequest", f"Invalid object identifier '{key}'.")
    return key


def require_permission(context: Context, *needed: str) -> None:
    """Check that the calling app holds every permission in ``needed`` (or one including it).

    Raises:
        GraphError: 403 ``Authorization_RequestDenied`` when one is missing.
    """
    identity = context.require_identity()
    app = context.emulator.directory.app_by_client_id(identity.app_id)
    granted = {permission.lower() for permission in (app.graph_permissions if app else [])}
    for permission in needed:
        accepted = _GRANTED_BY.get(permission, (permission,))
        if not any(name.lower() in granted for name in accepted):
            raise GraphError(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )


def json_object_body(context: Context) -> dict[str, Any]:
    """Return the request body as a JSON object; raise 400 ``BadRequest`` otherwise."""
    body = context.request.json()
    if not isinstance(body, dict):
        raise bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set "
            "and payload is of valid JSON format.",
        )
    return body


def string_list(body: dict[str, Any], name: str, *, limit: int, required: bool) -> list[str]:
    """Return ``body[name]`` as a list of strings of at most ``limit`` entries.

    Raises:
        GraphError: 400 ``Request_BadRequest`` when it is missing (and required), not a
            list of strings, or too long.
    """
    value = body.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_request(
            "Request_BadRequest", f"Invalid value for '{name}': a list of strings is required."
        )
    if required and not value:
        raise bad_request("Request_BadRequest", f"The '{name}' collection must not be empty.")
    if len(value) > limit:
        raise bad_request(
            "Request_BadRequest",
            f"The '{name}' collection has {len(value)} entries; at most {limit} are allowed.",
        )
    return value
