"""Every FabricClient operation against the emulator: results, paging, typed errors.

Pages are two entries long here (``page_size: 2``) so every list call must follow its
continuation; the request log proves it did.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from client_support import EmulatorSyncedClock
from fabric_client_support import fabric_log, last_seq, make_client

from fabric_action.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
)
from fabric_action.fabric import Definition, DefinitionPart, FabricClient, WorkspaceRole
from fabric_emulator._fabric_store import Capacity
from fabric_emulator.testing import RunningEmulator


@pytest.fixture
def clock(emulator: RunningEmulator) -> EmulatorSyncedClock:
    return EmulatorSyncedClock(emulator.emulator.clock)


@pytest.fixture
def client(emulator: RunningEmulator, clock: EmulatorSyncedClock) -> Any:
    client = make_client(emulator, clock)
    yield client
    client.close()


@pytest.fixture
def workspace_id(client: FabricClient) -> str:
    return client.workspaces.create("client-tests", description="made by the client").id


def user_id(emulator: RunningEmulator, alias: str) -> str:
    return emulator.emulator.directory.user_by_id_or_upn(f"{alias}@contoso.test").id  # type: ignore[union-attr]


def platform(item_type: str, name: str, description: str = "") -> DefinitionPart:
    document = {"metadata": {"type": item_type, "displayName": name, "description": description}}
    return DefinitionPart.from_bytes(".platform", json.dumps(document).encode())


def notebook(text: str = "print(1)\n") -> Definition:
    return Definition(parts=(DefinitionPart.from_bytes("notebook-content.py", text.encode()),))


def page_requests(emulator: RunningEmulator, since: int, path_end: str) -> list[dict[str, Any]]:
    return [
        e
        for e in fabric_log(emulator, since)
        if e["method"] == "GET" and e["path"].endswith(path_end)
    ]


# -- paging ---------------------------------------------------------------------------------


def test_every_list_reads_all_pages_of_two(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    app_object_id = emulator.emulator.directory.apps["fabric-action-dev"].object_id
    for n in range(4):
        emulator.emulator.fabric.capacities[f"cap-{n}"] = Capacity(
            id=f"00000000-0000-0000-0000-00000000000{n}",
            display_name=f"Extra {n}",
            sku="F2",
            region="North Europe",
            admins=[app_object_id],
        )
    for n in range(4):
        client.workspaces.create(f"paged-{n}")
    for alias, role in (("alice", "Member"), ("bob", "Contributor"), ("carol", "Viewer")):
        client.role_assignments.add(
            workspace_id, principal_id=user_id(emulator, alias), principal_type="User", role=role
        )
    parent = client.folders.create(workspace_id, "parent")
    for n in range(4):
        client.folders.create(workspace_id, f"child-{n}", parent_folder_id=parent.id)
    for n in range(5):
        client.items.create(workspace_id, display_name=f"lh-{n}", item_type="Lakehouse")
    for n in range(3):
        client.items.create(
            workspace_id, display_name=f"nb-{n}", item_type="Notebook", folder_id=parent.id
        )
    emulator.emulator.update_config({"page_size": 2})
    since = last_seq(emulator)

    assert len(client.workspaces.list()) == 5
    assert len(client.capacities.list()) == 5
    assert {a.role for a in client.role_assignments.list(workspace_id)} == {
        "Admin",
        "Member",
        "Contributor",
        "Viewer",
    }
    assert len(client.folders.list(workspace_id)) == 5
    assert len(client.folders.list(workspace_id, root_folder_id=parent.id)) == 4
    assert len(client.items.list(workspace_id)) == 8
    assert len(client.items.list(workspace_id, item_type="Lakehouse")) == 5
    assert len(client.items.list(workspace_id, root_folder_id=parent.id)) == 3
    assert client.workspaces.find("PAGED-1") is not None  # on page 2: page 3 is not read

    expected_pages = {
        "/v1/workspaces": 3 + 2,  # list (5 = 3 pages) + find (stops on page 2)
        "/v1/capacities": 3,
        "/roleAssignments": 2,
        "/folders": 3 + 2,
        "/items": 4 + 3 + 2,
    }
    for path_end, pages in expected_pages.items():
        requests = page_requests(emulator, since, path_end)
        assert len(requests) == pages, path_end
        assert sum("continuationToken=" in e["query"] for e in requests) >= 1
    # Filters survive onto every page the continuation URI names.
    typed = [e for e in page_requests(emulator, since, "/items") if "type=Lakehouse" in e["query"]]
    assert len(typed) == 3


# -- workspaces, capacity, role assignments ---------------------------------------------------


def test_workspace_lifecycle_and_capacity(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    capacity = client.capacities.list()[0]
    assert client.capacities.get(capacity.id) == capacity
    assert capacity.state == "Active" and capacity.sku == "F64"
    client.workspaces.assign_to_capacity(workspace_id, capacity.id)
    workspace = client.workspaces.get(workspace_id)
    assert workspace.capacity_id == capacity.id
    assert workspace.capacity_assignment_progress == "Completed"
    assert workspace.capacity_region == "West Europe"
    client.workspaces.unassign_from_capacity(workspace_id)
    assert client.workspaces.get(workspace_id).capacity_id is None
    renamed = client.workspaces.update(workspace_id, display_name="renamed", description="d2")
    assert (renamed.display_name, renamed.description) == ("renamed", "d2")
    assert client.workspaces.delete(workspace_id) is True
    assert client.workspaces.delete(workspace_id) is False
    with pytest.raises(NotFoundError) as caught:
        client.workspaces.get(workspace_id)
    assert caught.value.error_code == "WorkspaceNotFound"
    assert caught.value.request_id == fabric_log(emulator)[-1]["request_id"]


def test_role_assignment_lifecycle(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    alice = user_id(emulator, "alice")
    added = client.role_assignments.add(
        workspace_id, principal_id=alice, principal_type="User", role=WorkspaceRole.MEMBER
    )
    assert (added.principal.id, added.role) == (alice, "Member")
    got = client.role_assignments.get(workspace_id, added.id)
    assert got.principal.user_principal_name == "alice@contoso.test"
    assert client.role_assignments.update(workspace_id, added.id, role="Viewer").role == "Viewer"
    with pytest.raises(ConflictError) as caught:
        client.role_assignments.add(
            workspace_id, principal_id=alice, principal_type="User", role="Viewer"
        )
    assert caught.value.error_code == "PrincipalAlreadyHasWorkspaceRolePermissions"
    assert client.role_assignments.delete(workspace_id, added.id) is True
    assert client.role_assignments.delete(workspace_id, added.id) is False
    with pytest.raises(NotFoundError) as missing:  # a 400 in Fabric, typed by its code
        client.role_assignments.add(
            workspace_id,
            principal_id="0b5f5b66-0000-4000-8000-000000000000",
            principal_type="User",
            role="Viewer",
        )
    assert (missing.value.status, missing.value.error_code) == (400, "PrincipalNotFound")
    assert "Principal 0b5f5b66" in str(missing.value)  # moreDetails kept in the message


# -- errors keyed by errorCode, whatever the status ---------------------------------------------


@pytest.mark.parametrize("status", [409, 400])
def test_workspace_name_taken_is_a_conflict_at_either_status(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str, status: int
) -> None:
    emulator.emulator.update_config({"workspace_name_conflict_status": status})
    with pytest.raises(ConflictError) as caught:
        client.workspaces.create("CLIENT-TESTS")
    assert (caught.value.status, caught.value.error_code) == (status, "WorkspaceNameAlreadyExists")
    assert caught.value.request_id == fabric_log(emulator)[-1]["request_id"]


@pytest.mark.parametrize("status", [400, 409])
def test_item_name_taken_is_a_conflict_at_either_status(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str, status: int
) -> None:
    emulator.emulator.update_config({"item_name_conflict_status": status})
    client.items.create(workspace_id, display_name="twice", item_type="Notebook")
    with pytest.raises(ConflictError) as caught:
        client.items.create(workspace_id, display_name="Twice", item_type="Notebook")
    assert (caught.value.status, caught.value.error_code) == (status, "ItemDisplayNameAlreadyInUse")


def test_service_errors_keep_code_status_and_request_id(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    locked = Capacity(id="locked-cap", display_name="Locked", sku="F2", region="X", admins=[])
    emulator.emulator.fabric.capacities["locked-cap"] = locked
    with pytest.raises(PermissionDeniedError) as denied:
        client.workspaces.assign_to_capacity(workspace_id, "locked-cap")
    assert (denied.value.status, denied.value.error_code) == (
        403,
        "InsufficientPermissionsOverCapacity",
    )
    folder = client.folders.create(workspace_id, "busy")
    client.items.create(
        workspace_id, display_name="inside", item_type="Notebook", folder_id=folder.id
    )
    with pytest.raises(ServiceError) as not_empty:
        client.folders.delete(workspace_id, folder.id)
    assert type(not_empty.value) is ServiceError
    assert (not_empty.value.status, not_empty.value.error_code) == (400, "FolderNotEmpty")
    assert not_empty.value.request_id == fabric_log(emulator)[-1]["request_id"]


# -- items, definitions, folders -----------------------------------------------------------------


def test_item_lifecycle_with_definitions_and_folders(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    top = client.folders.create(workspace_id, "top")
    sub = client.folders.create(workspace_id, "sub", parent_folder_id=top.id)
    assert client.folders.get(workspace_id, sub.id).parent_folder_id == top.id
    assert client.folders.update(workspace_id, sub.id, display_name="sub2").display_name == "sub2"
    assert client.folders.move(workspace_id, sub.id).parent_folder_id is None
    assert (
        client.folders.move(workspace_id, sub.id, target_folder_id=top.id).parent_folder_id
        == top.id
    )

    definition = Definition(parts=(*notebook().parts, platform("Notebook", "from-platform")))
    item = client.items.create(
        workspace_id,
        display_name="ignored",
        item_type="Notebook",
        description="nb",
        definition=definition,
        folder_id=top.id,
    )
    assert (item.display_name, item.folder_id) == ("from-platform", top.id)
    assert client.items.get(workspace_id, item.id) == item
    got = client.items.get_definition(workspace_id, item.id)
    assert {part.path for part in got.parts} == {"notebook-content.py", ".platform"}
    assert next(p for p in got.parts if p.path == "notebook-content.py").content == b"print(1)\n"

    client.items.update_definition(
        workspace_id,
        item.id,
        Definition(parts=(*notebook("print(2)\n").parts, platform("Notebook", "renamed-nb"))),
        update_metadata=True,
    )
    assert client.items.get(workspace_id, item.id).display_name == "renamed-nb"
    moved = client.items.move(workspace_id, item.id, target_folder_id=sub.id)
    assert [m.id for m in moved] == [item.id] and moved[0].folder_id == sub.id
    updated = client.items.update(workspace_id, item.id, description="new words")
    assert updated.description == "new words"

    custom = client.items.create(workspace_id, display_name="future", item_type="SomeNewType2027")
    assert custom.type == "SomeNewType2027"  # unknown types pass through
    assert client.items.delete(workspace_id, custom.id, hard=True) is True
    assert client.items.delete(workspace_id, item.id) is True
    assert client.items.delete(workspace_id, item.id) is False
    with pytest.raises(ConflictError) as reserved:
        client.items.create(workspace_id, display_name="renamed-nb", item_type="Notebook")
    assert reserved.value.error_code == "ItemDisplayNameNotAvailableYet"
    client.items.create(workspace_id, display_name="future", item_type="SomeNewType2027")
    assert client.folders.delete(workspace_id, sub.id) is True
    assert client.folders.delete(workspace_id, sub.id) is False


# -- typed endpoints -------------------------------------------------------------------------------


def test_lakehouse_sql_endpoint_provisions_over_time(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str, clock: EmulatorSyncedClock
) -> None:
    emulator.emulator.update_config({"sql_endpoint_provisioning_s": 30})
    lakehouse = client.items.create(workspace_id, display_name="lh", item_type="Lakehouse")
    pending = client.typed.get_item_attributes(workspace_id, "Lakehouse", lakehouse.id)
    assert pending.provisioning_status == "InProgress"
    assert pending.missing == {"sqlendpoint", "sqlendpointid"}
    clock.advance(30)
    ready = client.typed.get_item_attributes(workspace_id, "Lakehouse", lakehouse.id)
    assert ready.provisioning_status == "Success"
    assert ready.values["sqlendpointid"] and "datawarehouse" in ready.values["sqlendpoint"]


def test_environment_publish_runs_as_an_operation(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    emulator.emulator.update_config({"environment_publish_s": 12})
    environment = client.items.create(workspace_id, display_name="env", item_type="Environment")
    handle = client.typed.begin_publish_environment(workspace_id, environment.id)
    assert client.typed.get_publish_state(workspace_id, environment.id).running
    state = handle.result()
    assert state.state == "Success" and state.end_time is not None
    after = client.typed.get_publish_state(workspace_id, environment.id)
    assert after.state == "Success" and after.target_version == state.target_version
    assert client.typed.publish_environment(workspace_id, environment.id).state == "Success"


def test_variable_library_active_value_set(
    emulator: RunningEmulator, client: FabricClient, workspace_id: str
) -> None:
    definition = Definition(
        parts=(
            DefinitionPart.from_bytes("variables.json", b'{"variables": []}'),
            DefinitionPart.from_bytes("valueSets/Test.json", b'{"name": "Test"}'),
        )
    )
    library = client.items.create(
        workspace_id, display_name="vars", item_type="VariableLibrary", definition=definition
    )
    assert client.typed.get_variable_library(workspace_id, library.id).active_value_set_name == (
        "Default value set"
    )
    state = client.typed.set_active_value_set(workspace_id, library.id, "test")
    assert state.active_value_set_name == "Test" and state.item.id == library.id
    with pytest.raises(ServiceError) as caught:
        client.typed.set_active_value_set(workspace_id, library.id, "Prod")
    assert caught.value.error_code == "InvalidInput"
