"""The small pieces: YAML loading bounds, the planning resolver, wire parts, rendered bodies."""

from __future__ import annotations

import base64

import pytest
from items_tree import platform

from fabric_action.errors import ParameterError
from fabric_action.items import (
    ItemAttribute,
    ItemKey,
    ItemReference,
    MappingResolver,
    PlanningResolver,
    TargetResolver,
    load_parameters,
    parts_from_wire,
    read_repository,
    render_item,
)
from fabric_action.items._yaml_source import MAX_PARAMETER_FILE_BYTES, Places, load_yaml


def _problem_codes(root, content: bytes | str):
    target = root / "parameter.yml"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    with pytest.raises(ParameterError) as raised:
        load_parameters(root, environment="PROD")
    return [(p.code, p.line) for p in raised.value.problems]


def test_yaml_bounds_and_failures(tmp_path):
    root = tmp_path
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 8):
        name, previous = chr(97 + level), chr(96 + level)
        bomb += f"{name}: &{name} [{', '.join('*' + previous for _ in range(10))}]\n"
    assert _problem_codes(root, bomb) == [("yaml.too-large", 1)]
    assert _problem_codes(root, b"\xff\xfe") == [("parameter.encoding", None)]
    assert _problem_codes(root, "a: 1\n---\nb: 2\n") == [("yaml.syntax", 2)]
    assert _problem_codes(root, "? [a]\n: b\n") == [("yaml.syntax", 1)]
    assert _problem_codes(root, "# only a comment\n") == [("parameter.empty", None)]
    (root / "parameter.yml").unlink()
    (root / "parameter.yml").mkdir()
    with pytest.raises(ParameterError) as raised:
        load_parameters(root, environment="PROD")
    assert [p.code for p in raised.value.problems] == ["parameter.unreadable"]


def test_a_parameter_file_over_the_size_limit(tmp_path):
    (tmp_path / "parameter.yml").write_bytes(b"#" * (MAX_PARAMETER_FILE_BYTES + 1))
    with pytest.raises(ParameterError, match="the limit is"):
        load_parameters(tmp_path, environment="PROD")


def test_yaml_places_and_aliases():
    places = Places()
    document, problems = load_yaml("a: &x {k: v}\nb: *x\nc:\n  - 1\n", file="p.yml", places=places)
    assert problems == [] and document["a"] is document["b"]
    assert str(places.of(document, "b")) == "p.yml:2"
    assert str(places.of(document["c"], 0)) == "p.yml:4"
    assert str(places.of(document["a"], "missing")) == "p.yml:1"
    assert places.of({}, "x") is None
    assert load_yaml("", file="p.yml", places=places) == (None, [])


def test_the_planning_resolver(make_repo):
    root = make_repo(
        {
            "lh.Lakehouse/.platform": platform(
                "Lakehouse", "lh", "11111111-1111-4111-8111-111111111111"
            )
        }
    )
    repository = read_repository(root)
    offline = PlanningResolver(repository=repository)
    assert isinstance(offline, TargetResolver)
    assert offline.workspace_id.startswith("<") and offline.workspace_name().startswith("<")
    assert offline.workspace_id_by_name("Other") == "<id of workspace 'Other'>"
    assert offline.item_attribute(ItemReference("Lakehouse", "lh", ItemAttribute.SQL_ENDPOINT)) == (
        "<sqlendpoint of Lakehouse 'lh'>"
    )
    assert offline.item_attribute(ItemReference("Lakehouse", "else")) is None
    assert offline.item_attribute(ItemReference("Lakehouse", "x", workspace_name="W")).startswith(
        "<id of"
    )
    assert offline.spark_pool_id("p", "Workspace") == "<id of Workspace pool 'p'>"
    target = MappingResolver(
        target_workspace_id="t",
        target_workspace_name="T",
        workspaces={"Other": "o"},
        items={(None, "Lakehouse", "else", "id"): "e"},
        spark_pools={("p", "Workspace"): "pool"},
    )
    online = PlanningResolver(repository=repository, fallback=target)
    assert (online.workspace_id, online.workspace_name(), online.workspace_id_by_name("Other")) == (
        "t",
        "T",
        "o",
    )
    assert online.item_attribute(ItemReference("Lakehouse", "else")) == "e"
    assert online.spark_pool_id("p", "Workspace") == "pool"
    assert (
        str(ItemReference("Lakehouse", "x", workspace_name="W"))
        == "id of Lakehouse 'x' in workspace 'W'"
    )


def test_parts_from_wire():
    parts = parts_from_wire(
        [
            {"path": "a.txt", "payload": base64.b64encode(b"text").decode().rstrip("=")},
            {"path": "b.bin", "payload": base64.b64encode(b"\xff").decode()},
        ]
    )
    assert [(p.path, p.data, p.is_text) for p in parts] == [
        ("a.txt", b"text", True),
        ("b.bin", b"\xff", False),
    ]
    with pytest.raises(ValueError, match="without a path"):
        parts_from_wire([{"path": 5, "payload": ""}])


def test_rendered_definition_bodies(make_repo):
    root = make_repo(
        {
            "j.SparkJobDefinition/.platform": platform(
                "SparkJobDefinition", "j", "11111111-1111-4111-8111-111111111111"
            ),
            "n.Notebook/.platform": platform(
                "Notebook", "n", "22222222-2222-4222-8222-222222222222"
            ),
        }
    )
    repository = read_repository(root)
    resolver = MappingResolver(target_workspace_id="t")
    job = render_item(
        repository.get(ItemKey("SparkJobDefinition", "j")), repository=repository, resolver=resolver
    )  # type: ignore[arg-type]
    body = job.definition()
    assert list(body) == ["format", "parts"] and body["format"] == "SparkJobDefinitionV2"
    assert body["parts"][0]["payloadType"] == "InlineBase64"
    notebook = render_item(
        repository.get(ItemKey("Notebook", "n")), repository=repository, resolver=resolver
    )  # type: ignore[arg-type]
    assert list(notebook.definition()) == ["parts"]
