"""``getDefinition`` and ``updateDefinition`` of ``/workspaces/{ws}/items/{id}`` (§9.3, §9.4).

Both answer like production: 202 + LRO (``getDefinition``'s result is
``{"definition": ...}``; ``updateDefinition``'s operation has no result, so ``/result``
is 400 ``OperationHasNoResult``). With ``item_create_lro`` turned off the emulator runs in
the "instant" mode of reference §5.4 and answers inline instead: 200 with the definition,
200 with an empty body. The update is applied when the request arrives; a fault that
makes its LRO fail leaves the change in place, as a failed LRO can in production.
"""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._definitions import (
    PlatformMetadata,
    SentDefinition,
    StoredDefinition,
    parse_definition,
    returned_definition,
)
from fabric_emulator._fabric_common import empty_ok, json_object, workspace_for
from fabric_emulator._fabric_store import Item, Workspace
from fabric_emulator._http import FabricError, Response
from fabric_emulator._items_catalogue import TYPES_WITHOUT_DEFINITION
from fabric_emulator._items_common import MAX_DESCRIPTION_LENGTH, check_item_name_free, find_item
from fabric_emulator._lro import accepted, start_operation


def require_definition_support(item_type: str) -> None:
    """Refuse definitions for types that have none, with 400 ``OperationNotSupportedForItem``."""
    if item_type in TYPES_WITHOUT_DEFINITION:
        raise FabricError(
            400,
            "OperationNotSupportedForItem",
            f"Item definitions are not supported for item type {item_type}",
        )


def sent_definition(body: dict[str, Any], item_type: str) -> SentDefinition | None:
    """Parse the optional ``definition`` of a request body, checking its ``.platform`` type."""
    raw = body.get("definition")
    if raw is None:
        return None
    require_definition_support(item_type)
    sent = parse_definition(raw)
    platform_type = sent.platform.type if sent.platform else None
    if platform_type and platform_type.lower() != item_type.lower():
        raise FabricError(
            400,
            "InvalidPlatformFile",
            f"The .platform file describes a {platform_type}, not a {item_type}",
        )
    return sent


def platform_names(
    platform: PlatformMetadata | None, display_name: str, description: str
) -> tuple[str, str]:
    """Return displayName and description with the ``.platform`` values applied.

    Raises:
        FabricError: 400 ``InvalidInput`` for a blank name or an over-long description.
    """
    if platform is None:
        return display_name, description
    name = display_name if platform.display_name is None else platform.display_name
    text = description if platform.description is None else platform.description
    if not name.strip():
        raise FabricError(400, "InvalidInput", "The .platform displayName must not be empty")
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise FabricError(
            400,
            "InvalidInput",
            f"The .platform description exceeds {MAX_DESCRIPTION_LENGTH} characters",
        )
    return name, text


def store_definition(context: Context, item: Item, sent: SentDefinition) -> None:
    """Replace the item's parts and format, recording who sent them and when."""
    item.parts = list(sent.parts)
    item.definition_format = sent.format
    item.definition_updated_by = context.require_identity().object_id
    item.definition_updated_s = context.now
    item.updated_s = context.now


def _item_for_definition(context: Context) -> tuple[Workspace, Item]:
    # Reading a definition needs read *and* write permission on the item [S].
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    item = find_item(context, workspace, context.params["itemId"])
    require_definition_support(item.type)
    return workspace, item


def get_definition(context: Context) -> Response:
    """``POST .../items/{id}/getDefinition``: the definition as the service returns it.

    ``format`` is accepted; the stored parts are returned whatever it asks for, because
    the emulator does not convert between formats (e.g. Notebook ``ipynb`` ↔ ``py``).
    The body is ignored (fabric-cicd sends the JSON string ``"{}"``).
    """
    _, item = _item_for_definition(context)
    stored = StoredDefinition(
        item_type=item.type,
        display_name=item.display_name,
        description=item.description,
        format=item.definition_format,
        parts=item.parts,
        modified_by=item.definition_updated_by or context.require_identity().object_id,
        modified_s=item.definition_updated_s or item.created_s,
    )
    result = {"definition": returned_definition(stored, realism=context.config.realism)}
    if not context.config.item_create_lro:
        return Response.json(200, result)
    operation = start_operation(context, kind="GetItemDefinition", result=result)
    return accepted(context, operation)


def update_definition(context: Context) -> Response:
    """``POST .../items/{id}/updateDefinition[?updateMetadata=true]``: replace the definition.

    ``updateMetadata`` (any case, fabric-cicd sends ``True``) applies the ``.platform``
    displayName and description; without it ``.platform`` is ignored [D].
    """
    workspace, item = _item_for_definition(context)
    body = json_object(context)
    if body.get("definition") is None:
        raise FabricError(400, "MissingDefinition", "The request has no definition")
    sent = sent_definition(body, item.type)
    assert sent is not None
    if context.request.query_flag("updateMetadata"):
        name, description = platform_names(sent.platform, item.display_name, item.description)
        if name.lower() != item.display_name.lower():
            check_item_name_free(context, workspace, item.type, name, except_id=item.id)
        item.display_name, item.description = name, description
    store_definition(context, item, sent)
    if not context.config.item_create_lro:
        return empty_ok()
    operation = start_operation(context, kind="UpdateItemDefinition", has_result=False)
    return accepted(context, operation)
