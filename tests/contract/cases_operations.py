"""Contract cases of long-running operations and of the typed item APIs deployers call."""

from __future__ import annotations

from cases_items import UPDATED_NOTEBOOK, notebook
from cases_workspaces import WS, create_workspace
from contract_deviations import (
    FAILED_WITHOUT_POLLING_HEADERS,
    OPERATION_ERROR_NULL,
    RUNNING_PERCENT_NULL,
    SUCCEEDED_WITHOUT_POLLING_HEADERS,
    SUCCEEDED_WITHOUT_RETRY_AFTER,
)
from emulator_contract import Scenario, World, equals, get, part, patch, post, result_of, throttle


def _operations_setup(world: World) -> None:
    create_workspace(world)
    world.create("etl", f"{WS}/items", notebook("ETL"))


STATE, RESULT = (
    "LongRunningOperations_GetOperationState",
    "LongRunningOperations_GetOperationResult",
)
KEEP_RUNNING_30_S = {"route": "/v1/workspaces/*/items", "methods": ["POST"], "lro_running_s": 30}
FAIL_THE_OPERATION = {"route": "/v1/workspaces/*/items/*/getDefinition", "lro_outcome": "Failed"}
OPERATIONS = Scenario(
    "operations",
    _operations_setup,
    (
        post(
            "Items_CreateItem",
            f"{WS}/items",
            "202",
            json=notebook("Orders"),
            faults=(KEEP_RUNNING_30_S,),
            save_location="create",
            label="kept running by a fault",
        ),
        get(
            STATE,
            "{create}",
            "200",
            label="Running",
            deviations=(OPERATION_ERROR_NULL, RUNNING_PERCENT_NULL),
            also=equals("status", "Running"),
        ),
        get(RESULT, "{create}/result", "400 OperationNotSucceeded", label="Running"),
        get(
            STATE,
            "{create}",
            "200",
            advance_s=30,
            label="Succeeded with a result",
            deviations=(OPERATION_ERROR_NULL, SUCCEEDED_WITHOUT_RETRY_AFTER),
            also=equals("status", "Succeeded"),
        ),
        get(RESULT, "{create}/result", "200", also=result_of("POST", f"{WS}/items", 201)),
        post(
            "Items_UpdateItemDefinition",
            f"{WS}/items/{{etl}}/updateDefinition",
            "202",
            json={"definition": UPDATED_NOTEBOOK},
            save_location="update",
        ),
        get(
            STATE,
            "{update}",
            "200",
            label="Succeeded without a result",
            deviations=(OPERATION_ERROR_NULL, SUCCEEDED_WITHOUT_POLLING_HEADERS),
            also=equals("status", "Succeeded"),
        ),
        get(RESULT, "{update}/result", "400 OperationHasNoResult"),
        post(
            "Items_GetItemDefinition",
            f"{WS}/items/{{etl}}/getDefinition",
            "202",
            faults=(FAIL_THE_OPERATION,),
            save_location="failed",
            label="failed by a fault",
        ),
        get(
            STATE,
            "{failed}",
            "200",
            label="Failed",
            deviations=(FAILED_WITHOUT_POLLING_HEADERS,),
            also=equals("error.errorCode", "OperationFailed"),
        ),
        get(RESULT, "{failed}/result", "400 OperationNotSucceeded", label="Failed"),
        get(STATE, "/v1/operations/{missing}", "404 OperationNotFound"),
        get(RESULT, "/v1/operations/{missing}/result", "404 OperationNotFound"),
        get(
            STATE,
            "{update}",
            "429 RequestBlocked",
            faults=(throttle("/v1/operations/*", "GET"),),
        ),
    ),
)


# --------------------------------------------------------------------------- typed item APIs


LIBRARY_DEFINITION = {
    "parts": [
        part("variables.json", {"variables": []}),
        part("settings.json", {"valueSetsOrder": ["Production"]}),
        part("valueSets/Production.json", {"name": "Production", "variableOverrides": []}),
    ]
}


def _typed_setup(world: World) -> None:
    create_workspace(world)
    items = f"{WS}/items"
    world.create("lakehouse", items, {"displayName": "Sales", "type": "Lakehouse"})
    world.create("environment", items, {"displayName": "Spark", "type": "Environment"})
    library = {"displayName": "Config", "type": "VariableLibrary", "definition": LIBRARY_DEFINITION}
    world.create("library", items, library)


LIST_LAKEHOUSES, GET_LAKEHOUSE = "Items_ListLakehouses", "Items_GetLakehouse"
LIST_ENVIRONMENTS, GET_ENVIRONMENT, PUBLISH = (
    "Items_ListEnvironments",
    "Items_GetEnvironment",
    "Items_PublishEnvironment",
)
LIST_LIBRARIES, GET_LIBRARY, UPDATE_LIBRARY = (
    "Items_ListVariableLibraries",
    "Items_GetVariableLibrary",
    "Items_UpdateVariableLibrary",
)
ENVIRONMENT = f"{WS}/environments/{{environment}}"
STAGING_PUBLISH = f"{ENVIRONMENT}/staging/publish"
RELEASE = {"beta": "False"}
"""The release (LRO) version of publish, the one fabric-cicd calls."""
LIBRARY = f"{WS}/variableLibraries/{{library}}"
KEEP_PUBLISHING = {"route": "/v1/workspaces/*/environments/*/staging/publish", "lro_running_s": 60}
TYPED_ITEMS = Scenario(
    "typed-items",
    _typed_setup,
    (
        get(LIST_LAKEHOUSES, f"{WS}/lakehouses", "200"),
        get(GET_LAKEHOUSE, f"{WS}/lakehouses/{{lakehouse}}", "200"),
        get(
            GET_LAKEHOUSE,
            f"{WS}/lakehouses/{{environment}}",
            "404 ItemNotFound",
            label="an Environment's id",
        ),
        get(LIST_ENVIRONMENTS, f"{WS}/environments", "200"),
        get(LIST_ENVIRONMENTS, "/v1/workspaces/{missing}/environments", "404 WorkspaceNotFound"),
        get(GET_ENVIRONMENT, ENVIRONMENT, "200", label="never published"),
        get(GET_ENVIRONMENT, f"{WS}/environments/{{missing}}", "404 ItemNotFound"),
        post(PUBLISH, STAGING_PUBLISH, "202", params=RELEASE, lro_result_status=200),
        post(
            PUBLISH,
            STAGING_PUBLISH,
            "202",
            params=RELEASE,
            faults=(KEEP_PUBLISHING,),
            label="kept running by a fault",
        ),
        get(
            GET_ENVIRONMENT,
            ENVIRONMENT,
            "200",
            label="publishing",
            also=equals("properties.publishDetails.state", "Running"),
        ),
        post(PUBLISH, STAGING_PUBLISH, "400 InvalidEnvironmentPublish", params=RELEASE),
        post(
            PUBLISH,
            f"{WS}/environments/{{missing}}/staging/publish",
            "404 ItemNotFound",
            params=RELEASE,
        ),
        get(LIST_LIBRARIES, f"{WS}/variableLibraries", "200"),
        get(GET_LIBRARY, LIBRARY, "200"),
        get(
            GET_LIBRARY,
            f"{WS}/variableLibraries/{{lakehouse}}",
            "404 ItemNotFound",
            label="a Lakehouse's id",
        ),
        patch(
            UPDATE_LIBRARY,
            LIBRARY,
            "200",
            json={"properties": {"activeValueSetName": "Production"}},
            also=equals("properties.activeValueSetName", "Production"),
        ),
        patch(
            UPDATE_LIBRARY,
            LIBRARY,
            "400 InvalidInput",
            json={"properties": {"activeValueSetName": "Staging"}},
        ),
    ),
)
