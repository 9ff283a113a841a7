"""Schema violations in words: one per fault, at the right place, none hidden."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from config_unit_support import Repository, codes, config_text, indent, place_of, workspace

from fabric_action.config._schema import SCHEMA_ID, draft_2020_12_validator, load_schema


def test_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    raw = resources.files("fabric_action.config").joinpath("schema/fabric-action.schema.json")

    draft_2020_12_validator().check_schema(schema)
    assert json.loads(raw.read_text("utf-8")) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID


def _objects(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append((path, node))
        for key, value in node.items():
            found += _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _objects(value, f"{path}/{index}")
    return found


def test_every_object_refuses_unknown_keys_and_every_key_is_described() -> None:
    schema = load_schema()
    for path, node in _objects(schema, "#"):
        assert "additionalProperties" in node, path
        if node["additionalProperties"] is not False:  # a map: names are checked instead
            assert "propertyNames" in node, path
        for key, property_schema in node.get("properties", {}).items():
            if path.endswith("effectiveEnvironment"):
                continue  # the merged shape reuses the described definitions
            described = "description" in property_schema or "$ref" in property_schema
            assert described, f"{path}/properties/{key} has no description"


def test_iri_formats_are_not_loaded_but_uri_and_uuid_are_checked() -> None:
    checker = draft_2020_12_validator().FORMAT_CHECKER

    assert {"uri", "uuid"} <= set(checker.checkers)
    assert not checker.conforms("not a uri", "uri")
    assert not checker.conforms("12345", "uuid")


@pytest.mark.parametrize(
    ("extra", "code", "needle", "message"),
    [
        ("description: 42\n", "schema.type", "42", "must be text, not a whole number (42)"),
        ("roles: {}\n", "schema.type", "{}", "must be a list, not a mapping"),
        (
            "roles: [{principal: x, type: User, role: admin}]\n",
            "schema.enum",
            "admin",
            "'admin' is not one of Admin, Member, Contributor, Viewer; did you mean 'Admin'?",
        ),
        (
            "rols: []\n",
            "schema.additionalProperties",
            "rols",
            "unknown key 'rols'; did you mean 'roles'? (allowed here: capacity, description, "
            "git, items, name, roles)",
        ),
        (
            "zzz: 1\n",
            "schema.additionalProperties",
            "zzz",
            "unknown key 'zzz' (allowed here: capacity, description, git, items, name, roles)",
        ),
        (
            "description: " + "d" * 4001 + "\n",
            "schema.maxLength",
            "ddd",
            "is too long: 4001 characters, at most 4000 allowed",
        ),
        ("capacity: 12\n", "schema.anyOf", "12", "12 is not a capacity GUID, ${env:NAME}, or null"),
        (
            "roles: [{principal: x, type: User, role: Admin, by: object_id}]\n",
            "schema.anyOf",
            "x,",
            "'x' is not a GUID such as 6f1c0b7e-0000-0000-0000-000000000001, or ${env:NAME}",
        ),
        (
            "git: {provider: AzureDevOps, repository: r, branch: b, directory: /d, owner: o,\n"
            "      organization: c, project: p}\n",
            "schema.propertyNames",
            "owner",
            "'owner' is not an AzureDevOps setting (owner and custom_domain are for GitHub)",
        ),
        (
            "roles: [{principal: 6f1c0b7e-0000-0000-0000-000000000001, type: Group, role: Admin,\n"
            "         by: app_id}]\n",
            "schema.const",
            "Group",
            "must be ServicePrincipal (only service principals have an app id), not 'Group'",
        ),
        (
            "git: {provider: GitHub, owner: o, repository: r, branch: b, directory: /d,\n"
            "      connection: 3f2504e0-4f89-11d3-9a0c-0305e82c3301, custom_domain: github.com}\n",
            "schema.pattern",
            "github.com",
            "'github.com' is not a GitHub Enterprise domain such as contoso.ghe.com",
        ),
    ],
)
def test_workspace_faults_in_words(
    repo: Repository, extra: str, code: str, needle: str, message: str
) -> None:
    text = config_text("dev:\n" + indent(workspace(extra=extra)))

    [problem] = repo.problems(text)

    assert (problem.code, (problem.line, problem.column), problem.message) == (
        code,
        place_of(text, needle),
        message,
    )


def test_all_faults_are_reported_at_once_in_file_order(repo: Repository) -> None:
    text = config_text(
        "dev:\n" + indent(workspace(extra="roles: [{principal: x, type: Boss, role: Owner}]\n")),
        top="telemetry: {waiver: short}\nfeatures: {enable_retry: 'yes'}\n",
    )

    found = repo.problems(text)

    roles = "environments.dev.workspaces.engineering.roles[0]"
    assert [(p.code, (p.line, p.column), p.path) for p in found] == [
        ("schema.dependentRequired", place_of(text, "{waiver"), "telemetry"),
        ("schema.anyOf", place_of(text, "short"), "telemetry.waiver"),
        ("schema.type", place_of(text, "'yes'"), "features.enable_retry"),
        ("schema.enum", place_of(text, "Boss"), f"{roles}.type"),
        ("schema.enum", place_of(text, "Owner"), f"{roles}.role"),
    ]


def test_required_keys_are_listed_one_by_one(repo: Repository) -> None:
    found = repo.problems("version: 1\n")

    assert [(p.code, p.message, p.line) for p in found] == [
        ("schema.required", "missing required key 'project'", 1),
        ("schema.required", "missing required key 'environments'", 1),
    ]


def test_propertynames_fault_points_at_the_key(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace()).replace("engineering:", "9lives:"))

    [problem] = repo.problems(text)

    assert (problem.code, problem.line, problem.column) == ("schema.propertyNames", 7, 7)
    assert problem.path == 'environments.dev.workspaces["9lives"]'


def test_messages_for_sensitive_fields_do_not_echo_the_value(repo: Repository) -> None:
    text = config_text("dev:\n" + indent(workspace()), auth="auth: {certificate: 'MIIEpAIBAA'}\n")

    found = repo.problems(text)

    assert codes(found) == ["schema.anyOf"]
    assert "MIIEpAIBAA" not in str(found[0])
