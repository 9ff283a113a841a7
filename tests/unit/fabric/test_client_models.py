"""Models read tolerantly: optional fields missing, unknown values kept, any timestamp form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from fabric_action.fabric import (
    Capacity,
    Definition,
    DefinitionPart,
    EnvironmentPublishState,
    Folder,
    Item,
    Principal,
    RoleAssignment,
    VariableLibraryState,
    Workspace,
    parse_timestamp,
)
from fabric_action.fabric._models import MalformedBodyError
from fabric_action.fabric._typed_models import ItemAttributes


def test_a_workspace_without_optional_fields() -> None:
    assert Workspace.from_json({"id": "w", "displayName": "n"}) == Workspace(
        id="w", display_name="n"
    )
    full = Workspace.from_json(
        {
            "id": "w",
            "displayName": "n",
            "description": None,
            "type": "Personal",
            "capacityId": "c",
            "capacityRegion": "West Europe",
            "capacityAssignmentProgress": "InProgress",
            "domainId": "d",
            "oneLakeEndpoints": {"blobEndpoint": "x"},  # unknown fields are ignored
        }
    )
    assert (full.type, full.capacity_id, full.capacity_assignment_progress) == (
        "Personal",
        "c",
        "InProgress",
    )
    assert full.description == ""


def test_items_keep_unknown_types_and_folders_their_parent() -> None:
    item = Item.from_json({"id": "i", "type": "BrandNewType", "displayName": "x"})
    assert item.type == "BrandNewType" and item.folder_id is None and item.description == ""
    assert (
        Folder.from_json({"id": "f", "displayName": "x", "parentFolderId": "p"}).parent_folder_id
        == "p"
    )
    assert (
        Folder.from_json({"id": "f", "displayName": "x", "parentFolderId": None}).parent_folder_id
        is None
    )
    assert Capacity.from_json({"id": "c"}) == Capacity(id="c")


@pytest.mark.parametrize(
    "body",
    [None, [], "text", {"displayName": "no id"}, {"id": ""}, {"id": 7}],
)
def test_a_body_without_an_id_is_malformed(body: Any) -> None:
    with pytest.raises(MalformedBodyError):
        Item.from_json(body)


def test_role_assignments_read_principal_details_when_present() -> None:
    listed = RoleAssignment.from_json(
        {
            "id": "p",
            "principal": {
                "id": "p",
                "displayName": "Alice",
                "type": "User",
                "userDetails": {"userPrincipalName": "alice@x"},
            },
            "role": "Member",
        }
    )
    assert listed.principal.user_principal_name == "alice@x"
    created = RoleAssignment.from_json({"principal": {"id": "sp", "type": "ServicePrincipal"}})
    assert created.id == "sp" and created.role == "" and created.principal.display_name is None
    group = Principal.from_json(
        {"id": "g", "type": "Group", "groupDetails": {"groupType": "SecurityGroup"}}
    )
    app = Principal.from_json(
        {"id": "s", "type": "ServicePrincipal", "servicePrincipalDetails": {"aadAppId": "a"}}
    )
    assert (group.group_type, app.app_id) == ("SecurityGroup", "a")
    assert Principal.from_json({"id": "x", "userDetails": "odd"}).user_principal_name is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-19T10:53:46.2561218", datetime(2026, 4, 19, 10, 53, 46, 256121, tzinfo=UTC)),
        ("2026-04-19T10:53:46.2561218Z", datetime(2026, 4, 19, 10, 53, 46, 256121, tzinfo=UTC)),
        ("2026-04-19T10:53:46Z", datetime(2026, 4, 19, 10, 53, 46, tzinfo=UTC)),
        ("2026-04-19T12:53:46+02:00", datetime(2026, 4, 19, 10, 53, 46, tzinfo=UTC)),
    ],
)
def test_timestamps_with_or_without_a_zone(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize("value", [None, "", "yesterday", 1700000000])
def test_unreadable_timestamps_are_none(value: Any) -> None:
    assert parse_timestamp(value) is None


def test_definitions_round_trip_and_name_their_platform() -> None:
    platform = {"metadata": {"type": "Notebook", "displayName": "Real Name"}}
    definition = Definition(
        parts=(
            DefinitionPart.from_bytes("notebook-content.py", b"print(1)"),
            DefinitionPart.from_bytes(".platform", json.dumps(platform).encode()),
        ),
        format="ipynb",
    )
    body = definition.to_json()
    assert body["format"] == "ipynb" and body["parts"][0]["payloadType"] == "InlineBase64"
    assert Definition.from_json({"definition": body}) == definition
    assert Definition.from_json(body) == definition
    assert definition.platform_display_name() == "Real Name"
    assert definition.parts[0].content == b"print(1)"
    assert Definition(parts=()).to_json() == {"parts": []}
    assert Definition(parts=()).platform_display_name() is None
    broken = Definition(parts=(DefinitionPart(path=".platform", payload="%%%"),))
    assert broken.platform_display_name() is None
    odd = Definition(parts=(DefinitionPart.from_bytes(".platform", b'{"metadata": 3}'),))
    assert odd.platform_display_name() is None
    with pytest.raises(MalformedBodyError, match="not base64"):
        _ = broken.parts[0].content
    with pytest.raises(MalformedBodyError, match="parts"):
        Definition.from_json({"definition": {"parts": "x"}})


def test_typed_properties_are_optional() -> None:
    bare = ItemAttributes.from_json({"id": "l"}, item_type="Lakehouse")
    assert (bare.values, bare.provisioning_status) == ({}, "")
    assert bare.missing == {"sqlendpoint", "sqlendpointid"}
    ready = ItemAttributes.from_json(
        {
            "properties": {
                "sqlEndpointProperties": {
                    "provisioningStatus": "Success",
                    "id": "s",
                    "connectionString": "c",
                }
            }
        },
        item_type="Lakehouse",
    )
    assert (ready.provisioning_status, ready.values) == (
        "Success",
        {"sqlendpointid": "s", "sqlendpoint": "c"},
    )
    assert EnvironmentPublishState.from_json({"properties": {}}).state == ""
    running = EnvironmentPublishState.from_json(
        {"properties": {"publishDetails": {"state": "running", "startTime": "2026-01-01T00:00:00"}}}
    )
    assert running.running and running.start_time == datetime(2026, 1, 1, tzinfo=UTC)
    assert not EnvironmentPublishState(state="Success").running
    library = VariableLibraryState.from_json({"id": "v", "type": "VariableLibrary"})
    assert library.active_value_set_name is None and library.item.id == "v"
