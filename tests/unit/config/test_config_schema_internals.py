"""Corners of the schema translation that real configs reach only rarely."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from fabric_action.config._layers import Layer, Source, source_at
from fabric_action.config._load import _place_in_layers
from fabric_action.config._schema import Finding, describe_error, draft_2020_12_validator


def findings(schema: dict[str, Any], instance: Any) -> list[tuple[str, str]]:
    validator_class = draft_2020_12_validator()
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        (finding.code, finding.message)
        for error in validator.iter_errors(instance)
        for finding in describe_error(error)
    ]


@pytest.mark.parametrize(
    ("schema", "instance", "message"),
    [
        ({"type": "string"}, 1.5, "must be text, not a number (1.5)"),
        ({"type": "string"}, [1], "must be text, not a list"),
        ({"type": "string"}, None, "must be text, not null"),
        ({"type": ["string", "null"]}, True, "must be text or null, not true/false (true)"),
        ({"minProperties": 2}, {"a": 1}, "is empty; it needs at least 2 entries"),
        ({"minLength": 3}, "ab", "must be at least 3 characters long"),
        ({"pattern": "^a"}, "b", "'b' is not text matching ^a"),
        ({"format": "uuid"}, "x", "'x' is not a valid uuid"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 1, "1 is not one of the allowed forms"),
        ({"enum": ["A", "B"]}, 3, "3 is not one of A, B"),
        ({"const": 1}, 2, "must be 1, not 2"),
        ({"uniqueItems": True}, [1, 1], "[1, 1] has non-unique elements"),
    ],
)
def test_messages_without_annotations(schema: dict[str, Any], instance: Any, message: str) -> None:
    [(_, found)] = findings(schema, instance)

    assert found == message


@pytest.fixture
def fresh_import() -> Iterator[None]:
    draft_2020_12_validator.cache_clear()
    yield
    draft_2020_12_validator.cache_clear()


@pytest.mark.usefixtures("fresh_import")
def test_an_already_imported_rfc3987_syntax_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in = types.ModuleType("rfc3987_syntax")
    monkeypatch.setitem(sys.modules, "rfc3987_syntax", stand_in)

    assert draft_2020_12_validator().FORMAT_CHECKER.conforms(
        "6f1c0b7e-0000-0000-0000-000000000001", "uuid"
    )
    assert sys.modules["rfc3987_syntax"] is stand_in


@pytest.mark.usefixtures("fresh_import")
def test_the_block_on_rfc3987_syntax_is_lifted_after_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)

    draft_2020_12_validator()

    assert "rfc3987_syntax" not in sys.modules


def test_source_of_a_path_nobody_set_is_the_built_in_default() -> None:
    assert source_at({}, ("a", "b")) == Source(layer=Layer.TIER_DEFAULT, origin="built-in")


def test_a_missing_key_without_an_input_gets_no_input_hint() -> None:
    sources = {(): Source(layer=Layer.TIER_DEFAULT, origin="built-in")}

    problem = _place_in_layers(
        sources, Finding("schema.required", "missing required key 'x'", (), missing_key="x")
    )

    assert problem.message == "missing required key 'x'"
    assert problem.origin == "built-in"
