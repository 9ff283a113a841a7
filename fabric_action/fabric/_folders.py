"""Workspace folders (reference §10)."""

from __future__ import annotations

from fabric_action.errors import NotFoundError

from ._models import Folder
from ._reconcile import create_reconciled
from ._rest import RestCore, segment

__all__ = ["FolderOperations"]


class FolderOperations:
    """``/v1/workspaces/{id}/folders``: list, get, create (reconciled), update, delete, move.

    Args:
        core: The shared REST core.
        create_attempts: Sends of a create whose responses keep getting lost.
    """

    def __init__(self, core: RestCore, *, create_attempts: int) -> None:
        self._core = core
        self._attempts = create_attempts

    def _path(self, workspace_id: str, folder_id: str | None = None) -> str:
        base = f"workspaces/{segment(workspace_id)}/folders"
        return base if folder_id is None else f"{base}/{segment(folder_id)}"

    def list(
        self, workspace_id: str, *, root_folder_id: str | None = None, recursive: bool = True
    ) -> list[Folder]:
        """Return the workspace's folders (all pages).

        Args:
            workspace_id: The workspace.
            root_folder_id: Only folders below this one (None: from the workspace root).
            recursive: Whole subtree (default) or direct children only.
        """
        return self._core.list(
            self._path(workspace_id),
            parse=Folder.from_json,
            what=f"list folders of workspace {workspace_id}",
            query={"rootFolderId": root_folder_id, "recursive": recursive},
        )

    def get(self, workspace_id: str, folder_id: str) -> Folder:
        """Return one folder."""
        return self._core.read(
            "GET",
            self._path(workspace_id, folder_id),
            parse=Folder.from_json,
            what=f"get folder {folder_id} of workspace {workspace_id}",
        )

    def find(
        self, workspace_id: str, display_name: str, *, parent_folder_id: str | None = None
    ) -> Folder | None:
        """Return the folder named ``display_name`` under ``parent_folder_id``, if any."""
        wanted = display_name.casefold()
        parent = (parent_folder_id or "").casefold()
        for folder in self._core.iterate(
            self._path(workspace_id),
            parse=Folder.from_json,
            what=f"list folders of workspace {workspace_id}",
            query={"rootFolderId": parent_folder_id, "recursive": False},
        ):
            same_parent = (folder.parent_folder_id or "").casefold() == parent
            if same_parent and folder.display_name.casefold() == wanted:
                return folder
        return None

    def create(
        self, workspace_id: str, display_name: str, *, parent_folder_id: str | None = None
    ) -> Folder:
        """Create a folder; after a lost response, find it by parent and name first.

        Raises:
            ConflictError: ``FolderDisplayNameAlreadyInUse`` for a name taken before.
        """
        body = {"displayName": display_name}
        if parent_folder_id:
            body["parentFolderId"] = parent_folder_id
        what = f"create folder '{display_name}' in workspace {workspace_id}"
        return create_reconciled(
            send=lambda: self._core.read(
                "POST", self._path(workspace_id), parse=Folder.from_json, what=what, body=body
            ),
            lookup=lambda: self.find(workspace_id, display_name, parent_folder_id=parent_folder_id),
            what=what,
            attempts=self._attempts,
        ).value

    def update(self, workspace_id: str, folder_id: str, *, display_name: str) -> Folder:
        """Rename a folder (a repeat is harmless, so it is retried)."""
        return self._core.read(
            "PATCH",
            self._path(workspace_id, folder_id),
            parse=Folder.from_json,
            what=f"rename folder {folder_id} of workspace {workspace_id}",
            body={"displayName": display_name},
            idempotent=True,
        )

    def delete(self, workspace_id: str, folder_id: str) -> bool:
        """Delete an empty folder; False if it was already gone.

        Raises:
            ServiceError: 400 ``FolderNotEmpty`` while it holds items or folders.
        """
        try:
            self._core.call(
                "DELETE",
                self._path(workspace_id, folder_id),
                what=f"delete folder {folder_id} of workspace {workspace_id}",
            )
        except NotFoundError:
            return False
        return True

    def move(
        self, workspace_id: str, folder_id: str, *, target_folder_id: str | None = None
    ) -> Folder:
        """Move a folder under ``target_folder_id`` (None: the workspace root)."""
        body = {"targetFolderId": target_folder_id} if target_folder_id else {}
        return self._core.read(
            "POST",
            f"{self._path(workspace_id, folder_id)}/move",
            parse=Folder.from_json,
            what=f"move folder {folder_id} of workspace {workspace_id}",
            body=body,
            idempotent=True,
        )
