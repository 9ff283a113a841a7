"""Typed reads of dynamic item attributes and custom Spark pools (models and calls)."""

from __future__ import annotations

import pytest
from fabric_fakes import make_client, respond, script

from fabric_action.errors import UnexpectedResponseError
from fabric_action.fabric._typed_models import ItemAttributes, SparkPool


def test_attributes_follow_fabric_cicds_mapping_per_type() -> None:
    lakehouse = ItemAttributes.from_json(
        {
            "properties": {
                "sqlEndpointProperties": {
                    "connectionString": "x.datawarehouse.fabric.microsoft.com",
                    "id": "e1",
                    "provisioningStatus": "Success",
                }
            }
        },
        item_type="Lakehouse",
    )
    assert lakehouse.values == {
        "sqlendpoint": "x.datawarehouse.fabric.microsoft.com",
        "sqlendpointid": "e1",
    }
    assert (lakehouse.missing, lakehouse.failed) == (frozenset(), False)
    pending = ItemAttributes.from_json(
        {"properties": {"sqlEndpointProperties": {"provisioningStatus": "failed"}}},
        item_type="MirroredDatabase",
    )
    assert (pending.values, pending.missing, pending.failed) == (
        {},
        frozenset({"sqlendpoint", "sqlendpointid"}),
        True,
    )
    warehouse = ItemAttributes.from_json(
        {"properties": {"connectionString": "w", "sqlEndpointProperties": "odd"}},
        item_type="warehouse",
    )
    assert (warehouse.values, warehouse.provisioning_status) == ({"sqlendpoint": "w"}, "")
    server = ItemAttributes.from_json(
        {"properties": {"serverFqdn": "s,1433"}}, item_type="SQLDatabase"
    )
    assert server.values == {"sqlendpoint": "s,1433"}
    bare = ItemAttributes.from_json({"id": "x", "properties": None}, item_type="Eventhouse")
    assert (bare.values, bare.missing) == ({}, frozenset({"queryserviceuri"}))
    assert ItemAttributes.from_json({}, item_type="Notebook").values == {}
    assert ItemAttributes.supports("KQLDATABASE", "queryserviceuri")
    assert not ItemAttributes.supports("Warehouse", "sqlendpointid")
    assert not ItemAttributes.supports("Notebook", "sqlendpoint")


def test_item_attributes_read_the_typed_collection_once() -> None:
    client, transport, _ = make_client(
        script([respond(200, {"properties": {"queryServiceUri": "https://q"}})])
    )
    found = client.typed.get_item_attributes("ws", "Eventhouse", "eh")
    assert found.values == {"queryserviceuri": "https://q"}
    assert [r.url.rsplit("/v1/", 1)[1] for r in transport.requests] == [
        "workspaces/ws/eventhouses/eh"
    ]
    # A type without attributes answers without a call.
    assert client.typed.get_item_attributes("ws", "Notebook", "nb").values == {}
    assert len(transport.requests) == 1
    assert client.typed.has_attribute("lakehouse", "sqlendpointid")


def test_spark_pools_are_listed_across_pages_and_checked() -> None:
    pool = {"id": "p1", "name": "pool", "type": "Capacity", "nodeFamily": "MemoryOptimized"}
    client, transport, _ = make_client(
        script(
            [
                respond(200, {"value": [pool], "continuationToken": "t"}),
                respond(200, {"value": [{"id": "p2", "name": "other"}]}),
            ]
        )
    )
    assert client.typed.list_spark_pools("ws") == [
        SparkPool(id="p1", name="pool", type="Capacity", node_family="MemoryOptimized"),
        SparkPool(id="p2", name="other", type=""),
    ]
    assert transport.requests[1].url.endswith("/spark/pools?continuationToken=t")
    broken, _, _ = make_client(script([respond(200, {"value": [{"name": "no id"}]})]))
    with pytest.raises(UnexpectedResponseError, match="'id' is missing"):
        broken.typed.list_spark_pools("ws")
