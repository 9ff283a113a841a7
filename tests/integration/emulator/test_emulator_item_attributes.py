"""Typed properties deployers read as dynamic attributes, their provisioning, custom pools."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from items_support import create_item, create_workspace, set_config

from fabric_emulator.testing import RunningEmulator


@pytest.fixture
def workspace_id(fabric: Any) -> str:
    """A fresh workspace where the default app is Admin."""
    return create_workspace(fabric)


def _new(fabric: Any, workspace_id: str, item_type: str, name: str, **extra: Any) -> str:
    body = {"displayName": name, "type": item_type, **extra}
    return str(create_item(fabric, workspace_id, body)["id"])


def _properties(fabric: Any, workspace_id: str, collection: str, item_id: str) -> Any:
    response = fabric.get(f"/v1/workspaces/{workspace_id}/{collection}/{item_id}")
    assert response.status_code == 200, response.text
    return response.json()["properties"]


def _control_error(emulator: RunningEmulator, method: str, path: str, body: Any) -> Any:
    with pytest.raises(requests.HTTPError) as raised:
        emulator.control(method, path, body)
    return raised.value.response


def test_attribute_properties_of_each_type(fabric: Any, workspace_id: str) -> None:
    warehouse = _new(fabric, workspace_id, "Warehouse", "wh")
    database = _new(fabric, workspace_id, "SQLDatabase", "sqldb")
    mirror = _new(fabric, workspace_id, "MirroredDatabase", "mirror")
    eventhouse = _new(fabric, workspace_id, "Eventhouse", "eh")
    kql = _new(
        fabric,
        workspace_id,
        "KQLDatabase",
        "db",
        creationPayload={"databaseType": "ReadWrite", "parentEventhouseItemId": eventhouse},
    )

    assert _properties(fabric, workspace_id, "warehouses", warehouse)["connectionString"].endswith(
        ".datawarehouse.fabric.microsoft.com"
    )
    sql = _properties(fabric, workspace_id, "sqlDatabases", database)
    assert sql["serverFqdn"].endswith(".database.fabric.microsoft.com,1433")
    assert sql["databaseName"] in sql["connectionString"]
    endpoint = _properties(fabric, workspace_id, "mirroredDatabases", mirror)
    assert endpoint["sqlEndpointProperties"]["provisioningStatus"] == "Success"
    assert endpoint["sqlEndpointProperties"]["id"]
    house = _properties(fabric, workspace_id, "eventhouses", eventhouse)
    assert house["queryServiceUri"].startswith("https://")
    assert house["ingestionServiceUri"].startswith("https://ingest-")
    assert house["databasesItemIds"] == [kql]
    child = _properties(fabric, workspace_id, "kqlDatabases", kql)
    assert child["queryServiceUri"] == house["queryServiceUri"]
    assert child["parentEventhouseItemId"] == eventhouse


def test_provisioning_plan_delays_and_fails_attributes(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    plan = {
        "delays_s": {"Eventhouse": 20, "Warehouse": 10, "SQLDatabase": 10},
        "failed": [{"type": "lakehouse", "displayName": "LH_BROKEN"}],
    }
    assert emulator.control("PUT", "provisioning", plan) == {
        "delays_s": {"eventhouse": 20.0, "warehouse": 10.0, "sqldatabase": 10.0},
        "failed": [["lakehouse", "lh_broken"]],
    }
    assert emulator.control("GET", "provisioning")["failed"] == [["lakehouse", "lh_broken"]]
    broken = _new(fabric, workspace_id, "Lakehouse", "lh_broken")
    warehouse = _new(fabric, workspace_id, "Warehouse", "wh")
    database = _new(fabric, workspace_id, "SQLDatabase", "sqldb")
    eventhouse = _new(fabric, workspace_id, "Eventhouse", "eh")
    kql = _new(
        fabric,
        workspace_id,
        "KQLDatabase",
        "db",
        creationPayload={"databaseType": "ReadWrite", "parentEventhouseItemId": eventhouse},
    )

    def snapshot() -> tuple[Any, ...]:
        return (
            _properties(fabric, workspace_id, "lakehouses", broken)["sqlEndpointProperties"],
            "connectionString" in _properties(fabric, workspace_id, "warehouses", warehouse),
            sorted(_properties(fabric, workspace_id, "sqlDatabases", database)),
            "queryServiceUri" in _properties(fabric, workspace_id, "eventhouses", eventhouse),
            "queryServiceUri" in _properties(fabric, workspace_id, "kqlDatabases", kql),
        )

    failed = {"provisioningStatus": "Failed"}
    assert snapshot() == (failed, False, ["databaseName"], False, False)
    emulator.advance(10)
    assert snapshot() == (
        failed,
        True,
        ["connectionString", "databaseName", "serverFqdn"],
        False,
        False,
    )
    emulator.advance(10)
    assert snapshot()[3:] == (True, True)

    emulator.control("POST", "reset")
    assert emulator.control("GET", "provisioning") == {"delays_s": {}, "failed": []}


def test_sql_endpoint_delay_config_still_applies_without_a_plan(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, sql_endpoint_provisioning_s=30)
    mirror = _new(fabric, workspace_id, "MirroredDatabase", "mirror")
    warehouse = _new(fabric, workspace_id, "Warehouse", "wh")
    pending = _properties(fabric, workspace_id, "mirroredDatabases", mirror)
    assert pending["sqlEndpointProperties"] == {"provisioningStatus": "InProgress"}
    assert "connectionString" in _properties(fabric, workspace_id, "warehouses", warehouse)


@pytest.mark.parametrize(
    "body",
    [
        {"delays": {}},
        {"delays_s": []},
        {"delays_s": {"Eventhouse": "soon"}},
        {"failed": [{"type": "Lakehouse"}]},
    ],
)
def test_provisioning_plan_rejects_bad_bodies(emulator: RunningEmulator, body: Any) -> None:
    response = _control_error(emulator, "PUT", "provisioning", body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "InvalidRequest"


def test_spark_pools_seeded_through_the_control_api(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    url = f"/v1/workspaces/{workspace_id}/spark/pools"
    assert fabric.get(url).json() == {"value": []}
    seeded = emulator.control(
        "POST", f"workspaces/{workspace_id}/spark/pools", {"name": "pool-dev", "type": "Capacity"}
    )
    assert seeded == {
        "id": seeded["id"],
        "name": "pool-dev",
        "type": "Capacity",
        "nodeFamily": "MemoryOptimized",
        "nodeSize": "Small",
        "autoScale": {"enabled": True, "minNodeCount": 1, "maxNodeCount": 2},
        "dynamicExecutorAllocation": {"enabled": True, "minExecutors": 1, "maxExecutors": 1},
    }
    custom = {
        "id": "2367293d-b70b-4b33-97f2-161b8d04a8d7",
        "name": "pool-dev",
        "nodeSize": "Medium",
        "autoScale": {"enabled": False, "minNodeCount": 3, "maxNodeCount": 3},
    }
    workspace_pool = emulator.control("POST", f"workspaces/{workspace_id}/spark/pools", custom)
    assert (workspace_pool["type"], workspace_pool["id"]) == ("Workspace", custom["id"])
    assert fabric.get(url).json()["value"] == [seeded, workspace_pool]

    duplicate = _control_error(
        emulator, "POST", f"workspaces/{workspace_id}/spark/pools", {"name": "pool-dev"}
    )
    assert (duplicate.status_code, duplicate.json()["errorCode"]) == (409, "PoolAlreadyExists")
    for bad in ({"type": "Workspace"}, {"name": "p", "type": "Cluster"}, {"name": ""}):
        response = _control_error(emulator, "POST", f"workspaces/{workspace_id}/spark/pools", bad)
        assert response.status_code == 400
    unknown = _control_error(
        emulator, "POST", "workspaces/00000000-0000-0000-0000-000000000001/spark/pools", {}
    )
    assert unknown.status_code == 404
