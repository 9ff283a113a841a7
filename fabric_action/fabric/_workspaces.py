"""Workspaces, their capacity and their role assignments (reference §6, §7, §8)."""

from __future__ import annotations

from fabric_action.errors import NotFoundError

from ._models import Capacity, RoleAssignment, Workspace
from ._reconcile import create_reconciled
from ._rest import RestCore, segment

__all__ = ["CapacityOperations", "RoleAssignmentOperations", "WorkspaceOperations"]


class WorkspaceOperations:
    """``/v1/workspaces``: list, get, create (reconciled), update, delete, capacity.

    Args:
        core: The shared REST core.
        create_attempts: Sends of a create whose responses keep getting lost.
    """

    def __init__(self, core: RestCore, *, create_attempts: int) -> None:
        self._core = core
        self._attempts = create_attempts

    def list(self, *, roles: str | None = None) -> list[Workspace]:
        """Return every workspace the caller has a role in (all pages).

        Args:
            roles: Comma-separated role filter (``Admin,Member``), or None for all.
        """
        return self._core.list(
            "workspaces", parse=Workspace.from_json, what="list workspaces", query={"roles": roles}
        )

    def get(self, workspace_id: str) -> Workspace:
        """Return one workspace (with ``capacity_assignment_progress``).

        Raises:
            NotFoundError: No such workspace, or the caller cannot see it.
        """
        return self._core.read(
            "GET",
            f"workspaces/{segment(workspace_id)}",
            parse=Workspace.from_json,
            what=f"get workspace {workspace_id}",
        )

    def find(self, display_name: str) -> Workspace | None:
        """Return the visible workspace named ``display_name`` (case-insensitively), if any."""
        wanted = display_name.casefold()
        for workspace in self._core.iterate(
            "workspaces", parse=Workspace.from_json, what="list workspaces"
        ):
            if workspace.display_name.casefold() == wanted:
                return workspace
        return None

    def create(
        self,
        display_name: str,
        *,
        description: str | None = None,
        capacity_id: str | None = None,
    ) -> Workspace:
        """Create a workspace; after a lost response, find it by name before resending.

        Raises:
            ConflictError: ``WorkspaceNameAlreadyExists`` (409 or 400) for a name that was
                taken before this call.
        """
        body: dict[str, str] = {"displayName": display_name}
        if description is not None:
            body["description"] = description
        if capacity_id is not None:
            body["capacityId"] = capacity_id
        what = f"create workspace '{display_name}'"
        return create_reconciled(
            send=lambda: self._core.read(
                "POST", "workspaces", parse=Workspace.from_json, what=what, body=body
            ),
            lookup=lambda: self.find(display_name),
            what=what,
            attempts=self._attempts,
        ).value

    def update(
        self,
        workspace_id: str,
        *,
        display_name: str | None = None,
        description: str | None = None,
    ) -> Workspace:
        """Rename or re-describe a workspace (a repeat is harmless, so it is retried)."""
        body = {
            key: value
            for key, value in (("displayName", display_name), ("description", description))
            if value is not None
        }
        return self._core.read(
            "PATCH",
            f"workspaces/{segment(workspace_id)}",
            parse=Workspace.from_json,
            what=f"update workspace {workspace_id}",
            body=body,
            idempotent=True,
        )

    def delete(self, workspace_id: str) -> bool:
        """Delete a workspace and everything in it.

        Returns:
            True if this call deleted it; False if it was already gone (possibly deleted
            by an earlier attempt whose response was lost).
        """
        try:
            self._core.call(
                "DELETE",
                f"workspaces/{segment(workspace_id)}",
                what=f"delete workspace {workspace_id}",
            )
        except NotFoundError:
            return False
        return True

    def assign_to_capacity(self, workspace_id: str, capacity_id: str) -> None:
        """Put the workspace on a capacity (202, no operation: read progress with ``get``)."""
        self._core.call(
            "POST",
            f"workspaces/{segment(workspace_id)}/assignToCapacity",
            what=f"assign workspace {workspace_id} to capacity {capacity_id}",
            body={"capacityId": capacity_id},
            idempotent=True,
        )

    def unassign_from_capacity(self, workspace_id: str) -> None:
        """Take the workspace off its capacity."""
        self._core.call(
            "POST",
            f"workspaces/{segment(workspace_id)}/unassignFromCapacity",
            what=f"unassign workspace {workspace_id} from its capacity",
            idempotent=True,
        )


class RoleAssignmentOperations:
    """``/v1/workspaces/{id}/roleAssignments``: list, get, add (reconciled), update, delete."""

    def __init__(self, core: RestCore, *, create_attempts: int) -> None:
        self._core = core
        self._attempts = create_attempts

    def _path(self, workspace_id: str, assignment_id: str | None = None) -> str:
        base = f"workspaces/{segment(workspace_id)}/roleAssignments"
        return base if assignment_id is None else f"{base}/{segment(assignment_id)}"

    def list(self, workspace_id: str) -> list[RoleAssignment]:
        """Return every role assignment of the workspace (all pages)."""
        return self._core.list(
            self._path(workspace_id),
            parse=RoleAssignment.from_json,
            what=f"list role assignments of workspace {workspace_id}",
        )

    def get(self, workspace_id: str, assignment_id: str) -> RoleAssignment:
        """Return one role assignment."""
        return self._core.read(
            "GET",
            self._path(workspace_id, assignment_id),
            parse=RoleAssignment.from_json,
            what=f"get role assignment {assignment_id} of workspace {workspace_id}",
        )

    def find(self, workspace_id: str, principal_id: str) -> RoleAssignment | None:
        """Return the principal's assignment in the workspace, if it has one."""
        wanted = principal_id.casefold()
        for assignment in self._core.iterate(
            self._path(workspace_id),
            parse=RoleAssignment.from_json,
            what=f"list role assignments of workspace {workspace_id}",
        ):
            if assignment.principal.id.casefold() == wanted:
                return assignment
        return None

    def add(
        self, workspace_id: str, *, principal_id: str, principal_type: str, role: str
    ) -> RoleAssignment:
        """Give a principal a role; after a lost response, find it before resending.

        A found assignment counts as ours only with the requested role; another role is
        someone else's and ends in the service's ``ConflictError``.

        Raises:
            ConflictError: ``PrincipalAlreadyHasWorkspaceRolePermissions`` when the
                principal had a role before this call (update it instead).
            NotFoundError: ``PrincipalNotFound``: no such principal of that type.
        """
        body = {"principal": {"id": principal_id, "type": principal_type}, "role": role}
        what = f"give {principal_type} {principal_id} the {role} role in {workspace_id}"

        def lookup() -> RoleAssignment | None:
            found = self.find(workspace_id, principal_id)
            return found if found and found.role.casefold() == role.casefold() else None

        return create_reconciled(
            send=lambda: self._core.read(
                "POST",
                self._path(workspace_id),
                parse=RoleAssignment.from_json,
                what=what,
                body=body,
            ),
            lookup=lookup,
            what=what,
            attempts=self._attempts,
        ).value

    def update(self, workspace_id: str, assignment_id: str, *, role: str) -> RoleAssignment:
        """Change the role of an assignment (a repeat is harmless, so it is retried)."""
        return self._core.read(
            "PATCH",
            self._path(workspace_id, assignment_id),
            parse=RoleAssignment.from_json,
            what=f"set role assignment {assignment_id} of workspace {workspace_id} to {role}",
            body={"role": role},
            idempotent=True,
        )

    def delete(self, workspace_id: str, assignment_id: str) -> bool:
        """Remove an assignment; False if it was already gone."""
        try:
            self._core.call(
                "DELETE",
                self._path(workspace_id, assignment_id),
                what=f"delete role assignment {assignment_id} of workspace {workspace_id}",
            )
        except NotFoundError:
            return False
        return True


class CapacityOperations:
    """``/v1/capacities``: the capacities the caller administers."""

    def __init__(self, core: RestCore) -> None:
        self._core = core

    def list(self) -> list[Capacity]:
        """Return every capacity the caller can see (all pages)."""
        return self._core.list("capacities", parse=Capacity.from_json, what="list capacities")

    def get(self, capacity_id: str) -> Capacity:
        """Return one capacity.

        Raises:
            NotFoundError: ``CapacityNotFound`` (missing, or the caller is not its admin).
        """
        return self._core.read(
            "GET",
            f"capacities/{segment(capacity_id)}",
            parse=Capacity.from_json,
            what=f"get capacity {capacity_id}",
        )
