"""Contract cases of workspaces, workspace role assignments and capacities."""

from __future__ import annotations

from contract_deviations import WORKSPACE_WITHOUT_DESCRIPTION
from emulator_contract import Scenario, World, delete, get, patch, post, present, throttle

from fabric_emulator._directory import stable_id

WS = "/v1/workspaces/{workspace}"
NO_DESCRIPTION = (WORKSPACE_WITHOUT_DESCRIPTION,)


def create_workspace(world: World) -> None:
    """Create the scenario's workspace, "Sales Analytics", without a description."""
    world.create("workspace", "/v1/workspaces", {"displayName": "Sales Analytics"})


def _find_capacity(world: World) -> None:
    world.ids["capacity"] = world.request("GET", "/v1/capacities").json()["value"][0]["id"]


def _workspaces_setup(world: World) -> None:
    create_workspace(world)
    _find_capacity(world)


CREATE, LIST, GET, UPDATE, DELETE = (
    "Workspaces_CreateWorkspace",
    "Workspaces_ListWorkspaces",
    "Workspaces_GetWorkspace",
    "Workspaces_UpdateWorkspace",
    "Workspaces_DeleteWorkspace",
)
ASSIGN, UNASSIGN = "Workspaces_AssignToCapacity", "Workspaces_UnassignFromCapacity"
ONE_PAGE = {"page_size": 1}
WORKSPACES = Scenario(
    "workspaces",
    _workspaces_setup,
    (
        post(
            CREATE,
            "/v1/workspaces",
            "201",
            json={"displayName": "Finance"},
            save_id="finance",
            deviations=NO_DESCRIPTION,
        ),
        post(
            CREATE,
            "/v1/workspaces",
            "409 WorkspaceNameAlreadyExists",
            json={"displayName": "sales analytics"},
        ),
        post(
            CREATE,
            "/v1/workspaces",
            "401 TokenIsMissing",
            json={"displayName": "Marketing"},
            token=False,
        ),
        post(
            CREATE,
            "/v1/workspaces",
            "429 RequestBlocked",
            json={"displayName": "Marketing"},
            faults=(throttle("/v1/workspaces", "POST"),),
        ),
        get(LIST, "/v1/workspaces", "200", deviations=NO_DESCRIPTION),
        get(
            LIST,
            "/v1/workspaces",
            "200",
            config=ONE_PAGE,
            label="first of two pages",
            deviations=NO_DESCRIPTION,
            also=present("continuationToken", "continuationUri"),
        ),
        get(LIST, "/v1/workspaces", "400 InvalidParameter", params={"roles": "Owner"}),
        get(GET, WS, "200", deviations=NO_DESCRIPTION),
        get(
            GET,
            WS,
            "200",
            params={"preferWorkspaceSpecificEndpoints": "true"},
            label="workspace-specific endpoint",
            deviations=NO_DESCRIPTION,
            also=present("apiEndpoint"),
        ),
        get(GET, "/v1/workspaces/{missing}", "404 WorkspaceNotFound"),
        patch(UPDATE, WS, "200", json={"description": "Quarterly figures"}),
        patch(UPDATE, WS, "409 WorkspaceNameAlreadyExists", json={"displayName": "Finance"}),
        post(ASSIGN, f"{WS}/assignToCapacity", "202", json={"capacityId": "{capacity}"}),
        post(
            ASSIGN,
            f"{WS}/assignToCapacity",
            "404 CapacityNotFound",
            json={"capacityId": "{missing}"},
        ),
        get(
            GET,
            WS,
            "200",
            label="on a capacity",
            also=present("description", "capacityId", "capacityRegion", "oneLakeEndpoints"),
        ),
        post(UNASSIGN, f"{WS}/unassignFromCapacity", "202"),
        post(UNASSIGN, "/v1/workspaces/{missing}/unassignFromCapacity", "404 WorkspaceNotFound"),
        delete(DELETE, "/v1/workspaces/{finance}", "200"),
        delete(DELETE, "/v1/workspaces/{finance}", "404 WorkspaceNotFound"),
    ),
)


# --------------------------------------------------------------------------- role assignments


def _roles_setup(world: World) -> None:
    create_workspace(world)
    world.ids["alice"] = stable_id("user", "alice@contoso.test")
    world.ids["engineers"] = stable_id("group", "Data Engineers")
    world.ids["me"] = world.emulator.emulator.directory.apps[world.emulator.client_id].object_id
    engineers = {"principal": {"id": "{engineers}", "type": "Group"}, "role": "Viewer"}
    added = world.request("POST", f"{WS}/roleAssignments", json=engineers)
    assert added.status_code == 201, added.text


ADD, LIST_ROLES, GET_ROLE, UPDATE_ROLE, DELETE_ROLE = (
    "Workspaces_AddWorkspaceRoleAssignment",
    "Workspaces_ListWorkspaceRoleAssignments",
    "Workspaces_GetWorkspaceRoleAssignment",
    "Workspaces_UpdateWorkspaceRoleAssignment",
    "Workspaces_DeleteWorkspaceRoleAssignment",
)
ROLES = f"{WS}/roleAssignments"
ALICE = f"{ROLES}/{{alice}}"
ALICE_AS_MEMBER = {"principal": {"id": "{alice}", "type": "User"}, "role": "Member"}
NOBODY = {"principal": {"id": "{missing}", "type": "User"}, "role": "Viewer"}
ROLE_ASSIGNMENTS = Scenario(
    "role-assignments",
    _roles_setup,
    (
        post(ADD, ROLES, "201", json=ALICE_AS_MEMBER),
        post(ADD, ROLES, "409 PrincipalAlreadyHasWorkspaceRolePermissions", json=ALICE_AS_MEMBER),
        post(ADD, ROLES, "400 PrincipalNotFound", json=NOBODY),
        get(LIST_ROLES, ROLES, "200"),
        get(LIST_ROLES, "/v1/workspaces/{missing}/roleAssignments", "404 WorkspaceNotFound"),
        get(
            LIST_ROLES,
            ROLES,
            "429 RequestBlocked",
            faults=(throttle("/v1/workspaces/*/roleAssignments", "GET"),),
        ),
        get(GET_ROLE, ALICE, "200", label="User"),
        get(GET_ROLE, f"{ROLES}/{{engineers}}", "200", label="Group"),
        get(GET_ROLE, f"{ROLES}/{{me}}", "200", label="ServicePrincipal"),
        get(GET_ROLE, f"{ROLES}/{{missing}}", "404 EntityNotFound"),
        patch(UPDATE_ROLE, ALICE, "200", json={"role": "Contributor"}),
        patch(
            UPDATE_ROLE,
            f"{ROLES}/{{me}}",
            "400 WorkspaceMustHaveAtLeastOneAdmin",
            json={"role": "Viewer"},
        ),
        delete(DELETE_ROLE, ALICE, "200"),
        delete(DELETE_ROLE, ALICE, "404 EntityNotFound"),
    ),
)


# --------------------------------------------------------------------------- capacities


LIST_CAPACITIES, GET_CAPACITY = "Capacities_ListCapacities", "Capacities_GetCapacity"
CAPACITIES = Scenario(
    "capacities",
    _find_capacity,
    (
        get(LIST_CAPACITIES, "/v1/capacities", "200"),
        get(LIST_CAPACITIES, "/v1/capacities", "401 TokenIsMissing", token=False),
        get(GET_CAPACITY, "/v1/capacities/{capacity}", "200"),
        get(GET_CAPACITY, "/v1/capacities/{missing}", "404 CapacityNotFound"),
        get(
            GET_CAPACITY,
            "/v1/capacities/{capacity}",
            "429 RequestBlocked",
            faults=(throttle("/v1/capacities/*", "GET"),),
        ),
    ),
)
