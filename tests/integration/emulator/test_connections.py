"""Connections, item connections and bindConnection over HTTPS."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from items_support import (
    assert_error,
    create_item,
    create_workspace,
    grant,
    part,
    session_for,
    set_config,
)

from fabric_emulator._connections_store import (
    DEFAULT_LAKE_PATH,
    DEFAULT_SQL_PATH,
    data_sources,
)
from fabric_emulator._directory import stable_id
from fabric_emulator.testing import RunningEmulator

SQL_ID = stable_id("connection", "emulator-sql")
GATEWAY_ID = stable_id("connection", "emulator-sql-gateway")
LAKE_ID = stable_id("connection", "emulator-lake")
MISSING = "7a4a4f39-64a4-4a4b-9f5e-9f0a3c1d2e11"
SQL_DETAILS = {"type": "SQL", "path": DEFAULT_SQL_PATH}
LAKE_DETAILS = {"type": "AzureDataLakeStorage", "path": DEFAULT_LAKE_PATH + "/"}

TABLE_TMDL = """table Sales
\tpartition Sales = m
\t\tmode: import
\t\tsource =
\t\t\t\tlet
\t\t\t\t    Source = Sql.Database("emulator-sql.database.windows.net", "SalesDb"),
\t\t\t\t    Lake = AzureStorage.DataLake("https://emulatorlake.dfs.core.windows.net/landing")
\t\t\t\tin
\t\t\t\t    Source
"""


@pytest.fixture
def workspace_id(fabric: Any) -> str:
    """A fresh workspace where the default app is Admin."""
    return create_workspace(fabric)


def _model(fabric: Any, workspace_id: str, name: str = "Sales", tmdl: str = TABLE_TMDL) -> str:
    body = {
        "displayName": name,
        "type": "SemanticModel",
        "definition": {
            "format": "TMDL",
            "parts": [
                part("definition.pbism", "{}"),
                part("definition/model.tmdl", "model Model"),
                part("definition/tables/Sales.tmdl", tmdl),
            ],
        },
    }
    return str(create_item(fabric, workspace_id, body)["id"])


def _references(fabric: Any, workspace_id: str, item_id: str) -> list[dict[str, Any]]:
    response = fabric.get(f"/v1/workspaces/{workspace_id}/items/{item_id}/connections")
    assert response.status_code == 200, response.text
    values: list[dict[str, Any]] = response.json()["value"]
    return values


def _bind(fabric: Any, workspace_id: str, model_id: str, binding: dict[str, Any]) -> Any:
    return fabric.post(
        f"/v1/workspaces/{workspace_id}/semanticModels/{model_id}/bindConnection",
        json={"connectionBinding": binding},
    )


def test_tenant_connections_are_listed_with_paging(fabric: Any, emulator: RunningEmulator) -> None:
    set_config(emulator, page_size=2)
    first = fabric.get("/v1/connections").json()
    assert len(first["value"]) == 2 and "continuationUri" in first
    second = fabric.get(first["continuationUri"]).json()
    listed = {c["id"]: c for c in first["value"] + second["value"]}
    assert set(listed) == {SQL_ID, GATEWAY_ID, LAKE_ID}
    assert listed[SQL_ID]["connectivityType"] == "ShareableCloud"
    assert listed[SQL_ID]["connectionDetails"] == SQL_DETAILS
    # Fabric lists a Data Lake path without the slash the model's data source has.
    assert listed[LAKE_ID]["connectionDetails"]["path"] == DEFAULT_LAKE_PATH
    assert listed[GATEWAY_ID]["gatewayId"]


def test_control_api_adds_a_connection(fabric: Any, emulator: RunningEmulator) -> None:
    added = emulator.control(
        "POST",
        "connections",
        {
            "id": MISSING.upper(),
            "displayName": "Warehouse",
            "connectivityType": "ShareableCloud",
            "connectionDetails": {"type": "SQL", "path": "wh.fabric.microsoft.com;wh"},
        },
    )
    assert added["id"] == MISSING
    listed = {c["id"] for c in fabric.get("/v1/connections").json()["value"]}
    assert MISSING in listed
    assert MISSING in emulator.state()["fabric"]["connections"]


def test_control_api_refuses_a_bad_connection(emulator: RunningEmulator) -> None:
    for body in (
        {"displayName": "x", "connectivityType": "ShareableCloud"},
        {"displayName": "x", "connectivityType": "Wired", "connectionDetails": SQL_DETAILS},
    ):
        with pytest.raises(requests.HTTPError, match="400"):
            emulator.control("POST", "connections", body)


def test_a_model_lists_its_data_sources_unbound(fabric: Any, workspace_id: str) -> None:
    model_id = _model(fabric, workspace_id)
    assert _references(fabric, workspace_id, model_id) == [
        {"id": None, "connectivityType": "None", "connectionDetails": SQL_DETAILS},
        {"id": None, "connectivityType": "None", "connectionDetails": LAKE_DETAILS},
    ]


def test_other_items_have_no_data_sources(fabric: Any, workspace_id: str) -> None:
    notebook = create_item(fabric, workspace_id, {"displayName": "nb", "type": "Notebook"})
    assert _references(fabric, workspace_id, notebook["id"]) == []
    missing = fabric.get(f"/v1/workspaces/{workspace_id}/items/{MISSING}/connections")
    assert_error(missing, 404, "ItemNotFound")


def test_bind_then_rebind_then_unbind(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    model_id = _model(fabric, workspace_id)
    bound = _bind(
        fabric,
        workspace_id,
        model_id,
        {"id": SQL_ID, "connectivityType": "ShareableCloud", "connectionDetails": SQL_DETAILS},
    )
    assert bound.status_code == 200 and bound.content == b""
    sql, lake = _references(fabric, workspace_id, model_id)
    assert sql == {
        "id": SQL_ID,
        "displayName": "Emulator SQL",
        "connectivityType": "ShareableCloud",
        "connectionDetails": SQL_DETAILS,
    }
    assert lake["id"] is None

    rebound = _bind(
        fabric,
        workspace_id,
        model_id,
        {
            "id": GATEWAY_ID,
            "connectivityType": "OnPremisesGateway",
            "connectionDetails": SQL_DETAILS,
        },
    )
    assert rebound.status_code == 200
    sql = _references(fabric, workspace_id, model_id)[0]
    assert (sql["id"], sql["connectivityType"]) == (GATEWAY_ID, "OnPremisesGateway")
    assert sql["gatewayId"]
    stored = emulator.state()["fabric"]["items"][model_id]["properties"]["connectionBindings"]
    assert list(stored.values()) == [GATEWAY_ID]

    unbound = _bind(
        fabric,
        workspace_id,
        model_id,
        {"connectivityType": "None", "connectionDetails": SQL_DETAILS},
    )
    assert unbound.status_code == 200
    assert _references(fabric, workspace_id, model_id)[0]["id"] is None


def test_a_data_lake_path_must_carry_its_trailing_slash(fabric: Any, workspace_id: str) -> None:
    model_id = _model(fabric, workspace_id)
    as_listed = {"type": "AzureDataLakeStorage", "path": DEFAULT_LAKE_PATH}
    refused = _bind(
        fabric,
        workspace_id,
        model_id,
        {"id": LAKE_ID, "connectivityType": "ShareableCloud", "connectionDetails": as_listed},
    )
    assert_error(refused, 400, "BindConnectionDetailNotFound")
    fixed = _bind(
        fabric,
        workspace_id,
        model_id,
        {"id": LAKE_ID, "connectivityType": "ShareableCloud", "connectionDetails": LAKE_DETAILS},
    )
    assert fixed.status_code == 200, fixed.text
    assert _references(fabric, workspace_id, model_id)[1]["id"] == LAKE_ID


@pytest.mark.parametrize(
    ("binding", "code"),
    [
        (
            {"id": SQL_ID, "connectivityType": "ShareableCloud", "connectionDetails": {}},
            "InvalidRequest",
        ),
        (
            {
                "id": SQL_ID,
                "connectivityType": "ShareableCloud",
                "connectionDetails": {"type": "SQL", "path": "other;db"},
            },
            "BindConnectionDetailNotFound",
        ),
        (
            {"id": MISSING, "connectivityType": "ShareableCloud", "connectionDetails": SQL_DETAILS},
            "InvalidRequest",
        ),
        (
            {"id": "nope", "connectivityType": "ShareableCloud", "connectionDetails": SQL_DETAILS},
            "InvalidRequest",
        ),
        (
            {"id": SQL_ID, "connectivityType": "PersonalCloud", "connectionDetails": SQL_DETAILS},
            "InvalidRequest",
        ),
        (
            {"id": SQL_ID, "connectivityType": "Wired", "connectionDetails": SQL_DETAILS},
            "InvalidRequest",
        ),
        (
            {"id": LAKE_ID, "connectivityType": "ShareableCloud", "connectionDetails": SQL_DETAILS},
            "InvalidRequest",
        ),
        ({"connectionDetails": "SQL"}, "InvalidRequest"),
    ],
)
def test_bad_binds_are_refused(
    fabric: Any, workspace_id: str, binding: dict[str, Any], code: str
) -> None:
    model_id = _model(fabric, workspace_id)
    assert_error(_bind(fabric, workspace_id, model_id, binding), 400, code)
    assert all(r["id"] is None for r in _references(fabric, workspace_id, model_id))


def test_a_body_without_connection_binding_is_refused(fabric: Any, workspace_id: str) -> None:
    model_id = _model(fabric, workspace_id)
    response = fabric.post(
        f"/v1/workspaces/{workspace_id}/semanticModels/{model_id}/bindConnection",
        json={"binding": {}},
    )
    assert_error(response, 400, "InvalidRequest")


def test_bind_needs_a_semantic_model_and_contributor(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    notebook = create_item(fabric, workspace_id, {"displayName": "nb", "type": "Notebook"})
    binding = {"id": SQL_ID, "connectivityType": "ShareableCloud", "connectionDetails": SQL_DETAILS}
    for item_id in (notebook["id"], MISSING):
        assert_error(_bind(fabric, workspace_id, item_id, binding), 404, "ItemNotFound")
    model_id = _model(fabric, workspace_id)
    viewer = stable_id("user", "viewer")
    grant(emulator, workspace_id, viewer, "Viewer")
    session = session_for(emulator, viewer)
    response = session.post(
        f"{emulator.base_url}/v1/workspaces/{workspace_id}/semanticModels/{model_id}"
        "/bindConnection",
        json={"connectionBinding": binding},
        timeout=(5.0, 30.0),
    )
    session.close()
    assert_error(response, 403, "InsufficientWorkspaceRole")


def test_binding_is_forgotten_with_the_model(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    model_id = _model(fabric, workspace_id)
    binding = {"id": SQL_ID, "connectivityType": "ShareableCloud", "connectionDetails": SQL_DETAILS}
    assert _bind(fabric, workspace_id, model_id, binding).status_code == 200
    assert fabric.delete(f"/v1/workspaces/{workspace_id}/items/{model_id}").status_code == 200
    assert model_id not in emulator.state()["fabric"]["items"]
    gone = fabric.get(f"/v1/workspaces/{workspace_id}/items/{model_id}/connections")
    assert_error(gone, 404, "ItemNotFound")
    assert_error(_bind(fabric, workspace_id, model_id, binding), 404, "ItemNotFound")


def test_binding_survives_the_state_file(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    model_id = _model(fabric, workspace_id)
    binding = {"id": SQL_ID, "connectivityType": "ShareableCloud", "connectionDetails": SQL_DETAILS}
    assert _bind(fabric, workspace_id, model_id, binding).status_code == 200
    snapshot = emulator.state()
    emulator.control("POST", "reset")
    emulator.control(
        "POST", "seed", {"directory": snapshot["directory"], "fabric": snapshot["fabric"]}
    )
    assert _references(fabric, workspace_id, model_id)[0]["id"] == SQL_ID


def test_a_seed_without_connections_gets_the_defaults(
    fabric: Any, emulator: RunningEmulator
) -> None:
    fabric_state = emulator.state()["fabric"]
    del fabric_state["connections"]
    emulator.control("POST", "seed", {"fabric": fabric_state})
    assert len(fabric.get("/v1/connections").json()["value"]) == 3


def test_data_sources_of_a_model_bim() -> None:
    bim = {
        "model": {
            "tables": [
                {
                    "partitions": [
                        {
                            "source": {
                                "type": "m",
                                "expression": [
                                    "let",
                                    '  S = Sql.Database("srv", "db"),',
                                    '  L = AzureStorage.DataLake("https://a.dfs/x/")',
                                    "in S",
                                ],
                            }
                        }
                    ]
                },
                {"partitions": [{"source": {"expression": 'Sql.Databases("srv2")'}}]},
            ],
            "annotations": [{"name": "n", "value": 1}],
        }
    }
    found = data_sources([("model.bim", json.dumps(bim)), ("definition.pbism", "{}")])
    assert [(s.type, s.path) for s in found] == [
        ("SQL", "srv;db"),
        ("AzureDataLakeStorage", "https://a.dfs/x/"),
        ("SQL", "srv2"),
    ]
    assert data_sources([("model.bim", "not json")]) == []
