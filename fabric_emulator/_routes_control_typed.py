"""Control routes that seed typed-item behaviour: custom Spark pools and provisioning.

- ``POST /_emulator/workspaces/{ws}/spark/pools``: add a custom pool to a workspace (what
  ``GET /v1/workspaces/{ws}/spark/pools`` then lists). The body is a ``CustomPool``;
  ``name`` is required, ``type`` is ``Workspace`` (default) or ``Capacity``, the rest
  default to the spec example's values (``MemoryOptimized``, ``Small``, autoscale 1-2
  nodes, dynamic allocation 1-1 executors) and ``id`` to a new UUID. A second pool of the
  same name and type is 409 ``PoolAlreadyExists``. Answers 201 with the pool.
- ``GET`` / ``PUT /_emulator/provisioning``: read or replace the provisioning plan of
  asynchronously provisioned attributes (see ``_items_typed.py``)::

      {"delays_s": {"Eventhouse": 30, "Lakehouse": 5},
       "failed": [{"type": "Lakehouse", "displayName": "lh_raw"}]}

  ``delays_s`` (item type -> emulator seconds after creation) overrides the default delay
  (``sql_endpoint_provisioning_s`` for SQL endpoints, 0 for the rest); ``failed`` items
  (type and name, case-insensitive; existing or created later) never provision, and a
  SQL endpoint among them reports ``provisioningStatus: Failed``.

Both live in ``Emulator.extensions``, so ``POST /_emulator/reset`` forgets them.
"""

from __future__ import annotations

from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._fabric_common import json_object, new_id
from fabric_emulator._http import FabricError, Response
from fabric_emulator._items_typed import PROVISIONING_KEY, SPARK_POOLS_KEY
from fabric_emulator._router import Router, Surface

_POOL_TYPES = ("Workspace", "Capacity")


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        raise FabricError(400, "InvalidRequest", f"The pool's '{name}' must be a non-empty string")
    return value


def _pool(body: dict[str, Any]) -> dict[str, Any]:
    pool_type = _text(body, "type", "Workspace")
    if pool_type not in _POOL_TYPES:
        raise FabricError(400, "InvalidRequest", f"The pool's 'type' must be one of {_POOL_TYPES}")
    return {
        "id": _text(body, "id", new_id()),
        "name": _text(body, "name"),
        "type": pool_type,
        "nodeFamily": _text(body, "nodeFamily", "MemoryOptimized"),
        "nodeSize": _text(body, "nodeSize", "Small"),
        "autoScale": body.get("autoScale", {"enabled": True, "minNodeCount": 1, "maxNodeCount": 2}),
        "dynamicExecutorAllocation": body.get(
            "dynamicExecutorAllocation", {"enabled": True, "minExecutors": 1, "maxExecutors": 1}
        ),
    }


def seed_spark_pool(context: Context) -> Response:
    """Add a custom pool to a workspace (201 with the pool as listed)."""
    workspace_id = context.params["workspaceId"].lower()
    if workspace_id not in context.emulator.fabric.workspaces:
        raise FabricError(404, "WorkspaceNotFound", f"No workspace {workspace_id}")
    pool = _pool(json_object(context))
    pools = context.emulator.extensions.setdefault(SPARK_POOLS_KEY, {}).setdefault(workspace_id, [])
    if any((p["name"], p["type"]) == (pool["name"], pool["type"]) for p in pools):
        raise FabricError(
            409, "PoolAlreadyExists", f"A {pool['type']} pool named '{pool['name']}' exists"
        )
    pools.append(pool)
    return Response.json(201, pool)


def _plan(body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - {"delays_s", "failed"}
    if unknown:
        raise FabricError(400, "InvalidRequest", f"Unknown provisioning keys {sorted(unknown)}")
    delays = body.get("delays_s", {})
    failed = body.get("failed", [])
    if not isinstance(delays, dict) or not isinstance(failed, list):
        raise FabricError(
            400, "InvalidRequest", "delays_s must be an object and failed a list of items"
        )
    try:
        plan_delays = {str(kind).lower(): float(seconds) for kind, seconds in delays.items()}
        plan_failed = [
            [str(entry["type"]).lower(), str(entry["displayName"]).lower()] for entry in failed
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise FabricError(
            400,
            "InvalidRequest",
            "delays_s maps item types to seconds; failed lists {type, displayName} objects",
        ) from exc
    return {"delays_s": plan_delays, "failed": plan_failed}


def get_provisioning(context: Context) -> Response:
    """Describe the provisioning plan (types and names in lower case)."""
    plan = context.emulator.extensions.get(PROVISIONING_KEY) or {"delays_s": {}, "failed": []}
    return Response.json(200, plan)


def set_provisioning(context: Context) -> Response:
    """Replace the provisioning plan."""
    plan = _plan(json_object(context))
    context.emulator.extensions[PROVISIONING_KEY] = plan
    return Response.json(200, plan)


def register(router: Router) -> None:
    """Add the typed-item control routes."""
    control = Surface.CONTROL
    router.add(
        "POST",
        "/_emulator/workspaces/{workspaceId}/spark/pools",
        seed_spark_pool,
        surface=control,
        mutating=False,
    )
    router.add("GET", "/_emulator/provisioning", get_provisioning, surface=control)
    router.add("PUT", "/_emulator/provisioning", set_provisioning, surface=control, mutating=False)
