"""Contract cases of connections, item connections, bindConnection and typed item properties.

Specs: ``platform/swagger.json`` (Connections_ListConnections, Items_ListItemConnections),
``semanticModel/`` (Items_BindSemanticModelConnection), and the typed GETs of
``warehouse/``, ``sqlDatabase/``, ``mirroredDatabase/``, ``eventhouse/``, ``kqlDatabase/``
and ``spark/`` (CustomPools_ListWorkspaceCustomPools).
"""

from __future__ import annotations

from typing import Any

from cases_workspaces import WS, create_workspace
from contract_deviations import ATTRIBUTES_BEFORE_PROVISIONING, UNBOUND_ITEM_CONNECTION_ID_NULL
from emulator_contract import Scenario, World, equals, get, part, post, present, throttle

# --------------------------------------------------------------------------- connections

SQL_SERVER, SQL_DATABASE = "contract-sql.database.windows.net", "Orders"
SQL_DETAILS = {"type": "SQL", "path": f"{SQL_SERVER};{SQL_DATABASE}"}
LAKE_URL = "https://contractlake.dfs.core.windows.net/raw"
LAKE_DETAILS = {"type": "AzureDataLakeStorage", "path": f"{LAKE_URL}/"}
TABLE_TMDL = f"""table Orders
\tpartition Orders = m
\t\tmode: import
\t\tsource =
\t\t\t\tlet
\t\t\t\t    Source = Sql.Database("{SQL_SERVER}", "{SQL_DATABASE}"),
\t\t\t\t    Lake = AzureStorage.DataLake("{LAKE_URL}")
\t\t\t\tin
\t\t\t\t    Source
"""
ORDERS_SQL = "5b0e1d7c-2f4a-4c3e-9a61-0d8e7f6a5b41"
"""The id of the ShareableCloud SQL connection the setup seeds (``{orders_sql}``)."""


def semantic_model(name: str) -> dict[str, Any]:
    """Return the create-item body of a TMDL semantic model reading one SQL and one lake source."""
    parts = [
        part("definition.pbism", "{}"),
        part("definition/model.tmdl", "model Model"),
        part("definition/tables/Orders.tmdl", TABLE_TMDL),
    ]
    definition = {"format": "TMDL", "parts": parts}
    return {"displayName": name, "type": "SemanticModel", "definition": definition}


def _connections_setup(world: World) -> None:
    create_workspace(world)
    seeded = {
        "id": ORDERS_SQL,
        "displayName": "Orders SQL",
        "connectivityType": "ShareableCloud",
        "connectionDetails": SQL_DETAILS,
    }
    world.ids["orders_sql"] = str(world.emulator.control("POST", "connections", seeded)["id"])
    world.create("model", f"{WS}/items", semantic_model("Orders"))
    world.create("etl", f"{WS}/items", {"displayName": "ETL", "type": "Notebook"})


LIST_CONNECTIONS, LIST_ITEM_CONNECTIONS, BIND = (
    "Connections_ListConnections",
    "Items_ListItemConnections",
    "Items_BindSemanticModelConnection",
)
MODEL_CONNECTIONS = f"{WS}/items/{{model}}/connections"
BIND_MODEL = f"{WS}/semanticModels/{{model}}/bindConnection"
BIND_SQL = {
    "connectionBinding": {
        "id": "{orders_sql}",
        "connectivityType": "ShareableCloud",
        "connectionDetails": SQL_DETAILS,
    }
}
UNBIND_SQL = {"connectionBinding": {"connectivityType": "None", "connectionDetails": SQL_DETAILS}}
UNBOUND = (UNBOUND_ITEM_CONNECTION_ID_NULL,)
CONNECTIONS = Scenario(
    "connections",
    _connections_setup,
    (
        get(LIST_CONNECTIONS, "/v1/connections", "200"),
        get(LIST_CONNECTIONS, "/v1/connections", "401 TokenIsMissing", token=False),
        get(
            LIST_CONNECTIONS,
            "/v1/connections",
            "429 RequestBlocked",
            faults=(throttle("/v1/connections", "GET"),),
        ),
        get(
            LIST_ITEM_CONNECTIONS,
            MODEL_CONNECTIONS,
            "200",
            label="unbound",
            deviations=UNBOUND,
            also=equals(
                "value",
                [
                    {"id": None, "connectivityType": "None", "connectionDetails": SQL_DETAILS},
                    {"id": None, "connectivityType": "None", "connectionDetails": LAKE_DETAILS},
                ],
            ),
        ),
        get(
            LIST_ITEM_CONNECTIONS,
            f"{WS}/items/{{etl}}/connections",
            "200",
            label="a Notebook, no data sources",
            also=equals("value", []),
        ),
        get(LIST_ITEM_CONNECTIONS, f"{WS}/items/{{missing}}/connections", "404 ItemNotFound"),
        get(
            LIST_ITEM_CONNECTIONS,
            "/v1/workspaces/{missing}/items/{model}/connections",
            "404 WorkspaceNotFound",
        ),
        post(BIND, BIND_MODEL, "200", json=BIND_SQL, label="bind"),
        get(
            LIST_ITEM_CONNECTIONS,
            MODEL_CONNECTIONS,
            "200",
            label="one bound, one unbound",
            deviations=UNBOUND,
            also=equals(
                "value.0",
                {
                    "id": ORDERS_SQL,
                    "displayName": "Orders SQL",
                    "connectivityType": "ShareableCloud",
                    "connectionDetails": SQL_DETAILS,
                },
            ),
        ),
        post(BIND, BIND_MODEL, "200", json=UNBIND_SQL, label="unbind"),
        post(
            BIND,
            f"{WS}/semanticModels/{{missing}}/bindConnection",
            "404 ItemNotFound",
            json=BIND_SQL,
        ),
        post(
            BIND,
            f"{WS}/semanticModels/{{etl}}/bindConnection",
            "404 ItemNotFound",
            json=BIND_SQL,
            label="a Notebook's id",
        ),
        post(
            BIND,
            BIND_MODEL,
            "400 InvalidRequest",
            json={"binding": BIND_SQL["connectionBinding"]},
            malformed=True,
            label="no connectionBinding",
        ),
        post(
            BIND,
            BIND_MODEL,
            "400 InvalidRequest",
            json={"connectionBinding": {"connectivityType": "ShareableCloud"}},
            malformed=True,
            label="no connectionDetails",
        ),
        post(
            BIND,
            BIND_MODEL,
            "400 InvalidRequest",
            json={"connectionBinding": {**BIND_SQL["connectionBinding"], "id": "{missing}"}},
            label="unknown connection",
        ),
        post(
            BIND,
            BIND_MODEL,
            "400 BindConnectionDetailNotFound",
            json={
                "connectionBinding": {
                    **BIND_SQL["connectionBinding"],
                    "connectionDetails": {"type": "SQL", "path": "elsewhere;Orders"},
                }
            },
        ),
        post(
            BIND,
            BIND_MODEL,
            "429 RequestBlocked",
            json=BIND_SQL,
            faults=(throttle("/v1/workspaces/*/semanticModels/*/bindConnection", "POST"),),
        ),
    ),
)


# --------------------------------------------------------------------------- typed properties


PROVISIONING_S = 60.0
"""How long warehouses and eventhouses provision in this scenario (emulator seconds)."""


def _typed_properties_setup(world: World) -> None:
    create_workspace(world)
    delays = {"Warehouse": PROVISIONING_S, "Eventhouse": PROVISIONING_S}
    world.emulator.control("PUT", "provisioning", {"delays_s": delays})
    items = f"{WS}/items"
    world.create("warehouse", items, {"displayName": "Sales DW", "type": "Warehouse"})
    world.create("sqldb", items, {"displayName": "Orders", "type": "SQLDatabase"})
    world.create("mirrored", items, {"displayName": "Mirror", "type": "MirroredDatabase"})
    world.create("eventhouse", items, {"displayName": "Telemetry", "type": "Eventhouse"})
    database = {
        "displayName": "Events",
        "type": "KQLDatabase",
        "creationPayload": {"databaseType": "ReadWrite", "parentEventhouseItemId": "{eventhouse}"},
    }
    world.create("kqldb", items, database)
    world.create("orphan", items, {"displayName": "Orphan", "type": "KQLDatabase"})
    pool = {"name": "Contract pool", "type": "Workspace", "nodeSize": "Medium"}
    world.emulator.control("POST", f"workspaces/{world.ids['workspace']}/spark/pools", pool)


GET_WAREHOUSE, GET_SQL_DATABASE, GET_MIRRORED, GET_EVENTHOUSE, GET_KQL_DATABASE = (
    "Items_GetWarehouse",
    "Items_GetSQLDatabase",
    "Items_GetMirroredDatabase",
    "Items_GetEventhouse",
    "Items_GetKQLDatabase",
)
LIST_POOLS = "CustomPools_ListWorkspaceCustomPools"
PROVISIONING = "provisioning"
WHILE_PROVISIONING = (ATTRIBUTES_BEFORE_PROVISIONING,)
TYPED_PROPERTIES = Scenario(
    "typed-properties",
    _typed_properties_setup,
    (
        get(
            GET_WAREHOUSE,
            f"{WS}/warehouses/{{warehouse}}",
            "200",
            label=PROVISIONING,
            deviations=WHILE_PROVISIONING,
        ),
        get(
            GET_EVENTHOUSE,
            f"{WS}/eventhouses/{{eventhouse}}",
            "200",
            label=PROVISIONING,
            deviations=WHILE_PROVISIONING,
        ),
        get(
            GET_KQL_DATABASE,
            f"{WS}/kqlDatabases/{{kqldb}}",
            "200",
            label="its eventhouse provisioning",
            deviations=WHILE_PROVISIONING,
        ),
        get(
            GET_WAREHOUSE,
            f"{WS}/warehouses/{{warehouse}}",
            "200",
            advance_s=PROVISIONING_S,
            also=present("properties"),
        ),
        get(GET_WAREHOUSE, f"{WS}/warehouses/{{missing}}", "404 ItemNotFound"),
        get(
            GET_WAREHOUSE,
            f"{WS}/warehouses/{{sqldb}}",
            "404 ItemNotFound",
            label="a SQLDatabase's id",
        ),
        get(GET_SQL_DATABASE, f"{WS}/sqlDatabases/{{sqldb}}", "200"),
        get(GET_SQL_DATABASE, f"{WS}/sqlDatabases/{{missing}}", "404 ItemNotFound"),
        get(
            GET_MIRRORED,
            f"{WS}/mirroredDatabases/{{mirrored}}",
            "200",
            also=equals("properties.sqlEndpointProperties.provisioningStatus", "Success"),
        ),
        get(GET_MIRRORED, f"{WS}/mirroredDatabases/{{missing}}", "404 ItemNotFound"),
        get(
            GET_EVENTHOUSE,
            f"{WS}/eventhouses/{{eventhouse}}",
            "200",
            also=equals("properties.databasesItemIds", ["{kqldb}"]),
        ),
        get(GET_EVENTHOUSE, f"{WS}/eventhouses/{{missing}}", "404 ItemNotFound"),
        get(
            GET_KQL_DATABASE,
            f"{WS}/kqlDatabases/{{kqldb}}",
            "200",
            also=equals("properties.parentEventhouseItemId", "{eventhouse}"),
        ),
        get(
            GET_KQL_DATABASE,
            f"{WS}/kqlDatabases/{{orphan}}",
            "200",
            label="without a parent eventhouse",
        ),
        get(GET_KQL_DATABASE, f"{WS}/kqlDatabases/{{missing}}", "404 ItemNotFound"),
        get(
            GET_KQL_DATABASE,
            f"{WS}/kqlDatabases/{{eventhouse}}",
            "404 ItemNotFound",
            label="an Eventhouse's id",
        ),
        get(LIST_POOLS, f"{WS}/spark/pools", "200", also=equals("value.0.name", "Contract pool")),
        get(LIST_POOLS, "/v1/workspaces/{missing}/spark/pools", "404 WorkspaceNotFound"),
    ),
)
