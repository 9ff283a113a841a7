"""Connections and semantic model binding (reference §15; fabric-cicd ``_semanticmodel.py``).

- ``GET /v1/connections``: the tenant's connections, paged (any signed-in caller sees
  all of them). The tenant starts with three (``_connections_store.default_connections``);
  tests add more with ``POST /_emulator/connections`` (body: ``displayName``,
  ``connectivityType``, ``connectionDetails {type, path}``, optional ``id`` and
  ``gatewayId``; 201 with the connection) or by seeding ``fabric.connections``.
- ``GET /v1/workspaces/{ws}/items/{id}/connections``: an item's data source references,
  paged. A semantic model's come from the M expressions of its definition (see
  ``_connections_store``); other items have none. An unbound reference is
  ``{"id": null, "connectivityType": "None", "connectionDetails": {...}}``; a bound one
  carries the connection's id, display name, connectivity type and gateway, with the data
  source's own ``connectionDetails``. Contributor or higher (the spec asks for read and
  write permission on the item).
- ``POST /v1/workspaces/{ws}/semanticModels/{id}/bindConnection``: 200 with an empty
  body. ``connectionBinding.connectionDetails`` must equal one data source of the model
  (type case-insensitively, path exactly), else 400 ``BindConnectionDetailNotFound``.
  ``connectivityType: None`` (or neither it nor ``id``) unbinds that data source (the
  spec's Unbind example; ``id`` is ignored). Otherwise ``id`` must name a tenant
  connection of that connectivity type that reaches the data source, else 400
  ``InvalidRequest`` (the spec's code for an invalid bind request). A model that does
  not exist, or an item that is not a semantic model, is 404 ``ItemNotFound``. A bad
  body is 400 ``InvalidRequest``.
"""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._connections_store import (
    BINDINGS_KEY,
    CONNECTIVITY_TYPES,
    Connection,
    DataSource,
    connection_view,
    connects_to,
    data_sources,
)
from fabric_emulator._definitions import decode_payload
from fabric_emulator._fabric_common import (
    empty_ok,
    is_uuid,
    json_object,
    new_id,
    paginated,
    require_string,
    workspace_for,
)
from fabric_emulator._fabric_store import Item
from fabric_emulator._http import FabricError, Response
from fabric_emulator._items_common import find_item
from fabric_emulator._router import Router, Surface

SEMANTIC_MODEL = "SemanticModel"


def _invalid(message: str) -> FabricError:
    return FabricError(400, "InvalidRequest", message)


def model_data_sources(item: Item) -> list[DataSource]:
    """Return the data sources of a semantic model's stored definition (none for others)."""
    if item.type != SEMANTIC_MODEL:
        return []
    texts: list[tuple[str, str]] = []
    for part in item.parts:
        try:
            texts.append((part.path, decode_payload(part.payload).decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            continue
    return data_sources(texts)


def _bindings(item: Item) -> dict[str, str]:
    bindings: dict[str, str] = item.properties.setdefault(BINDINGS_KEY, {})
    return bindings


def _reference_view(context: Context, item: Item, source: DataSource) -> dict[str, Any]:
    details = {"type": source.type, "path": source.path}
    bound = item.properties.get(BINDINGS_KEY, {}).get(source.key)
    connection = context.emulator.fabric.connections.get(bound or "")
    if connection is None:
        return {"id": None, "connectivityType": "None", "connectionDetails": details}
    view: dict[str, Any] = {
        "id": connection.id,
        "displayName": connection.display_name,
        "connectivityType": connection.connectivity_type,
        "connectionDetails": details,
    }
    if connection.gateway_id:
        view["gatewayId"] = connection.gateway_id
    return view


def list_connections(context: Context) -> Response:
    """``GET /v1/connections``: every tenant connection, paged."""
    context.require_identity()
    values = [connection_view(c) for c in context.emulator.fabric.connections.values()]
    return paginated(context, values)


def list_item_connections(context: Context) -> Response:
    """``GET .../items/{id}/connections``: the item's data source references, paged."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    item = find_item(context, workspace, context.params["itemId"])
    values = [_reference_view(context, item, source) for source in model_data_sources(item)]
    return paginated(context, values)


def _semantic_model(context: Context) -> Item:
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    item_id = context.params["semanticModelId"]
    item = context.emulator.fabric.items.get(item_id.lower())
    if item is None or item.workspace_id != workspace.id or item.type != SEMANTIC_MODEL:
        raise FabricError(
            404,
            "ItemNotFound",
            "The requested semantic model was not found",
            related_resource={"resourceId": item_id, "resourceType": SEMANTIC_MODEL},
        )
    return item


def _requested_source(binding: dict[str, Any]) -> DataSource:
    details = binding.get("connectionDetails")
    if not isinstance(details, dict):
        raise _invalid("connectionBinding.connectionDetails must be an object")
    kind = details.get("type")
    path = details.get("path")
    if not isinstance(kind, str) or not kind or not isinstance(path, str) or not path:
        raise _invalid("connectionBinding.connectionDetails needs a type and a path")
    return DataSource(kind, path)


def _connection_for(context: Context, binding: dict[str, Any], source: DataSource) -> Connection:
    connection_id = binding.get("id")
    if not isinstance(connection_id, str) or not is_uuid(connection_id):
        raise _invalid("connectionBinding.id must be a connection id (GUID)")
    connection = context.emulator.fabric.connections.get(connection_id.lower())
    if connection is None:
        raise _invalid(f"The connection '{connection_id}' does not exist or is not shared")
    wanted = binding.get("connectivityType")
    if wanted != connection.connectivity_type:
        raise _invalid(
            f"The connection '{connection_id}' is {connection.connectivity_type}, not {wanted}"
        )
    if not connects_to(connection, source):
        raise _invalid(
            f"The connection '{connection_id}' does not connect to the data source "
            f"{source.type} {source.path}"
        )
    return connection


def bind_connection(context: Context) -> Response:
    """``POST .../semanticModels/{id}/bindConnection``: bind or unbind one data source."""
    item = _semantic_model(context)
    binding = json_object(context).get("connectionBinding")
    if not isinstance(binding, dict):
        raise _invalid("The field 'connectionBinding' must be an object")
    connectivity = binding.get("connectivityType")
    if connectivity is not None and connectivity not in CONNECTIVITY_TYPES:
        raise _invalid(f"'{connectivity}' is not a connectivity type")
    requested = _requested_source(binding)
    source = next(
        (
            s
            for s in model_data_sources(item)
            if s.type.casefold() == requested.type.casefold() and s.path == requested.path
        ),
        None,
    )
    if source is None:
        raise FabricError(
            400,
            "BindConnectionDetailNotFound",
            f"The semantic model has no data source {requested.type} {requested.path}",
        )
    if connectivity == "None" or (connectivity is None and binding.get("id") is None):
        _bindings(item).pop(source.key, None)
    else:
        _bindings(item)[source.key] = _connection_for(context, binding, source).id
    return empty_ok()


def add_connection(context: Context) -> Response:
    """``POST /_emulator/connections``: add a tenant connection (test setup)."""
    body = json_object(context)
    details = body.get("connectionDetails")
    if not isinstance(details, dict):
        raise _invalid("connectionDetails must be an object with type and path")
    connectivity = require_string(body, "connectivityType") or ""
    if connectivity not in CONNECTIVITY_TYPES:
        raise _invalid(f"'{connectivity}' is not a connectivity type")
    connection = Connection(
        id=(require_string(body, "id", optional=True) or new_id()).lower(),
        display_name=require_string(body, "displayName") or "",
        connectivity_type=connectivity,
        connection_type=require_string(details, "type") or "",
        path=require_string(details, "path") or "",
        gateway_id=require_string(body, "gatewayId", optional=True),
    )
    context.emulator.fabric.connections[connection.id] = connection
    return Response.json(201, connection_view(connection))


def register(router: Router) -> None:
    """Add the connection and binding routes."""
    fabric = Surface.FABRIC
    router.add("GET", "/v1/connections", list_connections, surface=fabric)
    router.add(
        "GET",
        "/v1/workspaces/{workspaceId}/items/{itemId}/connections",
        list_item_connections,
        surface=fabric,
    )
    router.add(
        "POST",
        "/v1/workspaces/{workspaceId}/semanticModels/{semanticModelId}/bindConnection",
        bind_connection,
        surface=fabric,
    )
    router.add("POST", "/_emulator/connections", add_connection, surface=Surface.CONTROL)
