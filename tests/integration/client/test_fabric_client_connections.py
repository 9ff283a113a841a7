"""client.connections against the emulator: tenant list, item data sources, bindConnection."""

from __future__ import annotations

from typing import Any

import pytest
from client_support import EmulatorSyncedClock
from fabric_client_support import fabric_log, last_seq, make_client

from fabric_action.errors import NotFoundError, ServiceError
from fabric_action.fabric import (
    Connection,
    ConnectionBinding,
    ConnectionDetails,
    ConnectivityType,
    Definition,
    DefinitionPart,
    FabricClient,
    ItemConnection,
)
from fabric_emulator._directory import stable_id
from fabric_emulator.testing import RunningEmulator

SQL_ID = stable_id("connection", "emulator-sql")
GATEWAY_ID = stable_id("connection", "emulator-sql-gateway")
LAKE_ID = stable_id("connection", "emulator-lake")
MODEL_M = """table Sales
\tpartition Sales = m
\t\tsource =
\t\t\t\tlet
\t\t\t\t    Source = Sql.Database("emulator-sql.database.windows.net", "SalesDb"),
\t\t\t\t    Lake = AzureStorage.DataLake("https://emulatorlake.dfs.core.windows.net/landing/")
\t\t\t\tin Source
"""


@pytest.fixture
def client(emulator: RunningEmulator) -> Any:
    client = make_client(emulator, EmulatorSyncedClock(emulator.emulator.clock))
    yield client
    client.close()


@pytest.fixture
def model(client: FabricClient) -> tuple[str, str]:
    workspace_id = client.workspaces.create("connections").id
    definition = Definition(
        parts=(
            DefinitionPart.from_bytes("definition.pbism", b"{}"),
            DefinitionPart.from_bytes("definition/tables/Sales.tmdl", MODEL_M.encode()),
        ),
        format="TMDL",
    )
    item = client.items.create(
        workspace_id, display_name="Sales", item_type="SemanticModel", definition=definition
    )
    return workspace_id, item.id


def _by_id(client: FabricClient) -> dict[str, Connection]:
    return {c.id: c for c in client.connections.list()}


def test_lists_every_page_of_tenant_connections(
    emulator: RunningEmulator, client: FabricClient
) -> None:
    emulator.control("PATCH", "config", {"page_size": 1})
    mark = last_seq(emulator)
    connections = _by_id(client)
    assert set(connections) == {SQL_ID, GATEWAY_ID, LAKE_ID}
    assert connections[GATEWAY_ID].gateway_id
    assert connections[SQL_ID].connectivity_type == ConnectivityType.SHAREABLE_CLOUD
    assert connections[SQL_ID].details == ConnectionDetails(
        type="SQL", path="emulator-sql.database.windows.net;SalesDb"
    )
    pages = [e for e in fabric_log(emulator, mark) if e["path"] == "/v1/connections"]
    assert len(pages) == 3


def test_binds_a_data_lake_connection_with_the_trailing_slash(
    client: FabricClient, model: tuple[str, str]
) -> None:
    workspace_id, model_id = model
    before = client.connections.list_item_connections(workspace_id, model_id)
    assert [r.bound for r in before] == [False, False]
    lake = _by_id(client)[LAKE_ID]
    assert lake.details is not None and not lake.details.path.endswith("/")
    client.connections.bind_semantic_model(
        workspace_id, model_id, ConnectionBinding.to_connection(lake)
    )
    after = client.connections.list_item_connections(workspace_id, model_id)
    assert [(r.connection_id, r.bound) for r in after] == [(None, False), (LAKE_ID, True)]
    assert after[1].display_name == "Emulator Data Lake"
    assert after[1].details.same_source(lake.details)


def test_restoring_a_prior_reference_undoes_a_bind(
    client: FabricClient, model: tuple[str, str]
) -> None:
    workspace_id, model_id = model
    connections = _by_id(client)
    bind = client.connections.bind_semantic_model
    bind(workspace_id, model_id, ConnectionBinding.to_connection(connections[SQL_ID]))
    prior = client.connections.list_item_connections(workspace_id, model_id)[0]
    bind(workspace_id, model_id, ConnectionBinding.to_connection(connections[GATEWAY_ID]))
    now = client.connections.list_item_connections(workspace_id, model_id)[0]
    assert (now.connection_id, now.gateway_id) == (GATEWAY_ID, connections[GATEWAY_ID].gateway_id)

    bind(workspace_id, model_id, ConnectionBinding.restoring(prior))
    assert client.connections.list_item_connections(workspace_id, model_id)[0] == prior
    bind(workspace_id, model_id, ConnectionBinding.unbinding(prior.details))
    unbound = client.connections.list_item_connections(workspace_id, model_id)[0]
    assert not unbound.bound
    assert ConnectionBinding.restoring(unbound) == ConnectionBinding.unbinding(unbound.details)


def test_errors_are_typed_by_error_code(client: FabricClient, model: tuple[str, str]) -> None:
    workspace_id, model_id = model
    elsewhere = Connection(
        id=SQL_ID,
        connectivity_type="ShareableCloud",
        details=ConnectionDetails(type="SQL", path="other.database.windows.net;Db"),
    )
    with pytest.raises(ServiceError) as caught:
        client.connections.bind_semantic_model(
            workspace_id, model_id, ConnectionBinding.to_connection(elsewhere)
        )
    assert caught.value.error_code == "BindConnectionDetailNotFound"
    assert caught.value.request_id
    assert "bind semantic model" in str(caught.value)
    missing = "7a4a4f39-64a4-4a4b-9f5e-9f0a3c1d2e11"
    with pytest.raises(NotFoundError):
        client.connections.list_item_connections(workspace_id, missing)
    unbind = ConnectionBinding.unbinding(ConnectionDetails(type="SQL", path="x"))
    with pytest.raises(NotFoundError, match="unbind a data source"):
        client.connections.bind_semantic_model(workspace_id, missing, unbind)


def test_models_read_tolerantly() -> None:
    reference = ItemConnection.from_json({"connectionDetails": None})
    assert (reference.connection_id, reference.connectivity_type) == (None, "None")
    assert reference.details == ConnectionDetails(type="")
    assert not reference.bound
    bare = Connection.from_json({"id": "c"})
    assert ConnectionBinding.to_connection(bare).to_json() == {
        "connectionBinding": {
            "id": "c",
            "connectivityType": "",
            "connectionDetails": {"type": "", "path": ""},
        }
    }
    lake = ConnectionDetails(type="AzureDataLakeStorage", path="https://a/b")
    assert lake.bind_path == "https://a/b/"
    assert lake.same_source(ConnectionDetails(type="azuredatalakestorage", path="https://A/b/"))
    assert ConnectionDetails(type="AzureDataLakeStorage").bind_path == ""
    assert lake.to_json() == {"type": "AzureDataLakeStorage", "path": "https://a/b"}
