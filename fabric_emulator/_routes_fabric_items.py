"""Routes of ``/v1/workspaces/{ws}/items`` (reference §9.3).

(Connections and ``.../items/{id}/connections`` are in ``_routes_fabric_connections``.)

Choices where the reference leaves room:

- Types are passed through: any word of letters and digits is accepted (the enum is
  open); a known type sent in another case is stored with the service's spelling. A
  malformed type is 400 ``InvalidItemType``, in create and in the list filter.
- Create answers 201 with the item for shells and ``creationPayload`` items, and 202 +
  LRO (result: the item) when a definition is sent and ``item_create_lro`` is on. The
  item is in the store from the first moment in both cases; an LRO that a fault rule
  makes fail leaves it there, as partial work survives a failed LRO in production (a
  retry then meets ``ItemDisplayNameAlreadyInUse``, which clients must reconcile).
- A ``.platform`` part on create overrides displayName/description and must describe
  the same type (else 400 ``InvalidPlatformFile``); it is never stored.
- PATCH with ``type`` in the body is 400 ``InvalidRequest`` (fabric-cicd strips it
  because the service refuses it [C]).
- DELETE is a soft delete for every type: the name stays reserved for
  ``name_reservation_s`` (400 ``ItemDisplayNameNotAvailableYet``). ``hardDelete=true``
  (any case) needs Admin, as the spec says, and frees the name at once.
- ``FolderNotFound`` is 404, whether the folder comes from the body or the query.
"""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._fabric_common import (
    empty_ok,
    json_object,
    new_id,
    paginated,
    require_string,
    workspace_for,
)
from fabric_emulator._fabric_store import DeletedItem, Folder, Item, Workspace
from fabric_emulator._http import FabricError, Response
from fabric_emulator._items_catalogue import canonical_type, is_valid_type_name
from fabric_emulator._items_common import (
    MAX_DESCRIPTION_LENGTH,
    apply_metadata_patch,
    check_item_name_free,
    descendant_folder_ids,
    find_item,
    folder_reference,
    item_view,
    query_folder,
    query_recursive,
    required_name,
)
from fabric_emulator._items_definition_ops import (
    get_definition,
    platform_names,
    sent_definition,
    store_definition,
    update_definition,
)
from fabric_emulator._items_typed import initialise_properties
from fabric_emulator._lro import accepted, start_operation
from fabric_emulator._router import Router, Surface

_ITEM = "/v1/workspaces/{workspaceId}/items/{itemId}"


def _item_type(value: str | None) -> str:
    if value is None or not is_valid_type_name(value):
        raise FabricError(400, "InvalidItemType", f"'{value}' is not a valid item type")
    return canonical_type(value)


def _in_scope(item: Item, root: Folder | None, recursive: bool, below: set[str]) -> bool:
    if root is None:
        return recursive or item.folder_id is None
    if item.folder_id == root.id:
        return True
    return recursive and item.folder_id in below


def list_items(context: Context) -> Response:
    """``GET .../items``: ``type`` filter, ``recursive`` (default true), ``rootFolderId``."""
    workspace = workspace_for(context, context.params["workspaceId"])
    type_filter = context.request.query_value("type")
    if type_filter is not None:
        type_filter = _item_type(type_filter).lower()
    root = query_folder(context, workspace)
    recursive = query_recursive(context)
    below = descendant_folder_ids(context, root.id) if root else set()
    values = [
        item_view(context, item)
        for item in context.emulator.fabric.items_in(workspace.id)
        if (type_filter is None or item.type.lower() == type_filter)
        and _in_scope(item, root, recursive, below)
    ]
    return paginated(context, values)


def _creation_payload(body: dict[str, Any]) -> dict[str, Any] | None:
    payload = body.get("creationPayload")
    if payload is None:
        return None
    if body.get("definition") is not None:
        raise FabricError(
            400,
            "RequestWithDefinitionAndCreationPayloadNotSupported",
            "Send either a definition or a creationPayload, not both",
        )
    if not isinstance(payload, dict):
        raise FabricError(400, "InvalidInput", "The field 'creationPayload' must be an object")
    return payload


def _new_item(context: Context, workspace: Workspace, body: dict[str, Any]) -> tuple[Item, bool]:
    """Validate a create body and build the item; say whether a definition came with it."""
    item_type = _item_type(require_string(body, "type"))
    name = required_name(body)
    description = require_string(
        body, "description", max_length=MAX_DESCRIPTION_LENGTH, optional=True
    )
    folder = folder_reference(context, workspace, body, "folderId")
    creation_payload = _creation_payload(body)
    sent = sent_definition(body, item_type)
    if sent is not None:
        name, description = platform_names(sent.platform, name, description or "")
    check_item_name_free(context, workspace, item_type, name)
    item = Item(
        id=new_id(),
        workspace_id=workspace.id,
        type=item_type,
        display_name=name,
        description=description or "",
        folder_id=folder.id if folder else None,
        creation_payload=creation_payload,
        created_s=context.now,
        updated_s=context.now,
    )
    if sent is not None:
        store_definition(context, item, sent)
    initialise_properties(item)
    return item, sent is not None


def create_item(context: Context) -> Response:
    """``POST .../items``: 201 with the item, or 202 + LRO when a definition is sent."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    item, with_definition = _new_item(context, workspace, json_object(context))
    context.emulator.fabric.items[item.id] = item
    view = item_view(context, item, created=True)
    if with_definition and context.config.item_create_lro:
        return accepted(context, start_operation(context, kind="CreateItem", result=view))
    return Response.json(201, view)


def get_item(context: Context) -> Response:
    """``GET .../items/{id}``."""
    workspace = workspace_for(context, context.params["workspaceId"])
    return Response.json(
        200, item_view(context, find_item(context, workspace, context.params["itemId"]))
    )


def update_item(context: Context) -> Response:
    """``PATCH .../items/{id}``: displayName and description only."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    item = find_item(context, workspace, context.params["itemId"])
    body = json_object(context)
    if "type" in body:
        raise FabricError(400, "InvalidRequest", "The item type cannot be updated")
    apply_metadata_patch(context, workspace, item, body)
    return Response.json(200, item_view(context, item))


def delete_item(context: Context) -> Response:
    """``DELETE .../items/{id}[?hardDelete=true]``: 200 with an empty body."""
    hard = context.request.query_flag("hardDelete")
    workspace = workspace_for(
        context, context.params["workspaceId"], min_role="Admin" if hard else "Contributor"
    )
    item = find_item(context, workspace, context.params["itemId"])
    store = context.emulator.fabric
    del store.items[item.id]
    if not hard:
        store.deleted_items.append(
            DeletedItem(
                id=item.id,
                workspace_id=item.workspace_id,
                type=item.type,
                display_name=item.display_name,
                reserved_until_s=context.now + context.config.name_reservation_s,
            )
        )
    return empty_ok()


def move_item(context: Context) -> Response:
    """``POST .../items/{id}/move``: ``targetFolderId`` absent, null or "" is the root."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    item = find_item(context, workspace, context.params["itemId"])
    target = folder_reference(
        context, workspace, json_object(context, required=False), "targetFolderId"
    )
    item.folder_id = target.id if target else None
    item.updated_s = context.now
    return Response.json(200, {"value": [item_view(context, item)]})


def bulk_move_items(context: Context) -> Response:
    """``POST .../items/bulkMove``: all items or none."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    body = json_object(context)
    ids = body.get("items")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise FabricError(400, "InvalidInput", "The field 'items' must list item ids")
    items = [find_item(context, workspace, item_id) for item_id in ids]
    target = folder_reference(context, workspace, body, "targetFolderId")
    for item in items:
        item.folder_id = target.id if target else None
        item.updated_s = context.now
    return Response.json(200, {"value": [item_view(context, item) for item in items]})


def register(router: Router) -> None:
    """Add the item routes."""
    fabric = Surface.FABRIC
    items = "/v1/workspaces/{workspaceId}/items"
    router.add("GET", items, list_items, surface=fabric)
    router.add("POST", items, create_item, surface=fabric)
    router.add("POST", f"{items}/bulkMove", bulk_move_items, surface=fabric)
    router.add("GET", _ITEM, get_item, surface=fabric)
    router.add("PATCH", _ITEM, update_item, surface=fabric)
    router.add("DELETE", _ITEM, delete_item, surface=fabric)
    router.add("POST", f"{_ITEM}/move", move_item, surface=fabric)
    router.add("POST", f"{_ITEM}/getDefinition", get_definition, surface=fabric)
    router.add("POST", f"{_ITEM}/updateDefinition", update_definition, surface=fabric)
