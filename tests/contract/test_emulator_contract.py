"""Contract tests: the emulator's Fabric REST answers against Microsoft's Swagger spec.

Each scenario (cases_*.py) is a table of cases run in order against one fresh emulator
over HTTPS, once per profile (``default`` and ``realism``, see conftest.py). For every case
the request body must conform to the spec, the status and errorCode must be the table's,
and the response body (``$ref``s resolved) and the headers the spec declares must conform
to the operation's response for that status. The few places where production itself
breaks the spec are documented in contract_deviations.py and tolerated only where a case
names them.
"""

from __future__ import annotations

from typing import Any

import pytest
from cases_connections import CONNECTIONS, TYPED_PROPERTIES
from cases_items import FOLDERS, ITEMS
from cases_operations import OPERATIONS, TYPED_ITEMS
from cases_workspaces import CAPACITIES, ROLE_ASSIGNMENTS, WORKSPACES
from emulator_contract import Scenario, World

from fabric_emulator import EmulatorConfig
from fabric_emulator.testing import RunningEmulator

SCENARIOS = (
    WORKSPACES,
    ROLE_ASSIGNMENTS,
    CAPACITIES,
    ITEMS,
    FOLDERS,
    OPERATIONS,
    TYPED_ITEMS,
    CONNECTIONS,
    TYPED_PROPERTIES,
)

REQUIRED_OPERATIONS = frozenset(
    {
        "Workspaces_CreateWorkspace",
        "Workspaces_ListWorkspaces",
        "Workspaces_GetWorkspace",
        "Workspaces_UpdateWorkspace",
        "Workspaces_DeleteWorkspace",
        "Workspaces_AssignToCapacity",
        "Workspaces_UnassignFromCapacity",
        "Workspaces_AddWorkspaceRoleAssignment",
        "Workspaces_ListWorkspaceRoleAssignments",
        "Workspaces_GetWorkspaceRoleAssignment",
        "Workspaces_UpdateWorkspaceRoleAssignment",
        "Workspaces_DeleteWorkspaceRoleAssignment",
        "Capacities_ListCapacities",
        "Capacities_GetCapacity",
        "Items_CreateItem",
        "Items_ListItems",
        "Items_GetItem",
        "Items_UpdateItem",
        "Items_DeleteItem",
        "Items_GetItemDefinition",
        "Items_UpdateItemDefinition",
        "Items_MoveItem",
        "Folders_CreateFolder",
        "Folders_ListFolders",
        "Folders_GetFolder",
        "Folders_UpdateFolder",
        "Folders_DeleteFolder",
        "Folders_MoveFolder",
        "LongRunningOperations_GetOperationState",
        "LongRunningOperations_GetOperationResult",
        "Items_GetLakehouse",
        "Items_ListEnvironments",
        "Items_GetEnvironment",
        "Items_PublishEnvironment",
        "Items_GetVariableLibrary",
        "Items_UpdateVariableLibrary",
        "Connections_ListConnections",
        "Items_ListItemConnections",
        "Items_BindSemanticModelConnection",
        "Items_GetWarehouse",
        "Items_GetSQLDatabase",
        "Items_GetMirroredDatabase",
        "Items_GetEventhouse",
        "Items_GetKQLDatabase",
        "CustomPools_ListWorkspaceCustomPools",
    }
)
"""The operations the emulator must answer as the spec says (the issue's list)."""


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_responses_conform_to_the_spec(
    scenario: Scenario,
    fabric: Any,
    emulator: RunningEmulator,
    emulator_config: EmulatorConfig,
) -> None:
    """Run a scenario's cases in order and report every case whose exchange breaks the spec."""
    world = World(emulator=emulator, session=fabric.session, profile=emulator_config.profile)
    scenario.setup(world)
    failures = world.run(scenario.cases)
    summary = f"{len(failures)} of {len(scenario.cases)} cases failed:\n"
    assert not failures, summary + "\n".join(failures)


def test_every_operation_has_a_success_and_an_error_case() -> None:
    """Cover each required operation with at least one 2xx and one error case."""
    cases = [case for scenario in SCENARIOS for case in scenario.cases]
    assert REQUIRED_OPERATIONS - {case.operation for case in cases if case.status < 300} == set()
    assert REQUIRED_OPERATIONS - {case.operation for case in cases if case.status >= 400} == set()
    statuses = {case.status for case in cases}
    assert statuses >= {200, 201, 202, 400, 401, 404, 409, 429}


def test_create_item_answers_both_201_and_202() -> None:
    """Cover item creation as a shell (201) and with a definition (202 + LRO)."""
    statuses = {case.status for case in ITEMS.cases if case.operation == "Items_CreateItem"}
    assert {201, 202} <= statuses


def test_every_operation_state_is_polled() -> None:
    """Poll an operation while Running, after it Succeeded (with and without result), Failed."""
    polled = {
        case.label
        for case in OPERATIONS.cases
        if case.operation == "LongRunningOperations_GetOperationState" and case.status == 200
    }
    assert polled == {
        "Running",
        "Succeeded with a result",
        "Succeeded without a result",
        "Failed",
    }
