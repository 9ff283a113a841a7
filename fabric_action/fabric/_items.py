"""Workspace items and their definitions (reference §9).

Every call that may run long has a ``begin_*`` form returning an :class:`Lro` handle (no
thread waits on it) and a blocking form that waits for it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from fabric_action.errors import NotFoundError

from ._definition import Definition
from ._lro import OnStarted
from ._lro_handle import Lro
from ._models import Item, MalformedBodyError
from ._reconcile import create_reconciled
from ._rest import RestCore, segment

__all__ = ["ItemOperations", "LocateItem"]

LocateItem = Callable[[str, str], "Item | None"]
"""``locate(item_type, display_name)``: the item with this type and name, if it exists."""


class ItemOperations:
    """``/v1/workspaces/{id}/items``: list, get, create (reconciled), update, delete,
    definitions and move.

    Args:
        core: The shared REST core.
        create_attempts: Sends of a create whose responses keep getting lost.
    """

    def __init__(self, core: RestCore, *, create_attempts: int) -> None:
        self._core = core
        self._attempts = create_attempts

    def _path(self, workspace_id: str, item_id: str | None = None) -> str:
        base = f"workspaces/{segment(workspace_id)}/items"
        return base if item_id is None else f"{base}/{segment(item_id)}"

    def list(
        self,
        workspace_id: str,
        *,
        item_type: str | None = None,
        root_folder_id: str | None = None,
        recursive: bool = True,
    ) -> list[Item]:
        """Return the workspace's items (all pages).

        Args:
            workspace_id: The workspace.
            item_type: Only this type (any type name; unknown ones are passed through).
            root_folder_id: Only items in this folder (and below it, when recursive).
            recursive: Include sub-folders (default True, as the service does).
        """
        return self._core.list(
            self._path(workspace_id),
            parse=Item.from_json,
            what=f"list items of workspace {workspace_id}",
            query={"type": item_type, "rootFolderId": root_folder_id, "recursive": recursive},
        )

    def get(self, workspace_id: str, item_id: str) -> Item:
        """Return one item.

        Raises:
            NotFoundError: ``ItemNotFound``.
        """
        return self._core.read(
            "GET",
            self._path(workspace_id, item_id),
            parse=Item.from_json,
            what=f"get item {item_id} of workspace {workspace_id}",
        )

    def find(self, workspace_id: str, item_type: str, display_name: str) -> Item | None:
        """Return the item with this type and name (both case-insensitive), if any."""
        wanted = (item_type.casefold(), display_name.casefold())
        for item in self._core.iterate(
            self._path(workspace_id),
            parse=Item.from_json,
            what=f"list {item_type} items of workspace {workspace_id}",
            query={"type": item_type},
        ):
            if (item.type.casefold(), item.display_name.casefold()) == wanted:
                return item
        return None

    def begin_create(
        self,
        workspace_id: str,
        *,
        display_name: str,
        item_type: str,
        description: str | None = None,
        folder_id: str | None = None,
        definition: Definition | None = None,
        creation_payload: dict[str, Any] | None = None,
        on_started: OnStarted | None = None,
        fetch_result: bool = True,
        locate: LocateItem | None = None,
    ) -> Lro[Item]:
        """Start creating an item; return its handle (done at once for a 201).

        With ``fetch_result=False`` a create that runs as an operation does not GET the
        operation's ``/result``: once it succeeds the item is found by type and name with
        ``locate`` (default :meth:`find`, one filtered list per create; pass a locator
        that shares one listing between many creates to save calls).

        After a lost response the item is looked up by type and name (the ``.platform``
        name when the definition carries one) before the create is sent again; it may
        exist while the operation that fills its definition was lost with the response,
        so a found item gets the definition again (``updateDefinition``, idempotent) and
        the handle completes when that does.

        Raises:
            ConflictError: ``ItemDisplayNameAlreadyInUse`` (400 or 409) for a name taken
                before this call, or ``ItemDisplayNameNotAvailableYet`` (a deleted item's
                name is still reserved).
        """
        body: dict[str, Any] = {"displayName": display_name, "type": item_type}
        if description is not None:
            body["description"] = description
        if folder_id:
            body["folderId"] = folder_id
        if definition is not None:
            body["definition"] = definition.to_json()
        if creation_payload is not None:
            body["creationPayload"] = creation_payload
        name = (definition.platform_display_name() if definition else None) or display_name
        what = f"create {item_type} '{name}' in workspace {workspace_id}"

        def find(kind: str, display: str) -> Item | None:
            return self.find(workspace_id, kind, display)

        def created(value: Any) -> Item:
            if value is not None:
                return Item.from_json(value)
            found = (locate or find)(item_type, name)  # an operation without a result
            if found is None:
                raise MalformedBodyError("the operation ended without the item")
            return found

        def lookup() -> Lro[Item] | None:
            found = self.find(workspace_id, item_type, name)
            return None if found is None else Lro.completed(found, what=what)

        outcome = create_reconciled(
            send=lambda: self._core.begin(
                "POST",
                self._path(workspace_id),
                parse=created,
                what=what,
                body=body,
                on_started=on_started,
                fetch_result=fetch_result,
            ),
            lookup=lookup,
            what=what,
            attempts=self._attempts,
        )
        if not (outcome.found_by_lookup and definition is not None):
            return outcome.value
        item = outcome.value.result()
        return self._core.begin(
            "POST",
            f"{self._path(workspace_id, item.id)}/updateDefinition",
            parse=lambda _: item,
            what=f"{what} (definition applied again after a lost response)",
            body={"definition": definition.to_json()},
            idempotent=True,
            on_started=on_started,
        )

    def create(
        self,
        workspace_id: str,
        *,
        display_name: str,
        item_type: str,
        description: str | None = None,
        folder_id: str | None = None,
        definition: Definition | None = None,
        creation_payload: dict[str, Any] | None = None,
        on_started: OnStarted | None = None,
    ) -> Item:
        """Create an item and wait for it (options as for :meth:`begin_create`)."""
        return self.begin_create(
            workspace_id,
            display_name=display_name,
            item_type=item_type,
            description=description,
            folder_id=folder_id,
            definition=definition,
            creation_payload=creation_payload,
            on_started=on_started,
        ).result()

    def update(
        self,
        workspace_id: str,
        item_id: str,
        *,
        display_name: str | None = None,
        description: str | None = None,
    ) -> Item:
        """Rename or re-describe an item (a repeat is harmless, so it is retried)."""
        body = {
            key: value
            for key, value in (("displayName", display_name), ("description", description))
            if value is not None
        }
        return self._core.read(
            "PATCH",
            self._path(workspace_id, item_id),
            parse=Item.from_json,
            what=f"update item {item_id} of workspace {workspace_id}",
            body=body,
            idempotent=True,
        )

    def delete(self, workspace_id: str, item_id: str, *, hard: bool = False) -> bool:
        """Delete an item (soft by default: its name stays reserved for a while).

        Args:
            workspace_id: The workspace.
            item_id: The item.
            hard: ``hardDelete=true``: free the name at once (needs Admin).

        Returns:
            True if this call deleted it; False if it was already gone.
        """
        try:
            self._core.call(
                "DELETE",
                self._path(workspace_id, item_id),
                what=f"delete item {item_id} of workspace {workspace_id}",
                query={"hardDelete": True if hard else None},
            )
        except NotFoundError:
            return False
        return True

    def begin_get_definition(
        self, workspace_id: str, item_id: str, *, format: str | None = None
    ) -> Lro[Definition]:
        """Start reading an item's definition (always with a ``.platform`` part)."""
        return self._core.begin(
            "POST",
            f"{self._path(workspace_id, item_id)}/getDefinition",
            parse=Definition.from_json,
            what=f"get the definition of item {item_id} of workspace {workspace_id}",
            query={"format": format},
            idempotent=True,
        )

    def get_definition(
        self, workspace_id: str, item_id: str, *, format: str | None = None
    ) -> Definition:
        """Read an item's definition and wait for it."""
        return self.begin_get_definition(workspace_id, item_id, format=format).result()

    def begin_update_definition(
        self,
        workspace_id: str,
        item_id: str,
        definition: Definition,
        *,
        update_metadata: bool = False,
        on_started: OnStarted | None = None,
    ) -> Lro[None]:
        """Start replacing an item's definition.

        Args:
            workspace_id: The workspace.
            item_id: The item.
            definition: The new definition.
            update_metadata: Also apply the ``.platform`` part's displayName and
                description (``updateMetadata=true``).
            on_started: Told the operation id and location before the first poll.
        """
        return self._core.begin(
            "POST",
            f"{self._path(workspace_id, item_id)}/updateDefinition",
            parse=lambda _: None,
            what=f"update the definition of item {item_id} of workspace {workspace_id}",
            body={"definition": definition.to_json()},
            query={"updateMetadata": True if update_metadata else None},
            idempotent=True,
            on_started=on_started,
        )

    def update_definition(
        self,
        workspace_id: str,
        item_id: str,
        definition: Definition,
        *,
        update_metadata: bool = False,
    ) -> None:
        """Replace an item's definition and wait for it."""
        self.begin_update_definition(
            workspace_id, item_id, definition, update_metadata=update_metadata
        ).result()

    def move(
        self, workspace_id: str, item_id: str, *, target_folder_id: str | None = None
    ) -> builtins.list[Item]:
        """Move an item (and its children) to a folder (None: the workspace root).

        Returns:
            The moved items, the item first.
        """
        body = {"targetFolderId": target_folder_id} if target_folder_id else {}
        return self._core.read(
            "POST",
            f"{self._path(workspace_id, item_id)}/move",
            parse=_items_of,
            what=f"move item {item_id} of workspace {workspace_id}",
            body=body,
            idempotent=True,
        )


def _items_of(value: Any) -> list[Item]:
    entries = value.get("value") if isinstance(value, dict) else None
    if not isinstance(entries, list):
        raise MalformedBodyError("expected {'value': [items]}")
    return [Item.from_json(entry) for entry in entries]
