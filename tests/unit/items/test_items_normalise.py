"""The canonical form: idempotent, blind to formatting and service stamps, not to changes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from fabric_action.items import DefinitionPart, definition_hash, normalise_definition

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
documents = st.dictionaries(st.text(max_size=6), json_values, max_size=5)


def _part(path: str, text: str) -> DefinitionPart:
    return DefinitionPart.from_text(path, text)


def _reordered(value):
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


@given(
    document=documents,
    indent=st.sampled_from([None, 0, 2, 4, "\t"]),
    crlf=st.booleans(),
    bom=st.booleans(),
    binary=st.binary(max_size=64),
    text=st.text(max_size=64),
)
@settings(max_examples=200, deadline=None)
def test_normalising_is_idempotent(document, indent, crlf, bom, binary, text):
    dumped = json.dumps(document, indent=indent)
    if crlf:
        dumped = dumped.replace("\n", "\r\n")
    parts = [
        _part("x.json", ("\ufeff" if bom else "") + dumped),
        DefinitionPart(path="bin.dat", data=binary, is_text=False),
        _part("notes.txt", text),
        _part(
            ".platform",
            json.dumps({"metadata": {"type": "Notebook", "displayName": "n"}, "config": {}}),
        ),
    ]
    once = normalise_definition("Notebook", parts)
    assert normalise_definition("Notebook", once) == once
    assert definition_hash("Notebook", once) == definition_hash("Notebook", parts)


@given(document=documents, indent=st.sampled_from([None, 1, 2, 4]), schema=st.booleans())
@settings(max_examples=200, deadline=None)
def test_the_hash_ignores_key_order_indentation_and_schema(document, indent, schema):
    original = dict(document, **({"$schema": "https://example.test/schema.json"} if schema else {}))
    a = [_part("pipeline-content.json", json.dumps(original))]
    b = [
        _part(
            "pipeline-content.json",
            json.dumps(_reordered(document), indent=indent, ensure_ascii=False),
        )
    ]
    assert definition_hash("DataPipeline", a) == definition_hash("DataPipeline", b)


@given(document=documents, key=st.text(min_size=1, max_size=6))
@settings(max_examples=100, deadline=None)
def test_a_changed_value_changes_the_hash(document, key):
    changed = dict(document)
    changed[key] = ["a value that was not there", document.get(key)]
    a = [_part("x.json", json.dumps(document))]
    b = [_part("x.json", json.dumps(changed))]
    assert definition_hash("Notebook", a) != definition_hash("Notebook", b)


def test_service_stamps_and_platform_regeneration_are_ignored():
    sent = [
        _part(
            ".platform",
            json.dumps(
                {
                    "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json",
                    "metadata": {"type": "DataPipeline", "displayName": "pl", "description": ""},
                    "config": {
                        "version": "2.0",
                        "logicalId": "d3b412ea-26dc-4c00-8f37-509a4123a04e",
                    },
                },
                indent=2,
            ),
        ),
        _part("pipeline-content.json", '{"properties": {"activities": []}}'),
    ]
    returned = [
        _part(
            "pipeline-content.json",
            json.dumps(
                {
                    "properties": {
                        "activities": [],
                        "lastModifiedByObjectId": "x",
                        "lastPublishTime": "2024-01-01T00:00:00Z",
                    }
                },
                indent=2,
            ),
        ),
        _part(
            ".platform",
            json.dumps(
                {
                    "metadata": {"type": "DataPipeline", "displayName": "pl"},
                    "config": {
                        "version": "2.0",
                        "logicalId": "00000000-0000-0000-0000-000000000000",
                    },
                }
            ),
        ),
    ]
    assert definition_hash("DataPipeline", sent) == definition_hash("DataPipeline", returned)
    # The same stamps on another type are content, not stamps.
    assert definition_hash("Notebook", sent) != definition_hash("Notebook", returned)


def test_canonical_forms():
    parts = normalise_definition(
        "Report",
        [
            _part("b.json", '{"b": 1, "a": [1, 2], "$schema": "s"}'),
            _part(
                ".platform",
                '{"metadata": {"type": "Report", "displayName": "r", "description": "d"}}',
            ),
            _part("a.txt", "\ufeffone\r\ntwo\r"),
            _part("broken.json", "{not json"),
            _part("list.json", "[3, 2]"),
            _part("weird.platform.json", "[]"),
            DefinitionPart(path="z.bin", data=b"\xff\x00", is_text=False),
        ],
    )
    assert [(p.path, p.data) for p in parts] == [
        (".platform", b'{"metadata":{"description":"d","displayName":"r","type":"Report"}}'),
        ("a.txt", b"one\ntwo\n"),
        ("b.json", b'{"a":[1,2],"b":1}'),
        ("broken.json", b"{not json"),
        ("list.json", b"[3,2]"),
        ("weird.platform.json", b"[]"),
        ("z.bin", b"\xff\x00"),
    ]
    odd_platform = normalise_definition("Report", [_part(".platform", '{"metadata": 5}')])
    assert odd_platform[0].data == b'{"metadata":5}'
    assert definition_hash("Report", parts).startswith("sha256:")
