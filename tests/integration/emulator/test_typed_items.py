"""Typed item endpoints deployers call: lakehouses, environments, variable libraries, pools."""

from __future__ import annotations

from typing import Any

import pytest
from items_support import (
    assert_error,
    create_item,
    create_workspace,
    lro_result,
    part,
    set_config,
)

from fabric_emulator.testing import RunningEmulator


@pytest.fixture
def workspace_id(fabric: Any) -> str:
    """A fresh workspace where the default app is Admin."""
    return create_workspace(fabric)


def _new(fabric: Any, workspace_id: str, item_type: str, name: str, **extra: Any) -> str:
    return str(
        create_item(fabric, workspace_id, {"displayName": name, "type": item_type, **extra})["id"]
    )


def test_lakehouse_sql_endpoint_provisions_over_emulator_time(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, sql_endpoint_provisioning_s=30)
    lakehouse = _new(
        fabric, workspace_id, "Lakehouse", "lh", creationPayload={"enableSchemas": True}
    )
    url = f"/v1/workspaces/{workspace_id}/lakehouses/{lakehouse}"

    pending = fabric.get(url).json()["properties"]
    assert pending["sqlEndpointProperties"] == {"provisioningStatus": "InProgress"}
    assert pending["oneLakeTablesPath"].endswith(f"/{workspace_id}/{lakehouse}/Tables")
    assert pending["defaultSchema"] == "dbo"

    emulator.advance(29)
    assert (
        fabric.get(url).json()["properties"]["sqlEndpointProperties"]["provisioningStatus"]
        == "InProgress"
    )
    emulator.advance(1)
    ready = fabric.get(url).json()
    endpoint = ready["properties"]["sqlEndpointProperties"]
    assert endpoint["provisioningStatus"] == "Success"
    assert endpoint["connectionString"].endswith(".datawarehouse.fabric.microsoft.com")
    assert endpoint["id"]
    assert ready["displayName"] == "lh"
    assert ready["description"] == ""


def test_typed_get_refuses_an_item_of_another_type(fabric: Any, workspace_id: str) -> None:
    notebook = _new(fabric, workspace_id, "Notebook", "nb")
    assert_error(
        fabric.get(f"/v1/workspaces/{workspace_id}/lakehouses/{notebook}"), 404, "ItemNotFound"
    )
    got = fabric.get(f"/v1/workspaces/{workspace_id}/notebooks/{notebook}")
    assert got.status_code == 200
    assert "properties" not in got.json()


def test_typed_lists_hold_only_their_type(fabric: Any, workspace_id: str) -> None:
    _new(fabric, workspace_id, "Notebook", "nb1")
    _new(fabric, workspace_id, "Notebook", "nb2")
    _new(fabric, workspace_id, "DataPipeline", "pl")
    listed = fabric.get(f"/v1/workspaces/{workspace_id}/notebooks").json()["value"]
    assert sorted(item["displayName"] for item in listed) == ["nb1", "nb2"]
    pipelines = fabric.get(f"/v1/workspaces/{workspace_id}/dataPipelines/").json()["value"]
    assert [item["displayName"] for item in pipelines] == ["pl"]


def test_attribute_endpoints_fabric_cicd_reads(fabric: Any, workspace_id: str) -> None:
    warehouse = _new(fabric, workspace_id, "Warehouse", "wh")
    eventhouse = _new(fabric, workspace_id, "Eventhouse", "eh")
    database = _new(
        fabric,
        workspace_id,
        "KQLDatabase",
        "db",
        creationPayload={"databaseType": "ReadWrite", "parentEventhouseItemId": eventhouse},
    )
    sql_database = _new(fabric, workspace_id, "SQLDatabase", "sqldb")
    ws = f"/v1/workspaces/{workspace_id}"

    # fabric-cicd builds these URLs as f"{type.lower()}s/{id}".
    assert fabric.get(f"{ws}/warehouses/{warehouse}").json()["properties"]["connectionString"]
    eventhouse_props = fabric.get(f"{ws}/eventhouses/{eventhouse}").json()["properties"]
    assert eventhouse_props["queryServiceUri"].startswith("https://trd-")
    assert eventhouse_props["databasesItemIds"] == [database]
    database_props = fabric.get(f"{ws}/kqldatabases/{database}").json()["properties"]
    assert database_props["queryServiceUri"] == eventhouse_props["queryServiceUri"]
    assert database_props["parentEventhouseItemId"] == eventhouse
    assert fabric.get(f"{ws}/sqldatabases/{sql_database}").json()["properties"]["serverFqdn"]


def test_environment_publish_runs_then_succeeds(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, environment_publish_s=120)
    environment = _new(fabric, workspace_id, "Environment", "env")
    listed = fabric.get(f"/v1/workspaces/{workspace_id}/environments/").json()["value"]
    assert listed[0]["properties"]["publishDetails"]["state"] == "Success"

    publish_url = f"/v1/workspaces/{workspace_id}/environments/{environment}/staging/publish"
    accepted = fabric.post(publish_url, params={"beta": "False"}, json="{}")
    assert accepted.status_code == 202
    assert "Location" in accepted.headers
    details = fabric.get(f"/v1/workspaces/{workspace_id}/environments/{environment}").json()
    assert details["properties"]["publishDetails"]["state"] == "Running"
    assert "endTime" not in details["properties"]["publishDetails"]
    assert fabric.get(accepted.headers["Location"]).json()["status"] == "Running"
    assert_error(
        fabric.post(publish_url, params={"beta": "False"}), 400, "InvalidEnvironmentPublish"
    )

    emulator.advance(120)
    listed = fabric.get(f"/v1/workspaces/{workspace_id}/environments").json()["value"]
    publish_details = listed[0]["properties"]["publishDetails"]
    assert publish_details["state"] == "Success"
    assert publish_details["endTime"]
    result = lro_result(fabric, accepted)
    assert result["publishDetails"]["state"] == "Success"


def test_environment_publish_fails_when_a_fault_rule_says_so(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    environment = _new(fabric, workspace_id, "Environment", "env")
    emulator.set_faults(
        [
            {
                "route": "/v1/workspaces/*/environments/*/staging/publish",
                "lro_running_s": 5,
                "lro_outcome": "Failed",
            }
        ]
    )
    url = f"/v1/workspaces/{workspace_id}/environments/{environment}"
    accepted = fabric.post(f"{url}/staging/publish?beta=False")
    assert fabric.get(url).json()["properties"]["publishDetails"]["state"] == "Running"
    emulator.advance(5)
    assert fabric.get(url).json()["properties"]["publishDetails"]["state"] == "Failed"
    assert fabric.get(accepted.headers["Location"]).json()["status"] == "Failed"


def test_variable_library_active_value_set(fabric: Any, workspace_id: str) -> None:
    definition = {
        "parts": [
            part("variables.json", {"variables": []}),
            part("settings.json", {"valueSetsOrder": ["PPE", "Prod"]}),
            part("valueSets/PPE.json", {"name": "PPE", "variableOverrides": []}),
            part("valueSets/production.json", {"name": "Prod", "variableOverrides": []}),
        ]
    }
    library = _new(fabric, workspace_id, "VariableLibrary", "vl", definition=definition)
    # fabric-cicd spells the collection with a capital V.
    url = f"/v1/workspaces/{workspace_id}/VariableLibraries/{library}"
    assert fabric.get(url).json()["properties"]["activeValueSetName"] == "Default value set"

    patched = fabric.patch(url, json={"properties": {"activeValueSetName": "prod"}})
    assert patched.status_code == 200
    assert patched.json()["properties"]["activeValueSetName"] == "Prod"
    assert fabric.get(url).json()["properties"]["activeValueSetName"] == "Prod"
    unknown = fabric.patch(url, json={"properties": {"activeValueSetName": "Test"}})
    assert_error(unknown, 400, "InvalidInput")
    assert fabric.get(url).json()["properties"]["activeValueSetName"] == "Prod"
    default = fabric.patch(url, json={"properties": {"activeValueSetName": "Default value set"}})
    assert default.json()["properties"]["activeValueSetName"] == "Default value set"
    naive = fabric.get(f"/v1/workspaces/{workspace_id}/variablelibrarys/{library}")
    assert naive.status_code == 200


def test_spark_pools_are_empty_unless_seeded(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    url = f"/v1/workspaces/{workspace_id}/spark/pools"
    assert fabric.get(url).json() == {"value": []}
    pool = {"id": "3f3f3f3f-0000-4000-8000-000000000001", "name": "MediumPool", "type": "Workspace"}
    with emulator.emulator.lock:
        emulator.emulator.extensions["spark_pools"] = {workspace_id: [pool]}
    assert fabric.get(url).json() == {"value": [pool]}
