"""Lookups, name rules and JSON views shared by the item, folder and typed routes."""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._fabric_common import is_uuid, require_string
from fabric_emulator._fabric_store import Folder, Item, Workspace
from fabric_emulator._http import FabricError

MAX_DESCRIPTION_LENGTH = 256


def item_view(context: Context, item: Item, *, created: bool = False) -> dict[str, Any]:
    """Render an item the way ``/items`` answers (reference §9.1).

    ``description`` is always present in the default profile (fabric-cicd indexes it).
    Under realism an empty one is left out of create responses, as recorded [R]; list and
    get keep it so clients that index it keep working.
    """
    view: dict[str, Any] = {"id": item.id, "type": item.type, "displayName": item.display_name}
    if item.description or not (created and context.config.realism):
        view["description"] = item.description
    view["workspaceId"] = item.workspace_id
    if item.folder_id:
        view["folderId"] = item.folder_id
    return view


def folder_view(folder: Folder) -> dict[str, Any]:
    """Render a folder (``parentFolderId`` only below the workspace root) [S]."""
    view: dict[str, Any] = {
        "id": folder.id,
        "displayName": folder.display_name,
        "workspaceId": folder.workspace_id,
    }
    if folder.parent_folder_id:
        view["parentFolderId"] = folder.parent_folder_id
    return view


def find_item(context: Context, workspace: Workspace, item_id: str) -> Item:
    """Return the workspace's item ``item_id``, or raise 404 ``ItemNotFound``."""
    item = context.emulator.fabric.items.get(item_id.lower())
    if item is None or item.workspace_id != workspace.id:
        raise FabricError(
            404,
            "ItemNotFound",
            "The requested item was not found",
            related_resource={"resourceId": item_id, "resourceType": "Item"},
        )
    return item


def find_folder(context: Context, workspace: Workspace, folder_id: str) -> Folder:
    """Return the workspace's folder ``folder_id``, or raise 404 ``FolderNotFound``."""
    folder = context.emulator.fabric.folders.get(folder_id.lower())
    if folder is None or folder.workspace_id != workspace.id:
        raise FabricError(
            404,
            "FolderNotFound",
            "The requested folder was not found",
            related_resource={"resourceId": folder_id, "resourceType": "Folder"},
        )
    return folder


def folder_reference(
    context: Context, workspace: Workspace, body: dict[str, Any], name: str
) -> Folder | None:
    """Resolve an optional folder id field; absent, null or ``""`` mean the workspace root.

    fabric-cicd sends ``folderId: ""`` for root items (reference §9.3) [R].

    Raises:
        FabricError: 400 ``InvalidInput`` (not a UUID), 404 ``FolderNotFound``.
    """
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not is_uuid(value):
        raise FabricError(400, "InvalidInput", f"The field '{name}' must be a folder id (UUID)")
    return find_folder(context, workspace, value)


def query_folder(context: Context, workspace: Workspace) -> Folder | None:
    """Resolve the ``rootFolderId`` query parameter of list calls."""
    value = context.request.query_value("rootFolderId")
    if not value:
        return None
    if not is_uuid(value):
        raise FabricError(400, "InvalidParameter", "rootFolderId must be a folder id (UUID)")
    return find_folder(context, workspace, value)


def query_recursive(context: Context) -> bool:
    """Read ``recursive`` (default true; any case, as clients send ``True``)."""
    value = context.request.query_value("recursive")
    return value is None or value.strip().lower() != "false"


def descendant_folder_ids(context: Context, folder_id: str) -> set[str]:
    """Return the ids of every folder below ``folder_id`` (not itself)."""
    children: dict[str, list[str]] = {}
    for folder in context.emulator.fabric.folders.values():
        if folder.parent_folder_id:
            children.setdefault(folder.parent_folder_id, []).append(folder.id)
    found: set[str] = set()
    pending = list(children.get(folder_id, []))
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(children.get(current, []))
    return found


def check_item_name_free(
    context: Context, workspace: Workspace, item_type: str, name: str, *, except_id: str = ""
) -> None:
    """Refuse a ``(type, displayName)`` taken or still reserved in the workspace.

    Names compare case-insensitively. A soft-deleted item keeps its name reserved until
    ``reserved_until_s`` on the emulator clock (reference §9.3; fabric-cicd retries the
    400 for up to 300 s) [R, C].

    Raises:
        FabricError: ``ItemDisplayNameAlreadyInUse`` with the configured status (default
            400), or 400 ``ItemDisplayNameNotAvailableYet``.
    """
    store = context.emulator.fabric
    key = (item_type.lower(), name.lower())
    for item in store.items_in(workspace.id):
        if item.id != except_id and (item.type.lower(), item.display_name.lower()) == key:
            raise FabricError(
                context.config.item_name_conflict_status,
                "ItemDisplayNameAlreadyInUse",
                f"Requested '{name}' is already in use",
            )
    now = context.now
    store.deleted_items = [entry for entry in store.deleted_items if entry.reserved_until_s > now]
    for entry in store.deleted_items:
        if (
            entry.workspace_id == workspace.id
            and (entry.type.lower(), entry.display_name.lower()) == key
        ):
            raise FabricError(
                400,
                "ItemDisplayNameNotAvailableYet",
                f"Requested '{name}' is not available yet and is expected to become "
                "available in the upcoming minutes",
            )


def required_name(body: dict[str, Any], name: str = "displayName") -> str:
    """Return a required, non-blank display name, or raise 400 ``InvalidInput``."""
    value = require_string(body, name)
    if value is None or not value.strip():
        raise FabricError(400, "InvalidInput", f"The field '{name}' is required")
    return value


def apply_metadata_patch(
    context: Context, workspace: Workspace, item: Item, body: dict[str, Any]
) -> None:
    """Apply ``displayName``/``description`` of an update-item body to ``item``.

    Raises:
        FabricError: 400 ``InvalidInput``, or the name errors of :func:`check_item_name_free`.
    """
    description = require_string(
        body, "description", max_length=MAX_DESCRIPTION_LENGTH, optional=True
    )
    name = required_name(body) if "displayName" in body else None
    if name is not None and name.lower() != item.display_name.lower():
        check_item_name_free(context, workspace, item.type, name, except_id=item.id)
    if name is not None:
        item.display_name = name
    if description is not None:
        item.description = description
    item.updated_s = context.now
