"""Typed item endpoints deployers call (reference §9.1, §15; peers §3 step 5).

- ``GET /workspaces/{ws}/<collection>`` and ``.../<collection>/{id}`` for every known type
  (``lakehouses``, ``environments``, ``notebooks``, ``kqlDatabases``...; also fabric-cicd's
  naive ``type.lower() + "s"``): the item plus its type's ``properties``. A trailing slash
  is accepted (fabric-cicd lists ``environments/``). An id of another type is 404
  ``ItemNotFound``.
- ``PATCH /workspaces/{ws}/variableLibraries/{id}``: ``properties.activeValueSetName``
  must name a value set of the definition (``valueSets/<name>.json``, compared
  case-insensitively) or the default set (``Default value set``, also accepted as
  ``Default``); anything else is 400 ``InvalidInput``.
- ``POST /workspaces/{ws}/environments/{id}/staging/publish`` (any ``beta``): 202 + LRO
  whose result is the environment's properties. The publish is Running for
  ``environment_publish_s`` (plus a fault rule's ``lro_running_s``), then ``Success``, or
  ``Failed`` when a fault rule fails the LRO. A publish while one runs is 400
  ``InvalidEnvironmentPublish`` (the spec's code for this case).
- ``GET /workspaces/{ws}/spark/pools``: the workspace's custom pools (Workspace and
  Capacity), shaped as the spec's ``CustomPool``. None by default; seeded with
  ``POST /_emulator/workspaces/{ws}/spark/pools`` (``_routes_control_typed.py``).
"""

from __future__ import annotations

import functools
from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._definitions import value_set_names
from fabric_emulator._fabric_common import json_object, new_id, paginated, workspace_for
from fabric_emulator._fabric_store import Item
from fabric_emulator._faults import LroOutcome
from fabric_emulator._http import FabricError, Response
from fabric_emulator._items_catalogue import KNOWN_ITEM_TYPES, collection_names
from fabric_emulator._items_common import apply_metadata_patch, find_item
from fabric_emulator._items_typed import (
    ACTIVE_VALUE_SET_KEY,
    DEFAULT_VALUE_SET,
    DEFAULT_VALUE_SET_ALIASES,
    PUBLISH_KEY,
    SPARK_POOLS_KEY,
    publish_state,
    typed_view,
)
from fabric_emulator._lro import accepted, start_operation
from fabric_emulator._router import Router, Surface

_WORKSPACE = "/v1/workspaces/{workspaceId}"


def _typed_item(context: Context, item_type: str, *, min_role: str = "Viewer") -> Item:
    workspace = workspace_for(context, context.params["workspaceId"], min_role=min_role)
    item = find_item(context, workspace, context.params["itemId"])
    if item.type.lower() != item_type.lower():
        raise FabricError(
            404,
            "ItemNotFound",
            f"The requested {item_type} was not found",
            related_resource={"resourceId": item.id, "resourceType": item_type},
        )
    return item


def list_typed(context: Context, *, item_type: str) -> Response:
    """``GET /workspaces/{ws}/<collection>``: the workspace's items of one type."""
    workspace = workspace_for(context, context.params["workspaceId"])
    values = [
        typed_view(context, item)
        for item in context.emulator.fabric.items_in(workspace.id)
        if item.type.lower() == item_type.lower()
    ]
    return paginated(context, values)


def get_typed(context: Context, *, item_type: str) -> Response:
    """``GET /workspaces/{ws}/<collection>/{id}``: the item with its ``properties``."""
    return Response.json(200, typed_view(context, _typed_item(context, item_type)))


def _active_value_set(item: Item, requested: Any) -> str:
    if not isinstance(requested, str) or not requested.strip():
        raise FabricError(400, "InvalidInput", "activeValueSetName must be a non-empty string")
    if requested.lower() in DEFAULT_VALUE_SET_ALIASES:
        return DEFAULT_VALUE_SET
    for name in value_set_names(item.parts):
        if name.lower() == requested.lower():
            return name
    raise FabricError(
        400,
        "InvalidInput",
        f"The variable library has no value set named '{requested}'",
    )


def update_variable_library(context: Context) -> Response:
    """``PATCH .../variableLibraries/{id}``: metadata and ``properties.activeValueSetName``."""
    item = _typed_item(context, "VariableLibrary", min_role="Contributor")
    workspace = context.emulator.fabric.workspaces[item.workspace_id]
    body = json_object(context)
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise FabricError(400, "InvalidInput", "The field 'properties' must be an object")
    active = None
    if properties and ACTIVE_VALUE_SET_KEY in properties:
        active = _active_value_set(item, properties[ACTIVE_VALUE_SET_KEY])
    apply_metadata_patch(context, workspace, item, body)
    if active is not None:
        item.properties[ACTIVE_VALUE_SET_KEY] = active
    return Response.json(200, typed_view(context, item))


def publish_environment(context: Context) -> Response:
    """``POST .../environments/{id}/staging/publish``: start a publish (202 + LRO)."""
    item = _typed_item(context, "Environment", min_role="Contributor")
    if publish_state(context, item) == "Running":
        raise FabricError(
            400,
            "InvalidEnvironmentPublish",
            "Environment publish failed due to error: Code = "
            "EnvironmentAnotherOngoingPublishProcess",
        )
    succeeded = context.faults.lro_outcome is LroOutcome.SUCCEEDED
    duration_s = context.config.environment_publish_s
    started_s, done_s = context.now, context.now + duration_s + context.faults.lro_running_s
    publish: dict[str, Any] = {
        "targetVersion": new_id(),
        "startedS": started_s,
        "doneS": done_s,
        "finalState": "Success" if succeeded else "Failed",
    }
    item.properties[PUBLISH_KEY] = publish
    final_view = {
        "publishDetails": {
            "state": publish["finalState"],
            "targetVersion": publish["targetVersion"],
            "startTime": context.timestamp(started_s),
            "endTime": context.timestamp(done_s),
        }
    }
    operation = start_operation(
        context, kind="PublishEnvironment", result=final_view, duration_s=duration_s
    )
    return accepted(context, operation)


def list_spark_pools(context: Context) -> Response:
    """``GET /workspaces/{ws}/spark/pools``: seeded custom pools, none by default."""
    workspace = workspace_for(context, context.params["workspaceId"])
    seeded = context.emulator.extensions.get(SPARK_POOLS_KEY, {})
    return paginated(context, list(seeded.get(workspace.id, [])))


def register(router: Router) -> None:
    """Add the typed item routes."""
    fabric = Surface.FABRIC
    for item_type in KNOWN_ITEM_TYPES:
        for collection in collection_names(item_type):
            base = f"{_WORKSPACE}/{collection}"
            router.add(
                "GET", base, functools.partial(list_typed, item_type=item_type), surface=fabric
            )
            router.add(
                "GET",
                base + "/{itemId}",
                functools.partial(get_typed, item_type=item_type),
                surface=fabric,
            )
    router.add(
        "PATCH",
        f"{_WORKSPACE}/variableLibraries/{{itemId}}",
        update_variable_library,
        surface=fabric,
    )
    router.add(
        "POST",
        f"{_WORKSPACE}/environments/{{itemId}}/staging/publish",
        publish_environment,
        surface=fabric,
    )
    router.add("GET", f"{_WORKSPACE}/spark/pools", list_spark_pools, surface=fabric)
