"""Check the Swagger contract harness against Microsoft's own Fabric REST API examples.

Every file in ``fabric-rest-api-specs/platform/examples/platform/`` is an example that
Microsoft publishes with the spec: its ``parameters`` (path values and request body) and its
``responses`` keyed by status. A harness that rejects them is wrong; a harness that accepts
everything is useless, so the second half of this file proves that it can fail, and how.
"""

from __future__ import annotations

import json
import re
import time
from functools import cache
from typing import Any, NamedTuple

import pytest
import swagger
from jsonschema import Draft4Validator

EXAMPLES_DIR = swagger.SPEC_ROOT / "platform" / "examples" / "platform"
PLATFORM = "platform/swagger.json"

WORKSPACE_ID = "cfafbeb1-8037-4d0c-896e-a46fb27ff229"
ITEM_ID = "5b218778-e7a5-4d73-8187-f10824047715"
OPERATION_ID = "0acd697c-1550-43cd-b998-91bfbfbd47c6"
TIMESTAMP = "2026-04-19T10:53:46.2561218"  # as the real service sends it: no "Z", 7 digits

# Operations the emulator implements; each needs at least one Microsoft example.
COVERED_OPERATIONS = frozenset(
    {
        "Workspaces_ListWorkspaces",
        "Workspaces_GetWorkspace",
        "Workspaces_CreateWorkspace",
        "Workspaces_UpdateWorkspace",
        "Workspaces_DeleteWorkspace",
        "Workspaces_ListWorkspaceRoleAssignments",
        "Workspaces_GetWorkspaceRoleAssignment",
        "Workspaces_AddWorkspaceRoleAssignment",
        "Workspaces_UpdateWorkspaceRoleAssignment",
        "Workspaces_DeleteWorkspaceRoleAssignment",
        "Capacities_ListCapacities",
        "Capacities_GetCapacity",
        "Items_ListItems",
        "Items_GetItem",
        "Items_CreateItem",
        "Items_UpdateItem",
        "Items_DeleteItem",
        "Items_GetItemDefinition",
        "Items_UpdateItemDefinition",
        "Items_MoveItem",
        "Folders_ListFolders",
        "Folders_GetFolder",
        "Folders_CreateFolder",
        "Folders_UpdateFolder",
        "Folders_DeleteFolder",
        "Folders_MoveFolder",
        "LongRunningOperations_GetOperationState",
        "LongRunningOperations_GetOperationResult",
    }
)

# Microsoft examples that break Microsoft's own spec: (example, status, part) -> why.
_LEGACY_ITEM_TYPE = (
    "example lists an item of legacy type {!r}, which is not in the ItemType enum "
    "(ItemType says more types may be added over time, but the enum is closed)"
)
SPEC_QUIRKS = {
    ("BulkMoveItemsIntoFolder", "200", "body"): _LEGACY_ITEM_TYPE.format("SynapseNotebook"),
    ("BulkMoveItemsWithWorkspaceAsDestination", "200", "body"): _LEGACY_ITEM_TYPE.format(
        "SynapseNotebook"
    ),
    ("ListItemsInWorkspace", "200", "body"): _LEGACY_ITEM_TYPE.format("KustoDashboard"),
    ("ListItemsInWorkspaceWithContinuation", "200", "body"): _LEGACY_ITEM_TYPE.format(
        "KustoDashboard"
    ),
    ("MoveItemIntoFolder", "200", "body"): (
        "example returns an item with description null, but Item.description is a plain "
        "string (the spec uses no x-nullable)"
    ),
    ("MoveItemWithWorkspaceAsDestination", "200", "body"): (
        "example returns an item with description null, but Item.description is a plain "
        "string (the spec uses no x-nullable)"
    ),
    ("GetLongRunningOperationStateCompleted", "200", "headers"): (
        "spec declares Location, x-ms-operation-id and Retry-After for every 200 of "
        "GetOperationState, but the completed example omits Retry-After"
    ),
}


class Example(NamedTuple):
    """A Microsoft example file and the operation that references it."""

    name: str
    operation: swagger.Operation
    content: dict[str, Any]

    @property
    def url(self) -> str:
        """Return the concrete URL path, path parameters filled in from the example."""
        parameters = self.content["parameters"]
        path = re.sub(
            r"\{([^}]+)\}", lambda m: str(parameters[m.group(1)]), self.operation.template
        )
        return f"/v1{path}"


@cache
def examples() -> dict[str, Example]:
    """Map example names to their operation, from the ``x-ms-examples`` of the platform spec."""
    operations: dict[str, swagger.Operation] = {}
    for template, path_item in swagger.load_document(PLATFORM)["paths"].items():
        for method, operation in path_item.items():
            for reference in operation.get("x-ms-examples", {}).values():
                name = reference["$ref"].rsplit("/", 1)[-1].removesuffix(".json")
                operations[name] = swagger.Operation(PLATFORM, method, template)
    return {
        path.stem: Example(
            path.stem, operations[path.stem], json.loads(path.read_text(encoding="utf-8"))
        )
        for path in sorted(EXAMPLES_DIR.glob("*.json"))
        if path.stem in operations
    }


def _cases(part: str) -> list[Any]:
    """Build one pytest case per example response, xfailing documented spec quirks."""
    cases = []
    for name, example in examples().items():
        for status, response in example.content["responses"].items():
            if part == "headers" and not (
                response.get("headers")
                or swagger.response_headers(example.operation.method, example.url, status)
            ):
                continue
            reason = SPEC_QUIRKS.get((name, status, part))
            marks = (
                [pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)]
                if reason
                else []
            )
            cases.append(pytest.param(name, status, id=f"{name}-{status}", marks=marks))
    return cases


def _violations(error: pytest.ExceptionInfo[AssertionError]) -> list[str]:
    """Return the violation lines of an assert_conforms failure message."""
    return [
        line.removeprefix("  - ")
        for line in str(error.value).splitlines()
        if line.startswith("  - ")
    ]


# --------------------------------------------------------------------------- Microsoft examples


def test_every_example_file_belongs_to_an_operation() -> None:
    """Map all copied example files to an operation of platform/swagger.json."""
    files = {path.stem for path in EXAMPLES_DIR.glob("*.json")}
    assert files, f"no examples in {EXAMPLES_DIR}"
    assert files == set(examples())


def test_examples_cover_every_operation_the_emulator_serves() -> None:
    """Require a Microsoft example for each operation the emulator implements."""
    covered = {example.operation.operation_id for example in examples().values()}
    assert COVERED_OPERATIONS - covered == set()


@pytest.mark.parametrize("name", sorted(examples()))
def test_example_url_routes_to_its_operation(name: str) -> None:
    """Route the example's concrete URL back to the operation that lists the example."""
    example = examples()[name]
    assert swagger.find_operation(example.operation.method, example.url) == example.operation


@pytest.mark.parametrize(("name", "status"), _cases("body"))
def test_example_response_body_conforms(name: str, status: str) -> None:
    """Accept the body of every example response."""
    example = examples()[name]
    response = example.content["responses"][status]
    swagger.assert_conforms(example.operation.method, example.url, status, response.get("body"))


@pytest.mark.parametrize(("name", "status"), _cases("headers"))
def test_example_response_headers_conform(name: str, status: str) -> None:
    """Accept the headers of every example response that the spec declares headers for."""
    example = examples()[name]
    response = example.content["responses"][status]
    violations = swagger.response_violations(
        example.operation.method,
        example.url,
        status,
        response.get("body"),
        response.get("headers", {}),
    )
    assert violations == []


@pytest.mark.parametrize(
    "name",
    [
        name
        for name, example in examples().items()
        if any(p.get("in") == "body" for p in example.operation.definition.get("parameters", []))
    ],
)
def test_example_request_body_conforms(name: str) -> None:
    """Accept the request body of every example whose operation takes one."""
    example = examples()[name]
    body_name = next(
        p["name"] for p in example.operation.definition["parameters"] if p["in"] == "body"
    )
    body = example.content["parameters"].get(body_name)
    swagger.validate_request_body(example.operation.method, example.url, body)


def _spec_operations() -> list[swagger.Operation]:
    """List operations whose schemas must compile: typed item APIs and the covered platform ones."""
    operations = []
    for spec in swagger.SPEC_FILES:
        for template, path_item in swagger.load_document(spec)["paths"].items():
            for method, operation in path_item.items():
                if spec != PLATFORM or operation.get("operationId") in COVERED_OPERATIONS:
                    operations.append(swagger.Operation(spec, method, template))
    return operations


def test_every_needed_schema_compiles_to_valid_draft4() -> None:
    """Compile every response and request schema the copied specs need, without dangling refs."""
    compiled = 0
    for operation in _spec_operations():
        url = "/v1" + re.sub(r"\{[^}]+\}", "x", operation.template)
        assert swagger.find_operation(operation.method, url) == operation
        schemas = [swagger.request_body_schema(operation.method, url)]
        for status in operation.definition["responses"]:
            status_code = 500 if status == "default" else status
            schemas.append(swagger.response_schema(operation.method, url, status_code))
        for schema in filter(None, schemas):
            Draft4Validator.check_schema(schema)
            compiled += 1
    assert compiled > 200


# --------------------------------------------------------------------------- the harness fails


def test_workspace_id_must_be_a_uuid() -> None:
    """Reject a workspace whose id is not a UUID."""
    body = {"id": "workspace-1", "displayName": "ws", "description": "", "type": "Workspace"}
    with pytest.raises(AssertionError) as error:
        swagger.assert_conforms("GET", f"/v1/workspaces/{WORKSPACE_ID}", 200, body)
    assert _violations(error) == ["body $.id: 'workspace-1' is not a 'uuid'"]
    assert "Workspaces_GetWorkspace" in str(error.value)


def test_item_requires_type() -> None:
    """Reject an item without ``type``."""
    body = {"id": ITEM_ID, "displayName": "nb", "workspaceId": WORKSPACE_ID}
    with pytest.raises(AssertionError) as error:
        swagger.assert_conforms("GET", f"/v1/workspaces/{WORKSPACE_ID}/items/{ITEM_ID}", 200, body)
    assert _violations(error) == ["body $: 'type' is a required property"]


def test_item_type_must_be_known() -> None:
    """Reject an item type outside the ItemType enum, inside a list response."""
    body = {"value": [{"id": ITEM_ID, "type": "Spreadsheet", "workspaceId": WORKSPACE_ID}]}
    violations = swagger.response_violations(
        "GET", f"/v1/workspaces/{WORKSPACE_ID}/items", 200, body
    )
    assert [v.where for v in violations] == ["body $.value[0].type"]


def test_error_response_requires_error_code() -> None:
    """Reject an ErrorResponse without ``errorCode`` (undeclared 404 falls back to default)."""
    body = {"message": "Workspace not found", "requestId": OPERATION_ID}
    with pytest.raises(AssertionError) as error:
        swagger.assert_conforms("GET", f"/v1/workspaces/{WORKSPACE_ID}", 404, body)
    assert _violations(error) == ["body $: 'errorCode' is a required property"]


def test_error_response_is_accepted_for_any_error_status() -> None:
    """Accept a full ErrorResponse for statuses that only ``default`` covers."""
    body = {"errorCode": "WorkspaceNotFound", "message": "Not found", "requestId": OPERATION_ID}
    for status in (400, 401, 403, 404, 409, 500):
        swagger.assert_conforms("GET", f"/v1/workspaces/{WORKSPACE_ID}", status, body, {})


def test_role_assignment_role_must_be_known() -> None:
    """Reject a workspace role assignment whose role is not a WorkspaceRole."""
    body = {"id": ITEM_ID, "principal": {"id": ITEM_ID, "type": "User"}, "role": "Owner"}
    url = f"/v1/workspaces/{WORKSPACE_ID}/roleAssignments/{ITEM_ID}"
    with pytest.raises(AssertionError) as error:
        swagger.assert_conforms("GET", url, 200, body)
    assert _violations(error) == [
        "body $.role: 'Owner' is not one of ['Admin', 'Member', 'Contributor', 'Viewer']"
    ]


def test_folder_accepts_extra_fields_because_the_spec_allows_them() -> None:
    """Accept unknown Folder properties: no Fabric schema sets additionalProperties."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/folders/{ITEM_ID}"
    body = {"id": ITEM_ID, "displayName": "f", "workspaceId": WORKSPACE_ID, "color": "red"}
    swagger.assert_conforms("GET", url, 200, body)
    assert "additionalProperties" not in json.dumps(swagger.response_schema("GET", url, 200))


def test_folder_parent_id_must_be_a_uuid_not_null() -> None:
    """Reject ``parentFolderId: null``: the spec text allows it, the schema does not."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/folders/{ITEM_ID}"
    body = {"id": ITEM_ID, "displayName": "f", "workspaceId": WORKSPACE_ID, "parentFolderId": None}
    violations = swagger.response_violations("GET", url, 200, body)
    assert [v.where for v in violations] == ["body $.parentFolderId"]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v1/warehouses", "no operation in"),
        ("GET", "/workspaces", "basePath /v1"),
        ("GET", "/v1/workspaces/", "no operation in"),
        ("PUT", "/v1/workspaces/abc", "no PUT operation for '/v1/workspaces/abc'; the spec allows"),
    ],
)
def test_unknown_path_raises_a_clear_error(method: str, path: str, expected: str) -> None:
    """Raise UnknownOperationError naming the path for URLs the spec does not define."""
    with pytest.raises(swagger.UnknownOperationError, match=re.escape(expected)):
        swagger.assert_conforms(method, path, 200, {})


def test_undeclared_success_status_is_a_violation() -> None:
    """Reject a 204 where the spec declares 200 (Fabric deletes answer 200)."""
    violations = swagger.response_violations("DELETE", f"/v1/workspaces/{WORKSPACE_ID}", 204, None)
    assert [v.where for v in violations] == ["status"]
    assert "declared: 200, 429, default" in violations[0].message


def test_body_presence_must_match_the_spec() -> None:
    """Reject a missing body where one is declared and a body where none is."""
    url = f"/v1/workspaces/{WORKSPACE_ID}"
    assert [str(v) for v in swagger.response_violations("GET", url, 200, None)] == [
        "body: the spec declares a JSON response body, got none"
    ]
    assert [v.where for v in swagger.response_violations("DELETE", url, 200, {})] == ["body"]
    assert swagger.response_violations("DELETE", url, 200, None) == []


def test_every_violation_is_listed_with_its_json_path() -> None:
    """List all violations, each with its JSON path, in one AssertionError."""
    body = {"value": [{"id": "nope", "principal": {"type": "Robot"}, "role": "Owner"}]}
    with pytest.raises(AssertionError) as error:
        swagger.assert_conforms("GET", f"/v1/workspaces/{WORKSPACE_ID}/roleAssignments", 200, body)
    assert "(4 violation(s))" in str(error.value)
    assert [line.split(":")[0] for line in _violations(error)] == [
        "body $.value[0].id",
        "body $.value[0].principal",
        "body $.value[0].principal.type",
        "body $.value[0].role",
    ]


# --------------------------------------------------------------------------- polymorphism


def test_principal_subtype_properties_are_checked() -> None:
    """Validate a principal against the subtype its ``type`` names."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/roleAssignments/{ITEM_ID}"

    def assignment(principal: dict[str, Any]) -> dict[str, Any]:
        return {"id": ITEM_ID, "principal": {"id": ITEM_ID, **principal}, "role": "Admin"}

    group = {"type": "Group", "groupDetails": {"groupType": "SecurityGroup"}}
    swagger.assert_conforms("GET", url, 200, assignment(group))
    bad_group = {"type": "Group", "groupDetails": {"groupType": "Team"}}
    assert [
        v.where for v in swagger.response_violations("GET", url, 200, assignment(bad_group))
    ] == ["body $.principal.groupDetails.groupType"]
    bad_user = {"type": "User", "userDetails": {"userPrincipalName": 42}}
    assert [
        v.where for v in swagger.response_violations("GET", url, 200, assignment(bad_user))
    ] == ["body $.principal.userDetails.userPrincipalName"]
    # groupDetails means nothing to a User principal: it is an allowed extra property there.
    swagger.assert_conforms("GET", url, 200, assignment({**group, "type": "User"}))
    bad_profile = {
        "type": "ServicePrincipalProfile",
        "servicePrincipalProfileDetails": {
            "parentPrincipal": {"id": "x", "type": "ServicePrincipal"}
        },
    }
    assert [
        str(v) for v in swagger.response_violations("GET", url, 200, assignment(bad_profile))
    ] == ["body $.principal.servicePrincipalProfileDetails.parentPrincipal.id: 'x' is not a 'uuid'"]


GIT_PROVIDER = "common/definitions.json#/definitions/GitProviderDetails"
GIT_BASE = {"repositoryName": "repo", "branchName": "main", "directoryName": "/"}


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"gitProviderType": "AzureDevOps", "organizationName": "o", "projectName": "p"}, []),
        ({"gitProviderType": "GitHub", "ownerName": "octo"}, []),
        (
            {"gitProviderType": "AzureDevOps", "organizationName": "o"},
            ["value $: 'projectName' is a required property"],
        ),
        ({"gitProviderType": "GitHub"}, ["value $: 'ownerName' is a required property"]),
        (
            {"gitProviderType": "GitHub", "ownerName": "o" * 101},
            [f"value $.ownerName: '{'o' * 101}' is too long"],
        ),
        (
            {"gitProviderType": "GitLab", "ownerName": "o"},
            ["value $.gitProviderType: 'GitLab' is not one of ['AzureDevOps', 'GitHub']"],
        ),
    ],
)
def test_git_provider_details_dispatch_on_provider_type(
    details: dict[str, Any], expected: list[str]
) -> None:
    """Check GitProviderDetails against AzureDevOpsDetails or GitHubDetails."""
    violations = swagger.definition_violations(GIT_PROVIDER, {**GIT_BASE, **details})
    assert [str(v) for v in violations] == expected


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "timestamp",
    [
        TIMESTAMP,
        "2026-04-19T10:53:46",
        "2026-04-19T10:53:46Z",
        "2026-04-19T10:53:46.123Z",
        "2026-04-19T10:53:46.1+02:00",
        "2026-04-19T10:53:46-0530",
    ],
)
def test_lenient_date_time_accepts_iso_8601(timestamp: str) -> None:
    """Accept ISO 8601 date-times with or without offset and with any fractional digits."""
    state = {"status": "Running", "createdTimeUtc": timestamp, "lastUpdatedTimeUtc": timestamp}
    swagger.assert_conforms("GET", f"/v1/operations/{OPERATION_ID}", 200, state)


@pytest.mark.parametrize(
    "timestamp",
    [
        "2026-04-19",
        "2026-04-19 10:53:46",
        "2026-13-19T10:53:46",
        "2026-04-19T24:00:00",
        "2026-04-19T10:53:46.",
        "1713523426",
        "yesterday",
    ],
)
def test_date_time_rejects_non_iso_8601(timestamp: str) -> None:
    """Reject timestamps that are not ISO 8601 date-times."""
    state = {"status": "Running", "createdTimeUtc": timestamp, "lastUpdatedTimeUtc": TIMESTAMP}
    violations = swagger.response_violations("GET", f"/v1/operations/{OPERATION_ID}", 200, state)
    assert [str(v) for v in violations] == [
        f"body $.createdTimeUtc: '{timestamp}' is not a 'date-time'"
    ]


@pytest.mark.parametrize(
    "value",
    ["5b218778e7a54d738187f10824047715", "{5b218778-e7a5-4d73-8187-f10824047715}", "5b218778"],
)
def test_uuid_format_is_strict(value: str) -> None:
    """Reject UUIDs that are not in the canonical 8-4-4-4-12 form."""
    violations = swagger.definition_violations(
        "common/definitions.json#/definitions/Item", {"id": value, "type": "Notebook"}
    )
    assert [str(v) for v in violations] == [f"value $.id: '{value}' is not a 'uuid'"]


# --------------------------------------------------------------------------- headers


def test_long_running_202_requires_its_headers() -> None:
    """Require Location, x-ms-operation-id and Retry-After on a 202, with the declared types."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/items"
    names = [h.name for h in swagger.response_headers("POST", url, 202)]
    assert names == ["Location", "x-ms-operation-id", "Retry-After"]
    location = f"https://api.fabric.microsoft.com/v1/operations/{OPERATION_ID}"
    good = {"location": location, "X-Ms-Operation-Id": OPERATION_ID, "retry-after": "20"}
    swagger.assert_conforms("POST", url, 202, None, good)
    bad = {"Location": location, "x-ms-operation-id": "op-1", "Retry-After": "soon"}
    assert [str(v) for v in swagger.response_violations("POST", url, 202, None, bad)] == [
        "header x-ms-operation-id: 'op-1' is not a 'uuid'",
        "header Retry-After: 'soon' is not an integer",
    ]
    missing = swagger.response_violations("POST", url, 202, None, {"Location": location})
    assert [v.where for v in missing] == ["header x-ms-operation-id", "header Retry-After"]
    assert swagger.response_violations("POST", url, 202, None, None) == []  # None skips headers


def test_throttling_requires_retry_after() -> None:
    """Require Retry-After on a 429 throttling response."""
    body = {"errorCode": "RequestBlocked", "message": "Too many requests"}
    url = f"/v1/workspaces/{WORKSPACE_ID}"
    swagger.assert_conforms("GET", url, 429, body, {"Retry-After": "5"})
    with pytest.raises(AssertionError, match="header Retry-After: missing"):
        swagger.assert_conforms("GET", url, 429, body, {})


# --------------------------------------------------------------------------- requests


def test_request_bodies_are_checked() -> None:
    """Reject invalid request bodies, and bodies sent to operations that take none."""
    items = f"/v1/workspaces/{WORKSPACE_ID}/items"
    swagger.validate_request_body("POST", items, {"displayName": "nb", "type": "Notebook"})
    with pytest.raises(AssertionError, match=r"body \$: 'displayName' is a required property"):
        swagger.validate_request_body("POST", items, {"type": "Notebook"})
    with pytest.raises(AssertionError, match="declares a JSON request body, got none"):
        swagger.validate_request_body("POST", items, None)
    roles = f"/v1/workspaces/{WORKSPACE_ID}/roleAssignments"
    add = {"principal": {"id": ITEM_ID, "type": "Robot"}, "role": "Viewer"}
    assert [v.where for v in swagger.request_body_violations("POST", roles, add)] == [
        "body $.principal.type"
    ]
    assert [v.where for v in swagger.request_body_violations("DELETE", items + "/x", {})] == [
        "body"
    ]
    assert swagger.request_body_violations("DELETE", items + "/x", None) == []


# --------------------------------------------------------------------------- routing and refs


@pytest.mark.parametrize(
    ("method", "url", "operation_id"),
    [
        ("get", "/V1/Workspaces/abc/ITEMS", "Items_ListItems"),
        (
            "GET",
            "https://api.fabric.microsoft.com/v1/workspaces?roles=Admin",
            "Workspaces_ListWorkspaces",
        ),
        (
            "GET",
            "/v1/connections/supportedConnectionTypes",
            "Connections_ListSupportedConnectionTypes",
        ),
        ("GET", "/v1/connections/abc", "Connections_GetConnection"),
        ("POST", "/v1/workspaces/a/items/bulkMove", "Items_BulkMoveItems"),
        ("POST", "/v1/workspaces/a/items/b/move", "Items_MoveItem"),
        ("GET", "/v1/workspaces/a/lakehouses/b", "Items_GetLakehouse"),
        ("GET", "/v1/workspaces/a/environments/b/sparkcompute", "Published_GetSparkCompute"),
        (
            "GET",
            "/v1/workspaces/a/environments/b/sparkcompute?beta=True",
            "Published_Get_Spark_Compute_(beta)",
        ),
        ("GET", "/v1/workspaces/a/variableLibraries/b", "Items_GetVariableLibrary"),
    ],
)
def test_routing(method: str, url: str, operation_id: str) -> None:
    """Match segments case-insensitively, prefer literals, and honour ``?beta=`` templates."""
    assert swagger.find_operation(method, url).operation_id == operation_id


def test_typed_item_responses_are_checked() -> None:
    """Validate typed item bodies (Lakehouse) including the inherited Item schema."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/lakehouses/{ITEM_ID}"
    lakehouse = {
        "id": ITEM_ID,
        "type": "Lakehouse",
        "displayName": "lh",
        "description": "",
        "workspaceId": WORKSPACE_ID,
        "properties": {
            "oneLakeTablesPath": "https://x/Tables",
            "oneLakeFilesPath": "https://x/Files",
        },
    }
    swagger.assert_conforms("GET", url, 200, lakehouse)
    broken = {**lakehouse, "workspaceId": "ws", "properties": {"oneLakeTablesPath": 1}}
    assert [str(v) for v in swagger.response_violations("GET", url, 200, broken)] == [
        "body $.properties: 'oneLakeFilesPath' is a required property",
        "body $.properties.oneLakeTablesPath: 1 is not of type 'string'",
        "body $.workspaceId: 'ws' is not a 'uuid'",
    ]


@pytest.mark.parametrize(
    ("relative_path", "valid"),
    [("Files/sales/2026.csv", True), ("Files/Überweisungen", True), ("Tables/sales", False)],
)
def test_ecma_letter_class_in_patterns_works(relative_path: str, valid: bool) -> None:
    """Check LoadTableRequest.relativePath, whose pattern uses the ECMA-only ``\\p{L}``."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/lakehouses/{ITEM_ID}/tables/sales/load"
    body = {"relativePath": relative_path, "pathType": "Folder"}
    violations = swagger.request_body_violations("POST", url, body)
    assert [v.where for v in violations] == ([] if valid else ["body $.relativePath"])


def test_refs_to_files_not_copied_fail_only_when_reached() -> None:
    """Route Git operations fine, but fail clearly when their uncopied schema is needed."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/git/connection"
    assert swagger.find_operation("GET", url).operation_id == "Git_GetConnection"
    error_body = {"errorCode": "WorkspaceNotConnectedToGit", "message": "not connected"}
    swagger.assert_conforms("GET", url, 400, error_body)  # ErrorResponse is in common/
    with pytest.raises(swagger.SpecError, match=r"gitIntegration\.json.*not part of the copied"):
        swagger.assert_conforms("GET", url, 200, {})


def test_capital_c_common_resolves_to_common() -> None:
    """Resolve ``Common/`` to ``common/`` (deploymentPipelines.json spells it that way)."""
    assert swagger.load_document("Common/definitions.json") == swagger.load_document(
        "common/definitions.json"
    )
    ref = "Common/definitions.json#/definitions/WorkspaceRole"
    assert [v.where for v in swagger.definition_violations(ref, "Owner")] == ["value $"]


def test_harness_is_fast_once_warm() -> None:
    """Validate a response in well under a millisecond once its schema is compiled."""
    url = f"/v1/workspaces/{WORKSPACE_ID}/items"
    body = {"value": [{"id": ITEM_ID, "type": "Notebook", "workspaceId": WORKSPACE_ID}]}
    swagger.assert_conforms("GET", url, 200, body)
    start = time.perf_counter()
    for _ in range(100):
        swagger.assert_conforms("GET", url, 200, body)
    assert time.perf_counter() - start < 1.0
