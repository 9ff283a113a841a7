"""getDefinition and updateDefinition over HTTPS: what the service gives back and applies.

(Named ``test_items_definitions`` so its module name differs from the unit tests'
``test_definitions``: the test folders are not packages.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from items_support import (
    ZERO_ID,
    assert_error,
    create_item,
    create_workspace,
    default_object_id,
    get_definition,
    part,
    parts_by_path,
    platform,
    set_config,
)

from fabric_emulator._clock import format_fabric_timestamp
from fabric_emulator.testing import RunningEmulator

PIPELINE: dict[str, Any] = {
    "name": "pl_copy",
    "properties": {"activities": [{"name": "Wait", "type": "Wait"}]},
}


@pytest.fixture
def workspace_id(fabric: Any) -> str:
    """A fresh workspace where the default app is Admin."""
    return create_workspace(fabric)


def _create(
    fabric: Any, workspace_id: str, item_type: str, name: str, *parts: Any, **extra: Any
) -> str:
    definition: dict[str, Any] = {"parts": list(parts)}
    definition.update(extra)
    body = {"displayName": name, "type": item_type, "definition": definition}
    return str(create_item(fabric, workspace_id, body)["id"])


def test_platform_is_regenerated_last_and_other_parts_come_back_byte_for_byte(
    fabric: Any, workspace_id: str
) -> None:
    # Unpadded base64 and CRLF line ends: the payload string must come back unchanged.
    content = {
        "path": "notebook-content.py",
        "payload": "IyBGYWJyaWMNCnByaW50KDEp",
        "payloadType": "InlineBase64",
    }
    item_id = _create(
        fabric,
        workspace_id,
        "Notebook",
        "nb",
        platform("Notebook", "nb", "Loads sales"),
        content,
        part("notebook-settings.json", '{"b":1,   "a":2}'),
    )
    definition = get_definition(fabric, workspace_id, item_id, format="ipynb")

    assert "format" not in definition
    assert [p["path"] for p in definition["parts"]] == [
        "notebook-content.py",
        "notebook-settings.json",
        ".platform",
    ]
    assert definition["parts"][0]["payload"] == content["payload"]
    assert parts_by_path(definition)["notebook-settings.json"] == b'{"b":1,   "a":2}'
    dot_platform = json.loads(parts_by_path(definition)[".platform"])
    assert dot_platform["metadata"] == {
        "type": "Notebook",
        "displayName": "nb",
        "description": "Loads sales",
    }
    assert dot_platform["config"] == {"version": "2.0", "logicalId": ZERO_ID}
    assert dot_platform["$schema"].endswith("platformProperties/2.0.0/schema.json")


def test_platform_leaves_out_an_empty_description(fabric: Any, workspace_id: str) -> None:
    item_id = _create(fabric, workspace_id, "Notebook", "nb", part("notebook-content.py", "x"))
    dot_platform = json.loads(
        parts_by_path(get_definition(fabric, workspace_id, item_id))[".platform"]
    )
    assert "description" not in dot_platform["metadata"]


@pytest.mark.parametrize(
    ("item_type", "parts", "sent_format", "expected"),
    [
        ("Report", [("definition.pbir", "{}"), ("definition/report.json", "{}")], "PBIR", "PBIR"),
        ("Report", [("definition.pbir", "{}"), ("report.json", "{}")], None, "PBIR-Legacy"),
        ("SemanticModel", [("definition.pbism", "{}"), ("model.bim", "{}")], None, "TMSL"),
        (
            "SemanticModel",
            [("definition.pbism", "{}"), ("definition/model.tmdl", "model Model")],
            "TMDL",
            "TMDL",
        ),
        ("SQLDatabase", [("db.dacpac", "PK")], None, "dacpac"),
        ("SparkJobDefinition", [("SparkJobDefinitionV1.json", "{}")], "SparkJobDefinitionV2", None),
    ],
)
def test_format_is_returned_only_for_report_semantic_model_and_sql_database(
    fabric: Any,
    workspace_id: str,
    item_type: str,
    parts: list[tuple[str, str]],
    sent_format: str | None,
    expected: str | None,
) -> None:
    extra = {"format": sent_format} if sent_format else {}
    item_id = _create(
        fabric, workspace_id, item_type, "x", *(part(p, c) for p, c in parts), **extra
    )
    assert get_definition(fabric, workspace_id, item_id).get("format") == expected


def test_pipeline_content_gets_service_stamped_fields(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    item_id = _create(
        fabric, workspace_id, "DataPipeline", "pl", part("pipeline-content.json", PIPELINE)
    )
    created_at = emulator.emulator.clock.now()
    emulator.advance(90)
    content = json.loads(
        parts_by_path(get_definition(fabric, workspace_id, item_id))["pipeline-content.json"]
    )

    assert content["name"] == "pl_copy"
    assert content["properties"]["activities"] == PIPELINE["properties"]["activities"]
    assert content["properties"]["lastModifiedByObjectId"] == default_object_id(emulator)
    expected_time = format_fabric_timestamp(created_at)[:19] + "Z"
    assert content["properties"]["lastPublishTime"] == expected_time


def test_realism_normalises_json_parts_but_not_notebooks(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, profile="realism")
    compact = '{"z":1,"a":{"k":[1,2]}}'
    lakehouse = _create(
        fabric, workspace_id, "Lakehouse", "lh", part("lakehouse.metadata.json", compact)
    )
    notebook = _create(
        fabric, workspace_id, "Notebook", "nb", part("notebook-content.json", compact)
    )

    normalised = parts_by_path(get_definition(fabric, workspace_id, lakehouse))
    assert (
        normalised["lakehouse.metadata.json"] == json.dumps(json.loads(compact), indent=2).encode()
    )
    assert list(json.loads(normalised["lakehouse.metadata.json"])) == ["z", "a"]
    untouched = parts_by_path(get_definition(fabric, workspace_id, notebook))
    assert untouched["notebook-content.json"] == compact.encode()


def test_update_definition_applies_platform_only_with_update_metadata(
    fabric: Any, workspace_id: str
) -> None:
    item_id = _create(fabric, workspace_id, "Notebook", "nb", part("notebook-content.py", "v1"))
    url = f"/v1/workspaces/{workspace_id}/items/{item_id}/updateDefinition"
    new_parts = [part("notebook-content.py", "v2"), platform("Notebook", "nb renamed", "new")]

    plain = fabric.post(url, json={"definition": {"parts": new_parts}})
    assert plain.status_code == 202
    item = fabric.get(f"/v1/workspaces/{workspace_id}/items/{item_id}").json()
    assert (item["displayName"], item["description"]) == ("nb", "")
    assert (
        parts_by_path(get_definition(fabric, workspace_id, item_id))["notebook-content.py"] == b"v2"
    )

    with_metadata = fabric.post(
        url, params={"updateMetadata": "True"}, json={"definition": {"parts": new_parts}}
    )
    assert with_metadata.status_code == 202
    item = fabric.get(f"/v1/workspaces/{workspace_id}/items/{item_id}").json()
    assert (item["displayName"], item["description"]) == ("nb renamed", "new")


def test_update_definition_refuses_a_taken_name_and_a_missing_definition(
    fabric: Any, workspace_id: str
) -> None:
    _create(fabric, workspace_id, "Notebook", "taken", part("notebook-content.py", "x"))
    item_id = _create(fabric, workspace_id, "Notebook", "nb", part("notebook-content.py", "x"))
    url = f"/v1/workspaces/{workspace_id}/items/{item_id}/updateDefinition?updateMetadata=true"
    parts = [part("notebook-content.py", "y"), platform("Notebook", "Taken")]
    assert_error(
        fabric.post(url, json={"definition": {"parts": parts}}), 400, "ItemDisplayNameAlreadyInUse"
    )
    assert_error(fabric.post(url, json={}), 400, "MissingDefinition")
    content = parts_by_path(get_definition(fabric, workspace_id, item_id))["notebook-content.py"]
    assert content == b"x"


def test_types_without_definitions_refuse_definition_calls(fabric: Any, workspace_id: str) -> None:
    dashboard = create_item(fabric, workspace_id, {"displayName": "d", "type": "Dashboard"})
    url = f"/v1/workspaces/{workspace_id}/items/{dashboard['id']}"
    assert_error(fabric.post(f"{url}/getDefinition"), 400, "OperationNotSupportedForItem")
    update = fabric.post(f"{url}/updateDefinition", json={"definition": {"parts": []}})
    assert_error(update, 400, "OperationNotSupportedForItem")


def test_instant_mode_answers_definition_calls_inline(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, item_create_lro=False)
    item_id = _create(fabric, workspace_id, "Notebook", "nb", part("notebook-content.py", "x"))
    url = f"/v1/workspaces/{workspace_id}/items/{item_id}"
    got = fabric.post(f"{url}/getDefinition")
    assert got.status_code == 200
    assert [p["path"] for p in got.json()["definition"]["parts"]] == [
        "notebook-content.py",
        ".platform",
    ]
    updated = fabric.post(
        f"{url}/updateDefinition",
        json={"definition": {"parts": [part("notebook-content.py", "y")]}},
    )
    assert updated.status_code == 200
    assert updated.content == b""
    assert updated.headers["Content-Type"] == "application/octet-stream"
