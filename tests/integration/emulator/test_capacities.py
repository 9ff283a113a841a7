"""Capacities over HTTPS: list and get, visible only to their admins."""

from __future__ import annotations

import pytest
from _fabric_callers import (
    Caller,
    FabricClient,
    add_app,
    assert_fabric_error,
    default_app,
    group_id,
    user_id,
)

from fabric_emulator._directory import stable_id
from fabric_emulator._fabric_store import Capacity
from fabric_emulator.testing import RunningEmulator

DEFAULT_CAPACITY = {
    "id": stable_id("capacity", "F64"),
    "displayName": "Emulator F64",
    "sku": "F64",
    "region": "West Europe",
    "state": "Active",
}


def _add_capacity(emulator: RunningEmulator, name: str, admins: list[str]) -> Capacity:
    capacity = Capacity(
        id=stable_id("capacity", name),
        display_name=name,
        sku="F2",
        region="North Europe",
        state="Inactive",
        admins=admins,
    )
    with emulator.emulator.lock:
        emulator.emulator.fabric.capacities[capacity.id] = capacity
    return capacity


def test_list_shows_the_default_capacity_with_every_field(fabric: FabricClient) -> None:
    response = fabric.get("/v1/capacities")
    assert response.status_code == 200, response.text
    assert response.json() == {"value": [DEFAULT_CAPACITY]}


def test_get_returns_one_capacity(fabric: FabricClient) -> None:
    response = fabric.get(f"/v1/capacities/{DEFAULT_CAPACITY['id']}")
    assert response.status_code == 200, response.text
    assert response.json() == DEFAULT_CAPACITY
    upper = fabric.get(f"/v1/capacities/{str(DEFAULT_CAPACITY['id']).upper()}")
    assert upper.json() == DEFAULT_CAPACITY


def test_unknown_capacity_is_not_found(fabric: FabricClient) -> None:
    response = fabric.get("/v1/capacities/00000000-0000-0000-0000-000000000009")
    body = assert_fabric_error(response, 404, "CapacityNotFound")
    assert body["relatedResource"]["resourceType"] == "Capacity"


def test_only_capacities_the_caller_administers_are_visible(
    fabric: FabricClient, emulator: RunningEmulator
) -> None:
    foreign = _add_capacity(emulator, "Alice's F2", [user_id("alice")])
    listed = [capacity["id"] for capacity in fabric.get("/v1/capacities").json()["value"]]
    assert listed == [DEFAULT_CAPACITY["id"]]
    assert_fabric_error(fabric.get(f"/v1/capacities/{foreign.id}"), 404, "CapacityNotFound")


def test_admin_through_a_group_counts(fabric: FabricClient, emulator: RunningEmulator) -> None:
    admins_group = group_id("Fabric Admins")
    with emulator.emulator.lock:
        emulator.emulator.directory.groups[admins_group].members.append(
            default_app(emulator).object_id
        )
    shared = _add_capacity(emulator, "Team F2", [admins_group])
    response = fabric.get(f"/v1/capacities/{shared.id}")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "Inactive"
    listed = {capacity["id"] for capacity in fabric.get("/v1/capacities").json()["value"]}
    assert listed == {DEFAULT_CAPACITY["id"], shared.id}


def test_an_app_that_administers_nothing_sees_nothing(emulator: RunningEmulator) -> None:
    stranger = Caller(emulator, add_app(emulator, "capacity-stranger"))
    try:
        assert stranger.get("/v1/capacities").json() == {"value": []}
        response = stranger.get(f"/v1/capacities/{DEFAULT_CAPACITY['id']}")
        assert_fabric_error(response, 404, "CapacityNotFound")
    finally:
        stranger.close()


@pytest.mark.parametrize("size", [1, 2, 3])
def test_list_is_paginated(fabric: FabricClient, emulator: RunningEmulator, size: int) -> None:
    owner = default_app(emulator).object_id
    expected = [str(DEFAULT_CAPACITY["id"])]
    expected += [_add_capacity(emulator, f"F2-{n}", [owner]).id for n in range(4)]
    emulator.emulator.update_config({"page_size": size})
    seen: list[str] = []
    url: str | None = "/v1/capacities"
    while url:
        page = fabric.get(url).json()
        assert len(page["value"]) <= size
        seen += [capacity["id"] for capacity in page["value"]]
        url = page.get("continuationUri")
    assert seen == expected
