"""Workspaces over HTTPS: create, list, get, update, delete, capacity, realism, state file."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from _fabric_callers import (
    Caller,
    FabricClient,
    add_app,
    add_role,
    assert_fabric_error,
    create_workspace,
    default_app,
    user_id,
)

from fabric_emulator._directory import stable_id
from fabric_emulator._fabric_store import Capacity, Folder, Item
from fabric_emulator.testing import RunningEmulator, running_emulator

DEFAULT_CAPACITY_ID = stable_id("capacity", "F64")


@pytest.fixture
def other(emulator: RunningEmulator) -> Iterator[Caller]:
    """A second app that may create workspaces but administers no capacity."""
    caller = Caller(emulator, add_app(emulator, "other-app"))
    yield caller
    caller.close()


class TestCreate:
    def test_returns_201_location_and_workspace_body(
        self, fabric: FabricClient, emulator: RunningEmulator
    ) -> None:
        response = fabric.post(
            "/v1/workspaces", json={"displayName": "Sales Dev", "description": "dev stage"}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body == {
            "id": body["id"],
            "displayName": "Sales Dev",
            "description": "dev stage",
            "type": "Workspace",
        }
        assert response.headers["Location"] == f"{emulator.base_url}/v1/workspaces/{body['id']}"
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert fabric.get(response.headers["Location"]).json()["displayName"] == "Sales Dev"

    def test_creator_becomes_admin(self, fabric: FabricClient, emulator: RunningEmulator) -> None:
        workspace = create_workspace(fabric, "Owned")
        app = default_app(emulator)
        response = fabric.get(f"/v1/workspaces/{workspace['id']}/roleAssignments/{app.object_id}")
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "Admin"
        assert response.json()["principal"]["type"] == "ServicePrincipal"

    def test_on_a_capacity_reports_its_region_and_onelake_endpoints(
        self, fabric: FabricClient
    ) -> None:
        created = create_workspace(fabric, "On F64", capacityId=DEFAULT_CAPACITY_ID)
        assert created["capacityId"] == DEFAULT_CAPACITY_ID
        assert created["capacityRegion"] == "West Europe"
        info = fabric.get(f"/v1/workspaces/{created['id']}").json()
        assert info["capacityAssignmentProgress"] == "Completed"
        assert info["oneLakeEndpoints"] == {
            "blobEndpoint": "https://westeurope-onelake.blob.fabric.microsoft.com",
            "dfsEndpoint": "https://westeurope-onelake.dfs.fabric.microsoft.com",
        }

    def test_names_are_unique_ignoring_case(
        self, fabric: FabricClient, emulator: RunningEmulator
    ) -> None:
        create_workspace(fabric, "Sales")
        response = fabric.post("/v1/workspaces", json={"displayName": "SALES"})
        assert_fabric_error(response, 409, "WorkspaceNameAlreadyExists")
        emulator.emulator.update_config({"workspace_name_conflict_status": 400})
        response = fabric.post("/v1/workspaces", json={"displayName": "sales"})
        assert_fabric_error(response, 400, "WorkspaceNameAlreadyExists")

    def test_names_are_unique_across_callers(self, fabric: FabricClient, other: Caller) -> None:
        create_workspace(other, "Hidden from fabric")
        response = fabric.post("/v1/workspaces", json={"displayName": "hidden FROM fabric"})
        assert_fabric_error(response, 409, "WorkspaceNameAlreadyExists")

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"displayName": "x" * 257}, "WorkspaceNameTooLong"),
            ({"displayName": "Admin monitoring"}, "WorkspaceNameIsReserved"),
            ({"displayName": "admin MONITORING"}, "WorkspaceNameIsReserved"),
            ({"displayName": "  "}, "InvalidInput"),
            ({"description": "no name"}, "InvalidInput"),
            ({"displayName": 7}, "InvalidInput"),
            ({"displayName": "ok", "description": "d" * 4001}, "InvalidInput"),
        ],
    )
    def test_rejects_invalid_bodies(
        self, fabric: FabricClient, body: dict[str, object], code: str
    ) -> None:
        assert_fabric_error(fabric.post("/v1/workspaces", json=body), 400, code)
        assert fabric.get("/v1/workspaces").json()["value"] == []

    def test_accepts_the_longest_name_and_description(self, fabric: FabricClient) -> None:
        created = create_workspace(fabric, "n" * 256, description="d" * 4000)
        assert len(created["displayName"]) == 256

    def test_rejects_a_body_that_is_not_an_object(self, fabric: FabricClient) -> None:
        assert_fabric_error(fabric.post("/v1/workspaces", json=["x"]), 400, "InvalidRequest")

    def test_unknown_capacity_is_not_found(self, fabric: FabricClient) -> None:
        response = fabric.post(
            "/v1/workspaces",
            json={"displayName": "x", "capacityId": "00000000-0000-0000-0000-000000000009"},
        )
        assert_fabric_error(response, 404, "CapacityNotFound")

    def test_capacity_needs_the_caller_as_admin(self, other: Caller) -> None:
        response = other.post(
            "/v1/workspaces", json={"displayName": "x", "capacityId": DEFAULT_CAPACITY_ID}
        )
        assert_fabric_error(response, 403, "InsufficientPermissionsOverCapacity")

    def test_inactive_capacity_is_refused(
        self, fabric: FabricClient, emulator: RunningEmulator
    ) -> None:
        emulator.emulator.fabric.capacities[DEFAULT_CAPACITY_ID].state = "Inactive"
        response = fabric.post(
            "/v1/workspaces", json={"displayName": "x", "capacityId": DEFAULT_CAPACITY_ID}
        )
        assert_fabric_error(response, 400, "CapacityNotInActiveState")

    def test_app_without_the_tenant_switch_cannot_create(self, emulator: RunningEmulator) -> None:
        app = add_app(emulator, "locked-app", can_create_workspaces=False)
        caller = Caller(emulator, app)
        try:
            response = caller.post("/v1/workspaces", json={"displayName": "x"})
            assert_fabric_error(response, 403, "InsufficientPrivileges")
        finally:
            caller.close()
        assert emulator.emulator.fabric.workspaces == {}

    def test_unknown_domain_is_not_found(self, fabric: FabricClient) -> None:
        response = fabric.post(
            "/v1/workspaces",
            json={"displayName": "x", "domainId": "00000000-0000-0000-0000-00000000000d"},
        )
        assert_fabric_error(response, 404, "DomainNotFound")


class TestReadAndVisibility:
    def test_each_app_sees_only_its_workspaces(self, fabric: FabricClient, other: Caller) -> None:
        mine = {create_workspace(fabric, name)["id"] for name in ("A", "B")}
        theirs = create_workspace(other, "C")["id"]
        assert {w["id"] for w in fabric.get("/v1/workspaces").json()["value"]} == mine
        assert [w["id"] for w in other.get("/v1/workspaces").json()["value"]] == [theirs]
        hidden = fabric.get(f"/v1/workspaces/{theirs}")
        body = assert_fabric_error(hidden, 404, "WorkspaceNotFound")
        assert body["relatedResource"] == {"resourceId": theirs, "resourceType": "Workspace"}

    def test_a_new_app_sees_nothing(self, emulator: RunningEmulator, fabric: FabricClient) -> None:
        create_workspace(fabric, "Private")
        stranger = Caller(emulator, add_app(emulator, "stranger"))
        try:
            response = stranger.get("/v1/workspaces")
            assert response.status_code == 200
            assert response.json() == {"value": []}
        finally:
            stranger.close()

    def test_unknown_workspace_is_not_found(self, fabric: FabricClient) -> None:
        response = fabric.get("/v1/workspaces/00000000-0000-0000-0000-000000000001")
        assert_fabric_error(response, 404, "WorkspaceNotFound")

    def test_get_without_capacity_has_no_capacity_fields(self, fabric: FabricClient) -> None:
        created = create_workspace(fabric, "Plain")
        info = fabric.get(f"/v1/workspaces/{created['id']}").json()
        assert "capacityId" not in info
        assert "capacityRegion" not in info
        assert info["description"] == ""
        assert info["oneLakeEndpoints"]["dfsEndpoint"] == "https://onelake.dfs.fabric.microsoft.com"

    def test_roles_filter(
        self, fabric: FabricClient, other: Caller, emulator: RunningEmulator
    ) -> None:
        admin_of = create_workspace(fabric, "Admin of")["id"]
        viewer_of = create_workspace(other, "Viewer of")["id"]
        response = add_role(
            other, viewer_of, default_app(emulator).object_id, "ServicePrincipal", "Viewer"
        )
        assert response.status_code == 201, response.text

        def listed(roles: str) -> set[str]:
            response = fabric.get("/v1/workspaces", params={"roles": roles})
            assert response.status_code == 200, response.text
            return {workspace["id"] for workspace in response.json()["value"]}

        assert listed("Admin") == {admin_of}
        assert listed("viewer") == {viewer_of}
        assert listed("Admin, Viewer") == {admin_of, viewer_of}
        assert listed("Member,Contributor") == set()
        assert_fabric_error(
            fabric.get("/v1/workspaces", params={"roles": "Admin,Owner"}), 400, "InvalidParameter"
        )

    def test_workspace_specific_endpoint_points_at_the_emulator(
        self, fabric: FabricClient, emulator: RunningEmulator
    ) -> None:
        created = create_workspace(fabric, "Endpoints")
        listed = fabric.get("/v1/workspaces", params={"preferWorkspaceSpecificEndpoints": "True"})
        assert listed.json()["value"][0]["apiEndpoint"] == emulator.base_url
        single = fabric.get(f"/v1/workspaces/{created['id']}").json()
        assert "apiEndpoint" not in single


class TestUpdate:
    def test_renames_and_describes(self, fabric: FabricClient) -> None:
        workspace_id = create_workspace(fabric, "Old")["id"]
        response = fabric.patch(
            f"/v1/workspaces/{workspace_id}", json={"displayName": "New", "description": "now"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["displayName"] == "New"
        assert response.json()["description"] == "now"
        assert fabric.get(f"/v1/workspaces/{workspace_id}").json()["displayName"] == "New"

    def test_may_change_only_the_case_of_its_own_name(self, fabric: FabricClient) -> None:
        workspace_id = create_workspace(fabric, "Case")["id"]
        response = fabric.patch(f"/v1/workspaces/{workspace_id}", json={"displayName": "CASE"})
        assert response.status_code == 200, response.text

    def test_same_name_rules_as_create(self, fabric: FabricClient) -> None:
        create_workspace(fabric, "Taken")
        workspace_id = create_workspace(fabric, "Mine")["id"]
        path = f"/v1/workspaces/{workspace_id}"
        assert_fabric_error(
            fabric.patch(path, json={"displayName": "taken"}), 409, "WorkspaceNameAlreadyExists"
        )
        assert_fabric_error(
            fabric.patch(path, json={"displayName": "Admin monitoring"}),
            400,
            "WorkspaceNameIsReserved",
        )
        assert_fabric_error(
            fabric.patch(path, json={"description": "d" * 4001}), 400, "InvalidInput"
        )
        assert fabric.get(path).json()["displayName"] == "Mine"

    def test_needs_admin(
        self, fabric: FabricClient, other: Caller, emulator: RunningEmulator
    ) -> None:
        workspace_id = create_workspace(other, "Theirs")["id"]
        add_role(other, workspace_id, default_app(emulator).object_id, "ServicePrincipal", "Member")
        response = fabric.patch(f"/v1/workspaces/{workspace_id}", json={"displayName": "Mine"})
        assert_fabric_error(response, 403, "InsufficientWorkspaceRole")


class TestDelete:
    def test_removes_the_workspace_with_its_items_and_folders(
        self, fabric: FabricClient, emulator: RunningEmulator
    ) -> None:
        doomed = create_workspace(fabric, "Doomed")["id"]
        kept = create_workspace(fabric, "Kept")["id"]
        store = emulator.emulator.fabric
        with emulator.emulator.lock:
            for workspace_id in (doomed, kept):
                store.items[f"item-{workspace_id}"] = Item(
                    id=f"item-{workspace_id}",
                    workspace_id=workspace_id,
                    type="Notebook",
                    display_name="nb",
                )
                store.folders[f"folder-{workspace_id}"] = Folder(
                    id=f"folder-{workspace_id}", workspace_id=workspace_id, display_name="f"
                )
        response = fabric.delete(f"/v1/workspaces/{doomed}")
        assert response.status_code == 200
        assert response.content == b""
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert_fabric_error(fabric.get(f"/v1/workspaces/{doomed}"), 404, "WorkspaceNotFound")
        assert [item.workspace_id for item in store.items.values()] == [kept]
        assert [folder.workspace_id for folder in store.folders.values()] == [kept]

    def test_frees_the_name(self, fabric: FabricClient) -> None:
        workspace_id = create_workspace(fabric, "Reuse")["id"]
        assert fabric.delete(f"/v1/workspaces/{workspace_id}").status_code == 200
        create_workspace(fabric, "Reuse")

    def test_needs_admin(
        self, fabric: FabricClient, other: Caller, emulator: RunningEmulator
    ) -> None:
        workspace_id = create_workspace(other, "Theirs")["id"]
        add_role(other, workspace_id, default_app(emulator).object_id, "ServicePrincipal", "Viewer")
        response = fabric.delete(f"/v1/workspaces/{workspace_id}")
        assert_fabric_error(response, 403, "InsufficientWorkspaceRole")
        assert workspace_id in emulator.emulator.fabric.workspaces


class TestCapacityAssignment:
    def test_assign_and_unassign_answer_202_empty_without_location(
        self, fabric: FabricClient
    ) -> None:
        workspace_id = create_workspace(fabric, "Movable")["id"]
        path = f"/v1/workspaces/{workspace_id}"
        response = fabric.post(f"{path}/assignToCapacity", json={"capacityId": DEFAULT_CAPACITY_ID})
        assert response.status_code == 202, response.text
        assert response.content == b""
        assert "Location" not in response.headers
        info = fabric.get(path).json()
        assert info["capacityId"] == DEFAULT_CAPACITY_ID
        assert info["capacityRegion"] == "West Europe"
        response = fabric.post(f"{path}/unassignFromCapacity")
        assert response.status_code == 202, response.text
        assert response.content == b""
        assert "capacityId" not in fabric.get(path).json()

    def test_assign_checks_the_capacity(
        self, fabric: FabricClient, emulator: RunningEmulator
    ) -> None:
        workspace_id = create_workspace(fabric, "Movable")["id"]
        path = f"/v1/workspaces/{workspace_id}/assignToCapacity"
        assert_fabric_error(fabric.post(path, json={}), 400, "InvalidInput")
        missing = {"capacityId": "00000000-0000-0000-0000-000000000009"}
        assert_fabric_error(fabric.post(path, json=missing), 404, "CapacityNotFound")
        foreign = Capacity(
            id="00000000-0000-0000-0000-0000000000f2",
            display_name="Someone else's",
            sku="F2",
            region="North Europe",
            admins=[user_id("alice")],
        )
        emulator.emulator.fabric.capacities[foreign.id] = foreign
        response = fabric.post(path, json={"capacityId": foreign.id})
        assert_fabric_error(response, 403, "InsufficientPermissionsOverCapacity")
        assert "capacityId" not in fabric.get(f"/v1/workspaces/{workspace_id}").json()

    def test_needs_workspace_admin(
        self, fabric: FabricClient, other: Caller, emulator: RunningEmulator
    ) -> None:
        workspace_id = create_workspace(other, "Theirs")["id"]
        add_role(other, workspace_id, default_app(emulator).object_id, "ServicePrincipal", "Member")
        path = f"/v1/workspaces/{workspace_id}"
        response = fabric.post(f"{path}/assignToCapacity", json={"capacityId": DEFAULT_CAPACITY_ID})
        assert_fabric_error(response, 403, "InsufficientWorkspaceRole")
        response = fabric.post(f"{path}/unassignFromCapacity")
        assert_fabric_error(response, 403, "InsufficientWorkspaceRole")


class TestDescriptionProfiles:
    def test_default_profile_always_sends_description(self, fabric: FabricClient) -> None:
        created = create_workspace(fabric, "Bare")
        assert created["description"] == ""
        assert fabric.get("/v1/workspaces").json()["value"][0]["description"] == ""

    def test_realism_omits_an_empty_description(
        self, fabric: FabricClient, emulator: RunningEmulator
    ) -> None:
        emulator.emulator.update_config({"profile": "realism"})
        bare = create_workspace(fabric, "Bare")
        described = create_workspace(fabric, "Described", description="has one")
        assert "description" not in bare
        assert described["description"] == "has one"
        listed = {w["displayName"]: w for w in fabric.get("/v1/workspaces").json()["value"]}
        assert "description" not in listed["Bare"]
        assert listed["Described"]["description"] == "has one"


def test_state_file_keeps_workspaces_and_roles_across_restarts(
    tmp_path: Path, emulator_state_dir: Path
) -> None:
    state_file = tmp_path / "state.json"

    def start() -> contextlib.AbstractContextManager[RunningEmulator]:
        return running_emulator(
            state_dir=emulator_state_dir, state_file=state_file, clock_scale=0.0
        )

    with start() as first:
        caller = Caller(first, default_app(first))
        workspace_id = create_workspace(caller, "Durable", description="kept")["id"]
        assert add_role(caller, workspace_id, user_id("alice"), "User", "Viewer").status_code == 201
        caller.close()
    assert state_file.exists()
    with start() as second:
        caller = Caller(second, default_app(second))
        try:
            info = caller.get(f"/v1/workspaces/{workspace_id}")
            assert info.status_code == 200, info.text
            assert info.json()["displayName"] == "Durable"
            assert info.json()["description"] == "kept"
            role = caller.get(f"/v1/workspaces/{workspace_id}/roleAssignments/{user_id('alice')}")
            assert role.status_code == 200, role.text
            assert role.json()["role"] == "Viewer"
        finally:
            caller.close()
