"""Routes of ``/v1/workspaces/{id}/roleAssignments`` (reference §7).

A role assignment's id is its principal's object id. Who may do what: list, get and add
need Member or higher, and a Member may grant at most Member; update and delete need
Admin. Choices where the reference leaves room:

- A duplicate add is 409 ``PrincipalAlreadyHasWorkspaceRolePermissions``: public scripts
  that handle it key on HTTP 409 together with that errorCode.
- An unknown assignment id is 404 ``EntityNotFound``, the code Microsoft's Terraform
  provider treats as "assignment gone" when it reads one.
- Removing or downgrading the last Admin is 400 ``WorkspaceMustHaveAtLeastOneAdmin``. The
  spec only says it "can't" be done and no recording shows the code, so the emulator names
  the rule plainly; clients should treat any 4xx here as a refusal.
- A Member granting Admin is 403 ``InsufficientWorkspaceRole``, as for any action above
  the caller's role.
- Principal and role values are matched case-insensitively and echoed in Fabric's spelling.
- ``aadAppId`` is always a UUID (the spec's format); an app whose client id is not one (the
  default ``fabric-action-dev``) is reported with a UUID derived from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._directory import stable_id
from fabric_emulator._fabric_common import (
    caller_role,
    empty_ok,
    is_uuid,
    json_object,
    paginated,
    require_string,
    workspace_for,
)
from fabric_emulator._fabric_store import ROLE_RANK, RoleAssignment, Workspace
from fabric_emulator._http import FabricError, Response
from fabric_emulator._router import Router, Surface

PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ServicePrincipalProfile", "EntireTenant")
ADMIN = "Admin"
MEMBER = "Member"


def _canonical(value: str, allowed: Iterable[str]) -> str | None:
    """Return the spelling in ``allowed`` that equals ``value`` ignoring case."""
    lowered = value.strip().lower()
    return next((choice for choice in allowed if choice.lower() == lowered), None)


def _requested_role(body: dict[str, Any]) -> str:
    """Return the canonical ``role`` of a request body, or raise 400 ``InvalidInput``."""
    raw = require_string(body, "role") or ""
    role = _canonical(raw, ROLE_RANK)
    if role is None:
        raise FabricError(
            400,
            "InvalidInput",
            f"'{raw}' is not a workspace role; use one of {', '.join(ROLE_RANK)}",
        )
    return role


# -- principals ------------------------------------------------------------------------


def _principal_details(context: Context, principal_id: str, principal_type: str) -> dict[str, Any]:
    """Return ``displayName`` and the type-specific details the directory knows."""
    directory = context.emulator.directory
    if principal_type == "User" and principal_id in directory.users:
        user = directory.users[principal_id]
        return {
            "displayName": user.display_name,
            "userDetails": {"userPrincipalName": user.user_principal_name},
        }
    if principal_type == "Group" and principal_id in directory.groups:
        group = directory.groups[principal_id]
        group_type = "SecurityGroup" if group.security_enabled else "DistributionList"
        return {"displayName": group.display_name, "groupDetails": {"groupType": group_type}}
    app = directory.app_by_object_id(principal_id)
    if principal_type == "ServicePrincipal" and app is not None:
        return {
            "displayName": app.display_name,
            "servicePrincipalDetails": {"aadAppId": aad_app_id(app.client_id)},
        }
    return {}


def aad_app_id(client_id: str) -> str:
    """Return the app id as a UUID, which the spec requires and real Entra always issues.

    The emulator's default app has the readable client id ``fabric-action-dev``; it is
    reported as a UUID derived from that name, the same in every run.
    """
    return client_id if is_uuid(client_id) else stable_id("app-id", client_id)


def assignment_json(
    context: Context, assignment: RoleAssignment, *, details: bool = True
) -> dict[str, Any]:
    """Render a WorkspaceRoleAssignment; create responses leave the principal details out."""
    principal: dict[str, Any] = {"id": assignment.principal_id, "type": assignment.principal_type}
    if details:
        principal = {
            "id": assignment.principal_id,
            **_principal_details(context, assignment.principal_id, assignment.principal_type),
            "type": assignment.principal_type,
        }
    return {"id": assignment.principal_id, "principal": principal, "role": assignment.role}


def _directory_id(context: Context, raw_id: str) -> str | None:
    """Return the directory's spelling of an object id given in any case."""
    directory = context.emulator.directory
    known = [*directory.users, *directory.groups]
    known.extend(app.object_id for app in directory.apps.values())
    return _canonical(raw_id, known)


def _principal_not_found(workspace: Workspace, principal_id: str) -> FabricError:
    return FabricError(
        400,
        "PrincipalNotFound",
        "The provided principal was not found",
        related_resource={"resourceId": workspace.id, "resourceType": "Workspace"},
        more_details=[
            {
                "errorCode": "NotFound",
                "message": "The principal does not exist in the tenant's directory",
                "relatedResource": {"resourceId": principal_id, "resourceType": "Principal"},
            }
        ],
    )


def _requested_principal(
    context: Context, workspace: Workspace, body: dict[str, Any]
) -> tuple[str, str]:
    """Return the ``(object id, type)`` of the principal an add request names.

    Raises:
        FabricError: 400 ``InvalidInput`` for a malformed principal, 400
            ``InvalidPrincipalType`` for an unknown type, 400 ``PrincipalNotFound`` when
            the directory has no principal with that id and type.
    """
    principal = body.get("principal")
    if not isinstance(principal, dict):
        raise FabricError(400, "InvalidInput", "The field 'principal' is required")
    raw_id = (require_string(principal, "id") or "").strip()
    raw_type = require_string(principal, "type") or ""
    principal_type = _canonical(raw_type, PRINCIPAL_TYPES)
    if principal_type is None:
        raise FabricError(
            400, "InvalidPrincipalType", f"'{raw_type}' is not a valid principal type"
        )
    principal_id = _directory_id(context, raw_id)
    found_type = context.emulator.directory.principal_type(principal_id) if principal_id else None
    if principal_id is None or found_type != principal_type:
        raise _principal_not_found(workspace, raw_id)
    return principal_id, principal_type


# -- rules -----------------------------------------------------------------------------


def _check_grantable(context: Context, workspace: Workspace, role: str) -> None:
    """Raise 403 when a Member tries to grant a role above Member."""
    mine = caller_role(context, workspace)
    if mine != ADMIN and ROLE_RANK[role] > ROLE_RANK[MEMBER]:
        raise FabricError(
            403,
            "InsufficientWorkspaceRole",
            f"A workspace {mine} can grant roles up to {MEMBER}; {role} needs an Admin",
        )


def _existing(context: Context, workspace: Workspace) -> RoleAssignment:
    """Return the assignment named in the path, or raise 404 ``EntityNotFound``."""
    assignment_id = context.params["assignmentId"]
    key = _canonical(assignment_id, workspace.roles)
    assignment = workspace.roles.get(key) if key is not None else None
    if assignment is None:
        raise FabricError(
            404,
            "EntityNotFound",
            "The workspace role assignment was not found",
            related_resource={"resourceId": assignment_id, "resourceType": "RoleAssignment"},
        )
    return assignment


def _check_admin_remains(
    workspace: Workspace, changed: RoleAssignment, new_role: str | None
) -> None:
    """Raise 400 when removing or downgrading ``changed`` would leave no Admin."""
    if changed.role != ADMIN or new_role == ADMIN:
        return
    admins = sum(1 for assignment in workspace.roles.values() if assignment.role == ADMIN)
    if admins <= 1:
        raise FabricError(
            400,
            "WorkspaceMustHaveAtLeastOneAdmin",
            "The last Admin of a workspace cannot be removed or given a lesser role",
            related_resource={"resourceId": workspace.id, "resourceType": "Workspace"},
        )


# -- handlers --------------------------------------------------------------------------


def add_role_assignment(context: Context) -> Response:
    """``POST .../roleAssignments``: 201 + Location; body without principal details."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role=MEMBER)
    body = json_object(context)
    principal_id, principal_type = _requested_principal(context, workspace, body)
    assignment = RoleAssignment(
        principal_id=principal_id, principal_type=principal_type, role=_requested_role(body)
    )
    _check_grantable(context, workspace, assignment.role)
    if _canonical(principal_id, workspace.roles) is not None:
        raise FabricError(
            409,
            "PrincipalAlreadyHasWorkspaceRolePermissions",
            "The principal already has a role in this workspace",
            related_resource={"resourceId": assignment.principal_id, "resourceType": "Principal"},
        )
    workspace.roles[assignment.principal_id] = assignment
    location = (
        f"{context.base_url}/v1/workspaces/{workspace.id}/roleAssignments/{assignment.principal_id}"
    )
    return Response.json(
        201, assignment_json(context, assignment, details=False), headers={"Location": location}
    )


def list_role_assignments(context: Context) -> Response:
    """``GET .../roleAssignments``: every assignment with principal details, paginated."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role=MEMBER)
    return paginated(
        context, [assignment_json(context, assignment) for assignment in workspace.roles.values()]
    )


def get_role_assignment(context: Context) -> Response:
    """``GET .../roleAssignments/{id}``: one assignment with principal details."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role=MEMBER)
    return Response.json(200, assignment_json(context, _existing(context, workspace)))


def update_role_assignment(context: Context) -> Response:
    """``PATCH .../roleAssignments/{id}``: change the role; Admin; keeps one Admin."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role=ADMIN)
    assignment = _existing(context, workspace)
    role = _requested_role(json_object(context))
    _check_admin_remains(workspace, assignment, role)
    assignment.role = role
    return Response.json(200, assignment_json(context, assignment))


def delete_role_assignment(context: Context) -> Response:
    """``DELETE .../roleAssignments/{id}``: 200 empty; Admin; never the last Admin."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role=ADMIN)
    assignment = _existing(context, workspace)
    _check_admin_remains(workspace, assignment, None)
    del workspace.roles[assignment.principal_id]
    return empty_ok()


def register(router: Router) -> None:
    """Add the workspace role-assignment routes."""
    fabric = Surface.FABRIC
    many = "/v1/workspaces/{workspaceId}/roleAssignments"
    one = f"{many}/{{assignmentId}}"
    router.add("POST", many, add_role_assignment, surface=fabric)
    router.add("GET", many, list_role_assignments, surface=fabric)
    router.add("GET", one, get_role_assignment, surface=fabric)
    router.add("PATCH", one, update_role_assignment, surface=fabric)
    router.add("DELETE", one, delete_role_assignment, surface=fabric)
