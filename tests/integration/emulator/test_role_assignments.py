"""Workspace role assignments over HTTPS: CRUD, principal checks, permissions, last Admin."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from _fabric_callers import (
    Caller,
    FabricClient,
    add_app,
    add_role,
    assert_fabric_error,
    create_workspace,
    default_app,
    group_id,
    user_id,
)

from fabric_emulator.testing import RunningEmulator

ALICE = user_id("alice")


@pytest.fixture
def workspace_id(fabric: FabricClient) -> str:
    """A workspace the default app administers."""
    return str(create_workspace(fabric, "Roles")["id"])


@pytest.fixture
def helper(emulator: RunningEmulator) -> Iterator[Caller]:
    """A second app, with no role anywhere until a test grants one."""
    caller = Caller(emulator, add_app(emulator, "helper-app"))
    yield caller
    caller.close()


def _path(workspace_id: str, assignment_id: str = "") -> str:
    base = f"/v1/workspaces/{workspace_id}/roleAssignments"
    return f"{base}/{assignment_id}" if assignment_id else base


class TestCrud:
    def test_add_answers_201_with_location_and_a_bare_principal(
        self, fabric: FabricClient, emulator: RunningEmulator, workspace_id: str
    ) -> None:
        response = add_role(fabric, workspace_id, ALICE, "User", "Member")
        assert response.status_code == 201, response.text
        assert response.json() == {
            "id": ALICE,
            "principal": {"id": ALICE, "type": "User"},
            "role": "Member",
        }
        assert response.headers["Location"] == emulator.base_url + _path(workspace_id, ALICE)

    def test_list_get_and_update_fill_in_principal_details(
        self, fabric: FabricClient, emulator: RunningEmulator, helper: Caller, workspace_id: str
    ) -> None:
        engineers = group_id("Data Engineers")
        for principal_id, kind, role in (
            (ALICE, "User", "Contributor"),
            (engineers, "Group", "Viewer"),
            (helper.app.object_id, "ServicePrincipal", "Member"),
        ):
            assert add_role(fabric, workspace_id, principal_id, kind, role).status_code == 201
        listed = {a["id"]: a for a in fabric.get(_path(workspace_id)).json()["value"]}
        assert listed[ALICE] == {
            "id": ALICE,
            "principal": {
                "id": ALICE,
                "displayName": "Alice Admin",
                "type": "User",
                "userDetails": {"userPrincipalName": "alice@contoso.test"},
            },
            "role": "Contributor",
        }
        assert listed[engineers]["principal"]["displayName"] == "Data Engineers"
        assert listed[engineers]["principal"]["groupDetails"] == {"groupType": "SecurityGroup"}
        assert listed[helper.app.object_id]["principal"]["servicePrincipalDetails"] == {
            "aadAppId": helper.app.client_id
        }
        owner = default_app(emulator)
        assert listed[owner.object_id]["role"] == "Admin"
        assert listed[owner.object_id]["principal"]["displayName"] == owner.display_name
        owner_details = listed[owner.object_id]["principal"]["servicePrincipalDetails"]
        assert uuid.UUID(owner_details["aadAppId"])  # the spec's format, whatever the client id

        got = fabric.get(_path(workspace_id, engineers))
        assert got.status_code == 200
        assert got.json() == listed[engineers]

        updated = fabric.patch(_path(workspace_id, ALICE), json={"role": "Viewer"})
        assert updated.status_code == 200, updated.text
        assert updated.json() == {**listed[ALICE], "role": "Viewer"}
        assert fabric.get(_path(workspace_id, ALICE)).json()["role"] == "Viewer"

    def test_delete_answers_200_empty_and_forgets_the_assignment(
        self, fabric: FabricClient, workspace_id: str
    ) -> None:
        add_role(fabric, workspace_id, ALICE, "User", "Viewer")
        response = fabric.delete(_path(workspace_id, ALICE))
        assert response.status_code == 200
        assert response.content == b""
        assert_fabric_error(fabric.get(_path(workspace_id, ALICE)), 404, "EntityNotFound")
        assert ALICE not in {a["id"] for a in fabric.get(_path(workspace_id)).json()["value"]}

    def test_values_are_matched_ignoring_case(
        self, fabric: FabricClient, workspace_id: str
    ) -> None:
        response = add_role(fabric, workspace_id, ALICE.upper(), "user", "member")
        assert response.status_code == 201, response.text
        assert response.json()["principal"] == {"id": ALICE, "type": "User"}
        assert response.json()["role"] == "Member"
        assert fabric.get(_path(workspace_id, ALICE.upper())).status_code == 200

    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_unknown_assignment_is_not_found(
        self, fabric: FabricClient, workspace_id: str, method: str
    ) -> None:
        path = _path(workspace_id, user_id("bob"))
        kwargs = {"json": {"role": "Viewer"}} if method == "PATCH" else {}
        response = {"GET": fabric.get, "PATCH": fabric.patch, "DELETE": fabric.delete}[method](
            path, **kwargs
        )
        assert_fabric_error(response, 404, "EntityNotFound")


class TestAddErrors:
    def test_unknown_principal(self, fabric: FabricClient, workspace_id: str) -> None:
        ghost = "00000000-0000-0000-0000-00000000dead"
        body = assert_fabric_error(
            add_role(fabric, workspace_id, ghost, "User", "Viewer"), 400, "PrincipalNotFound"
        )
        assert body["relatedResource"] == {"resourceId": workspace_id, "resourceType": "Workspace"}
        assert body["moreDetails"][0]["relatedResource"] == {
            "resourceId": ghost,
            "resourceType": "Principal",
        }

    def test_principal_of_another_type_is_not_found(
        self, fabric: FabricClient, workspace_id: str
    ) -> None:
        response = add_role(fabric, workspace_id, ALICE, "Group", "Viewer")
        assert_fabric_error(response, 400, "PrincipalNotFound")

    def test_unknown_principal_type(self, fabric: FabricClient, workspace_id: str) -> None:
        response = add_role(fabric, workspace_id, ALICE, "Robot", "Viewer")
        assert_fabric_error(response, 400, "InvalidPrincipalType")

    @pytest.mark.parametrize("role", ["Owner", "", "Admins"])
    def test_invalid_role(self, fabric: FabricClient, workspace_id: str, role: str) -> None:
        assert_fabric_error(
            add_role(fabric, workspace_id, ALICE, "User", role), 400, "InvalidInput"
        )
        add_role(fabric, workspace_id, ALICE, "User", "Viewer")
        response = fabric.patch(_path(workspace_id, ALICE), json={"role": role})
        assert_fabric_error(response, 400, "InvalidInput")

    def test_missing_principal(self, fabric: FabricClient, workspace_id: str) -> None:
        response = fabric.post(_path(workspace_id), json={"role": "Viewer"})
        assert_fabric_error(response, 400, "InvalidInput")

    def test_duplicate(
        self, fabric: FabricClient, emulator: RunningEmulator, workspace_id: str
    ) -> None:
        assert add_role(fabric, workspace_id, ALICE, "User", "Viewer").status_code == 201
        response = add_role(fabric, workspace_id, ALICE, "User", "Member")
        assert_fabric_error(response, 409, "PrincipalAlreadyHasWorkspaceRolePermissions")
        owner = default_app(emulator).object_id
        response = add_role(fabric, workspace_id, owner, "ServicePrincipal", "Viewer")
        assert_fabric_error(response, 409, "PrincipalAlreadyHasWorkspaceRolePermissions")
        assert fabric.get(_path(workspace_id, ALICE)).json()["role"] == "Viewer"

    def test_unknown_workspace(self, fabric: FabricClient) -> None:
        response = add_role(fabric, "00000000-0000-0000-0000-000000000001", ALICE, "User", "Viewer")
        assert_fabric_error(response, 404, "WorkspaceNotFound")


class TestLastAdmin:
    def test_the_last_admin_cannot_leave_or_step_down(
        self, fabric: FabricClient, emulator: RunningEmulator, workspace_id: str
    ) -> None:
        owner = default_app(emulator).object_id
        response = fabric.delete(_path(workspace_id, owner))
        body = assert_fabric_error(response, 400, "WorkspaceMustHaveAtLeastOneAdmin")
        assert body["relatedResource"]["resourceId"] == workspace_id
        response = fabric.patch(_path(workspace_id, owner), json={"role": "Member"})
        assert_fabric_error(response, 400, "WorkspaceMustHaveAtLeastOneAdmin")
        assert fabric.get(_path(workspace_id, owner)).json()["role"] == "Admin"

    def test_an_admin_may_step_down_when_another_remains(
        self, fabric: FabricClient, emulator: RunningEmulator, workspace_id: str
    ) -> None:
        owner = default_app(emulator).object_id
        assert add_role(fabric, workspace_id, ALICE, "User", "Admin").status_code == 201
        response = fabric.patch(_path(workspace_id, owner), json={"role": "Admin"})
        assert response.status_code == 200
        response = fabric.patch(_path(workspace_id, ALICE), json={"role": "Member"})
        assert response.status_code == 200, response.text
        response = fabric.patch(_path(workspace_id, ALICE), json={"role": "Admin"})
        assert response.status_code == 200
        assert fabric.delete(_path(workspace_id, owner)).status_code == 200
        assert_fabric_error(fabric.get(_path(workspace_id)), 404, "WorkspaceNotFound")


class TestPermissions:
    def test_a_member_may_list_and_grant_up_to_member(
        self, fabric: FabricClient, helper: Caller, workspace_id: str
    ) -> None:
        add_role(fabric, workspace_id, helper.app.object_id, "ServicePrincipal", "Member")
        assert helper.get(_path(workspace_id)).status_code == 200
        assert helper.get(_path(workspace_id, helper.app.object_id)).status_code == 200
        assert add_role(helper, workspace_id, ALICE, "User", "Member").status_code == 201
        response = add_role(helper, workspace_id, user_id("bob"), "User", "Admin")
        assert_fabric_error(response, 403, "InsufficientWorkspaceRole")
        assert_fabric_error(
            helper.patch(_path(workspace_id, ALICE), json={"role": "Viewer"}),
            403,
            "InsufficientWorkspaceRole",
        )
        assert_fabric_error(
            helper.delete(_path(workspace_id, ALICE)), 403, "InsufficientWorkspaceRole"
        )
        assert fabric.get(_path(workspace_id, ALICE)).json()["role"] == "Member"

    @pytest.mark.parametrize("role", ["Viewer", "Contributor"])
    def test_below_member_may_not_read_or_grant(
        self, fabric: FabricClient, helper: Caller, workspace_id: str, role: str
    ) -> None:
        add_role(fabric, workspace_id, helper.app.object_id, "ServicePrincipal", role)
        assert_fabric_error(helper.get(_path(workspace_id)), 403, "InsufficientWorkspaceRole")
        assert_fabric_error(
            helper.get(_path(workspace_id, helper.app.object_id)), 403, "InsufficientWorkspaceRole"
        )
        assert_fabric_error(
            add_role(helper, workspace_id, ALICE, "User", "Viewer"),
            403,
            "InsufficientWorkspaceRole",
        )

    def test_a_stranger_does_not_see_the_workspace(self, helper: Caller, workspace_id: str) -> None:
        assert_fabric_error(helper.get(_path(workspace_id)), 404, "WorkspaceNotFound")
        assert_fabric_error(
            add_role(helper, workspace_id, ALICE, "User", "Viewer"), 404, "WorkspaceNotFound"
        )
