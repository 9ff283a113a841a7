"""Type-specific ``properties`` of the typed endpoints (``/workspaces/{ws}/lakehouses/{id}``...).

Only the properties deployers read are modelled [C fabric-cicd
``PROPERTY_PATH_ATTR_MAPPING``, ``_lakehouse.py``, ``_environment.py``,
``_variablelibrary.py``, ``_kqlqueryset.py``]; host names are derived from the ids so
they are stable across runs and look like production's.

Attributes that production provisions after the item exists (a lakehouse's or mirrored
database's SQL endpoint, a warehouse's connection string, a SQL database's server, an
eventhouse's query service URI, which its KQL databases share) follow
:func:`provisioning_status`: ``InProgress`` (attribute absent) until the type's delay has
passed since the item was created, then ``Success``; ``Failed`` for the items a test names.
SQL endpoints report the status in ``sqlEndpointProperties.provisioningStatus``; the other
types only leave the attribute out. Delays: ``sql_endpoint_provisioning_s`` (config) for
SQL endpoints, 0 for the rest, unless ``PUT /_emulator/provisioning`` says otherwise
(see ``_routes_control_typed.py``).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

from fabric_emulator._app import Context
from fabric_emulator._definitions import decode_payload
from fabric_emulator._directory import stable_id
from fabric_emulator._fabric_store import Item
from fabric_emulator._items_common import item_view

DEFAULT_VALUE_SET = "Default value set"
"""The name of a variable library's built-in value set [C fabric-cicd falls back to it]."""

DEFAULT_VALUE_SET_ALIASES = frozenset({DEFAULT_VALUE_SET.lower(), "default"})
PUBLISH_KEY = "publish"
ACTIVE_VALUE_SET_KEY = "activeValueSetName"
PROVISIONING_KEY = "provisioning"
"""Key of the provisioning plan in ``Emulator.extensions``: ``{"delays_s": {type (lower
case): seconds}, "failed": [[type, name] (lower case), ...]}`` (a reset clears it)."""
SPARK_POOLS_KEY = "spark_pools"
"""Key of the custom pools in ``Emulator.extensions``: workspace id -> list of pools."""

_SQL_ENDPOINT_TYPES = frozenset({"lakehouse", "mirroreddatabase"})


def _token(item_id: str) -> str:
    """Return a DNS-safe, lower-case token derived from a UUID (26 characters)."""
    try:
        raw = uuid.UUID(item_id).bytes
    except ValueError:
        raw = uuid.uuid5(uuid.NAMESPACE_URL, item_id).bytes
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def initialise_properties(item: Item) -> None:
    """Set the type-specific state a new item starts with."""
    if item.type == "VariableLibrary":
        item.properties.setdefault(ACTIVE_VALUE_SET_KEY, DEFAULT_VALUE_SET)
    if item.type == "Lakehouse" and (item.creation_payload or {}).get("enableSchemas") is True:
        item.properties.setdefault("defaultSchema", "dbo")


def provisioning_status(context: Context, item: Item) -> str:
    """Return ``InProgress``, ``Success`` or ``Failed`` for the item's async attributes."""
    plan = context.emulator.extensions.get(PROVISIONING_KEY) or {}
    kind = item.type.lower()
    if [kind, item.display_name.lower()] in plan.get("failed", []):
        return "Failed"
    default_s = context.config.sql_endpoint_provisioning_s if kind in _SQL_ENDPOINT_TYPES else 0.0
    delay_s = float(plan.get("delays_s", {}).get(kind, default_s))
    return "InProgress" if context.now < item.created_s + delay_s else "Success"


def _provisioned(context: Context, item: Item) -> bool:
    return provisioning_status(context, item) == "Success"


def _sql_endpoint(context: Context, item: Item) -> dict[str, Any]:
    """SQL endpoint of a lakehouse or mirrored database: InProgress, then Success [S, C]."""
    status = provisioning_status(context, item)
    if status != "Success":
        return {"provisioningStatus": status}
    return {
        "id": stable_id("sql-endpoint", item.id),
        "connectionString": (
            f"{_token(item.workspace_id)}-{_token(item.id)}.datawarehouse.fabric.microsoft.com"
        ),
        "provisioningStatus": "Success",
    }


def _lakehouse(context: Context, item: Item) -> dict[str, Any]:
    onelake = f"https://onelake.dfs.fabric.microsoft.com/{item.workspace_id}/{item.id}"
    properties: dict[str, Any] = {
        "oneLakeTablesPath": f"{onelake}/Tables",
        "oneLakeFilesPath": f"{onelake}/Files",
        "sqlEndpointProperties": _sql_endpoint(context, item),
    }
    if "defaultSchema" in item.properties:
        properties["defaultSchema"] = item.properties["defaultSchema"]
    return properties


def _mirrored_database(context: Context, item: Item) -> dict[str, Any]:
    onelake = f"https://onelake.dfs.fabric.microsoft.com/{item.workspace_id}/{item.id}"
    return {
        "oneLakeTablesPath": f"{onelake}/Tables",
        "sqlEndpointProperties": _sql_endpoint(context, item),
    }


def _warehouse(context: Context, item: Item) -> dict[str, Any]:
    connection = (
        {
            "connectionString": f"{_token(item.workspace_id)}-{_token(item.id)}"
            ".datawarehouse.fabric.microsoft.com"
        }
        if _provisioned(context, item)
        else {}
    )
    return {
        **connection,
        "createdDate": context.timestamp(item.created_s),
        "lastUpdatedTime": context.timestamp(item.updated_s or item.created_s),
        "collationType": (item.creation_payload or {}).get(
            "defaultCollation", "Latin1_General_100_BIN2_UTF8"
        ),
    }


def _sql_database(context: Context, item: Item) -> dict[str, Any]:
    server = f"{_token(item.workspace_id)}-{_token(item.id)}.database.fabric.microsoft.com"
    database = f"{item.display_name}-{item.id}"
    if not _provisioned(context, item):
        return {"databaseName": database}
    return {
        "connectionString": f"Data Source={server},1433;Initial Catalog={database}",
        "databaseName": database,
        "serverFqdn": f"{server},1433",
    }


def _kusto_uris(eventhouse_id: str) -> dict[str, str]:
    cluster = f"trd-{_token(eventhouse_id)[:22]}.z0.kusto.fabric.microsoft.com"
    return {
        "queryServiceUri": f"https://{cluster}",
        "ingestionServiceUri": f"https://ingest-{cluster}",
    }


def _eventhouse(context: Context, item: Item) -> dict[str, Any]:
    databases = [
        child.id
        for child in context.emulator.fabric.items_in(item.workspace_id)
        if child.type == "KQLDatabase" and _parent_eventhouse(child) == item.id
    ]
    uris = _kusto_uris(item.id) if _provisioned(context, item) else {}
    return {**uris, "databasesItemIds": databases, "minimumConsumptionUnits": 0}


def _parent_eventhouse(item: Item) -> str | None:
    """Read ``parentEventhouseItemId`` from the creation payload or ``DatabaseProperties.json``."""
    parent = (item.creation_payload or {}).get("parentEventhouseItemId")
    if isinstance(parent, str):
        return parent.lower()
    for part in item.parts:
        if part.path == "DatabaseProperties.json":
            try:
                document = json.loads(decode_payload(part.payload))
            except (ValueError, UnicodeDecodeError):
                return None
            value = document.get("parentEventhouseItemId") if isinstance(document, dict) else None
            return value.lower() if isinstance(value, str) else None
    return None


def _kql_database(context: Context, item: Item) -> dict[str, Any]:
    """A KQL database answers its eventhouse's URIs once the eventhouse has them.

    ``parentEventhouseItemId`` is a string in the spec (not nullable): a database created
    without a parent leaves it out rather than sending null.
    """
    parent = _parent_eventhouse(item)
    eventhouse = context.emulator.fabric.items.get(parent) if parent else None
    ready = _provisioned(context, eventhouse if eventhouse is not None else item)
    return {
        **({"parentEventhouseItemId": parent} if parent else {}),
        **(_kusto_uris(parent or item.id) if ready else {}),
        "databaseType": "ReadWrite",
    }


def publish_state(context: Context, item: Item) -> str:
    """Return an environment's publish state now: Running until it ends, then its outcome."""
    publish = item.properties.get(PUBLISH_KEY)
    if not isinstance(publish, dict):
        return "Success"
    return "Running" if context.now < publish["doneS"] else str(publish["finalState"])


def _environment(context: Context, item: Item) -> dict[str, Any]:
    state = publish_state(context, item)
    details: dict[str, Any] = {"state": state}
    publish = item.properties.get(PUBLISH_KEY)
    if isinstance(publish, dict):
        details["targetVersion"] = publish["targetVersion"]
        details["startTime"] = context.timestamp(publish["startedS"])
        if state != "Running":
            details["endTime"] = context.timestamp(publish["doneS"])
    details["componentPublishInfo"] = {
        "sparkLibraries": {"state": state},
        "sparkSettings": {"state": state},
    }
    return {"publishDetails": details}


def _variable_library(context: Context, item: Item) -> dict[str, Any]:
    return {"activeValueSetName": item.properties.get(ACTIVE_VALUE_SET_KEY, DEFAULT_VALUE_SET)}


_PROPERTIES: dict[str, Callable[[Context, Item], dict[str, Any]]] = {
    "Lakehouse": _lakehouse,
    "MirroredDatabase": _mirrored_database,
    "Warehouse": _warehouse,
    "SQLDatabase": _sql_database,
    "Eventhouse": _eventhouse,
    "KQLDatabase": _kql_database,
    "Environment": _environment,
    "VariableLibrary": _variable_library,
}


def typed_view(context: Context, item: Item) -> dict[str, Any]:
    """Render an item as its typed endpoint does: the item plus ``properties`` if it has any."""
    view = item_view(context, item)
    render = _PROPERTIES.get(item.type)
    if render is not None:
        view["properties"] = render(context, item)
    return view
