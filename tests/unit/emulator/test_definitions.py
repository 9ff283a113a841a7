"""Unit tests of the definition functions and the item-type catalogue."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from fabric_emulator._definitions import (
    PLATFORM_PATH,
    ZERO_LOGICAL_ID,
    StoredDefinition,
    decode_payload,
    normalise_json,
    parse_definition,
    read_platform,
    render_platform,
    response_format,
    returned_definition,
    stamp_pipeline_content,
    value_set_names,
)
from fabric_emulator._fabric_store import DefinitionPart
from fabric_emulator._http import FabricError
from fabric_emulator._items_catalogue import (
    canonical_type,
    collection_names,
    is_valid_type_name,
)

OBJECT_ID = "463fecfa-e089-52f4-9b6e-307a7835895f"
MODIFIED_S = 1_780_000_000.0  # 2026-05-28T20:26:40Z


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _part(path: str, text: str) -> dict[str, str]:
    return {"path": path, "payload": _b64(text), "payloadType": "InlineBase64"}


def _stored(item_type: str, parts: list[tuple[str, str]], **overrides: Any) -> StoredDefinition:
    values: dict[str, Any] = {
        "item_type": item_type,
        "display_name": "x",
        "description": "",
        "format": None,
        "parts": [DefinitionPart(path=p, payload=_b64(t)) for p, t in parts],
        "modified_by": OBJECT_ID,
        "modified_s": MODIFIED_S,
    }
    values.update(overrides)
    return StoredDefinition(**values)


def _error_code(raw: Any) -> str:
    with pytest.raises(FabricError) as caught:
        parse_definition(raw)
    assert caught.value.status == 400
    return caught.value.error_code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("parts", "CorruptedPayload"),
        ({}, "CorruptedPayload"),
        ({"parts": {}}, "CorruptedPayload"),
        ({"parts": ["x"]}, "CorruptedPayload"),
        ({"parts": [{"payload": "eA==", "payloadType": "InlineBase64"}]}, "CorruptedPayload"),
        ({"parts": [{"path": "a", "payloadType": "InlineBase64"}]}, "CorruptedPayload"),
        (
            {"parts": [{"path": "a", "payload": "e$A=", "payloadType": "InlineBase64"}]},
            "CorruptedPayload",
        ),
        ({"format": 3, "parts": []}, "CorruptedPayload"),
        (
            {"parts": [{"path": "a", "payload": "eA==", "payloadType": "Inline"}]},
            "UnsupportedPayloadType",
        ),
        ({"parts": [_part("/abs.py", "x")]}, "InvalidDefinitionParts"),
        ({"parts": [_part("../up.py", "x")]}, "InvalidDefinitionParts"),
        ({"parts": [_part("a.py", "x"), _part("A.py", "y")]}, "InvalidDefinitionParts"),
        ({"parts": [_part(".platform", "not json")]}, "InvalidPlatformFile"),
        ({"parts": [_part(".platform", "[]")]}, "InvalidPlatformFile"),
    ],
)
def test_parse_definition_refuses_bad_definitions(raw: Any, code: str) -> None:
    assert _error_code(raw) == code


def test_parse_definition_splits_off_platform_and_keeps_payloads_as_sent() -> None:
    platform = json.dumps(
        {"metadata": {"type": "Notebook", "displayName": "nb", "description": "d"}}
    )
    sent = parse_definition(
        {
            "format": "ipynb",
            "parts": [
                _part(PLATFORM_PATH, platform),
                {"path": "nb.ipynb", "payload": "eyJ9", "payloadType": "InlineBase64"},
            ],
        }
    )
    assert sent.format == "ipynb"
    assert [(p.path, p.payload) for p in sent.parts] == [("nb.ipynb", "eyJ9")]
    assert sent.platform is not None
    assert (sent.platform.type, sent.platform.display_name, sent.platform.description) == (
        "Notebook",
        "nb",
        "d",
    )


def test_decode_payload_tolerates_missing_padding_only() -> None:
    assert decode_payload("eA") == b"x"
    assert decode_payload("eA==") == b"x"
    with pytest.raises(ValueError):
        decode_payload("e!A=")


def test_read_platform_reads_missing_fields_as_none() -> None:
    metadata = read_platform(b'{"metadata": {"type": "Lakehouse", "description": 5}}')
    assert metadata.type == "Lakehouse"
    assert metadata.display_name is None
    assert metadata.description is None


def test_render_platform_has_zero_logical_id_and_description_only_when_set() -> None:
    with_text = json.loads(render_platform("Report", "Sales", "Monthly"))
    without = json.loads(render_platform("Report", "Sales", ""))
    assert with_text["metadata"] == {
        "type": "Report",
        "displayName": "Sales",
        "description": "Monthly",
    }
    assert without["metadata"] == {"type": "Report", "displayName": "Sales"}
    assert without["config"] == {"version": "2.0", "logicalId": ZERO_LOGICAL_ID}
    assert list(without) == ["$schema", "metadata", "config"]
    assert render_platform("Report", "Ünïcode", "").decode("utf-8").count("Ünïcode") == 1


@pytest.mark.parametrize(
    ("item_type", "sent", "paths", "expected"),
    [
        ("Report", "PBIR", ["definition.pbir", "report.json"], "PBIR"),
        ("Report", None, ["definition.pbir", "definition/report.json"], "PBIR"),
        ("Report", None, ["definition.pbir", "report.json"], "PBIR-Legacy"),
        ("SemanticModel", None, ["definition.pbism", "model.bim"], "TMSL"),
        ("SemanticModel", None, ["definition.pbism", "definition/model.tmdl"], "TMDL"),
        ("SemanticModel", "TMSL", ["model.bim"], "TMSL"),
        ("SQLDatabase", None, ["x.dacpac"], "dacpac"),
        ("Notebook", "ipynb", ["notebook-content.ipynb"], None),
        ("SparkJobDefinition", "SparkJobDefinitionV2", ["SparkJobDefinitionV1.json"], None),
    ],
)
def test_response_format(
    item_type: str, sent: str | None, paths: list[str], expected: str | None
) -> None:
    assert response_format(item_type, sent, paths) == expected


def test_stamp_pipeline_content_adds_service_fields_in_place() -> None:
    stamped = json.loads(
        stamp_pipeline_content(
            b'{"properties": {"activities": [], "lastPublishTime": "old"}, "name": "p"}',
            object_id=OBJECT_ID,
            modified_s=MODIFIED_S,
        )
    )
    assert list(stamped) == ["properties", "name"]
    assert stamped["properties"] == {
        "activities": [],
        "lastPublishTime": "2026-05-28T20:26:40Z",
        "lastModifiedByObjectId": OBJECT_ID,
    }


@pytest.mark.parametrize("content", [b"not json", b"[]", b'{"properties": 3}'])
def test_stamp_pipeline_content_leaves_other_documents_alone(content: bytes) -> None:
    assert stamp_pipeline_content(content, object_id=OBJECT_ID, modified_s=0) == content


def test_normalise_json_indents_and_keeps_key_order() -> None:
    assert normalise_json(b'{"b":1,"a":[1,2]}') == b'{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}'
    assert normalise_json(b"\xff not json") == b"\xff not json"


def test_returned_definition_default_profile() -> None:
    stored = _stored(
        "DataPipeline",
        [("pipeline-content.json", '{"properties":{}}'), ("extra.json", '{"b":1,"a":2}')],
        description="Copies sales",
    )
    definition = returned_definition(stored, realism=False)
    paths = [part["path"] for part in definition["parts"]]
    assert paths == ["pipeline-content.json", "extra.json", PLATFORM_PATH]
    assert "format" not in definition
    assert definition["parts"][1]["payload"] == stored.parts[1].payload
    content = json.loads(base64.b64decode(definition["parts"][0]["payload"]))
    assert content["properties"]["lastModifiedByObjectId"] == OBJECT_ID
    platform = json.loads(base64.b64decode(definition["parts"][2]["payload"]))
    assert platform["metadata"]["description"] == "Copies sales"
    assert all(part["payloadType"] == "InlineBase64" for part in definition["parts"])


def test_returned_definition_realism_normalises_json_except_notebooks() -> None:
    lakehouse = returned_definition(_stored("Lakehouse", [("a.json", '{"b":1}')]), realism=True)
    notebook = returned_definition(_stored("Notebook", [("a.json", '{"b":1}')]), realism=True)
    other = returned_definition(_stored("Lakehouse", [("a.yml", "k:  v")]), realism=True)
    assert base64.b64decode(lakehouse["parts"][0]["payload"]) == b'{\n  "b": 1\n}'
    assert base64.b64decode(notebook["parts"][0]["payload"]) == b'{"b":1}'
    assert base64.b64decode(other["parts"][0]["payload"]) == b"k:  v"


def test_returned_definition_puts_format_first() -> None:
    definition = returned_definition(
        _stored("Report", [("report.json", "{}")], format="PBIR-Legacy"), realism=False
    )
    assert list(definition) == ["format", "parts"]
    assert definition["format"] == "PBIR-Legacy"


def test_value_set_names_prefer_the_declared_name() -> None:
    parts = [
        DefinitionPart(path="valueSets/PPE.json", payload=_b64('{"name": "Pre-prod"}')),
        DefinitionPart(path="valueSets/Prod.json", payload=_b64("{}")),
        DefinitionPart(path="valueSets/readme.txt", payload=_b64("x")),
        DefinitionPart(path="variables.json", payload=_b64('{"name": "no"}')),
    ]
    assert value_set_names(parts) == ["Pre-prod", "Prod"]


@pytest.mark.parametrize(
    ("item_type", "names"),
    [
        ("Lakehouse", ("lakehouses",)),
        ("VariableLibrary", ("variableLibraries", "variablelibrarys")),
        ("KQLDatabase", ("kqlDatabases",)),
        ("SQLEndpoint", ("sqlEndpoints",)),
        ("Reflex", ("reflexes", "reflexs")),
        ("MountedDataFactory", ("mountedDataFactories", "mounteddatafactorys")),
        ("Map", ("maps",)),
        ("GraphQLApi", ("graphQLApis",)),
    ],
)
def test_collection_names(item_type: str, names: tuple[str, ...]) -> None:
    assert collection_names(item_type) == names


def test_type_names_pass_through_when_well_formed() -> None:
    assert canonical_type("dataPIPELINE") == "DataPipeline"
    assert canonical_type("QuantumLedger") == "QuantumLedger"
    assert is_valid_type_name("QuantumLedger2")
    assert not is_valid_type_name("Two words")
    assert not is_valid_type_name("")
    assert not is_valid_type_name("9Lives")
