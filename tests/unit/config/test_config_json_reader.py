"""The JSON reader: JSON's exact rules, positions, duplicate keys and bounds."""

from __future__ import annotations

from typing import Any

import pytest

from fabric_action.config._json_reader import JsonComposer
from fabric_action.config._limits import FatalParseError, ParseLimits


def compose(text: str, **limits: int) -> tuple[Any, JsonComposer]:
    composer = JsonComposer(text, "c.json", ParseLimits(**limits))
    return composer.compose(), composer


def fatal(text: str, **limits: int) -> tuple[str, str, int | None, int | None]:
    with pytest.raises(FatalParseError) as raised:
        JsonComposer(text, "c.json", ParseLimits(**limits)).compose()
    last = raised.value.problems[-1]
    return last.code, last.message, last.line, last.column


def test_values_and_positions_with_tabs_and_escapes() -> None:
    text = (
        '{\n\t"a": [1,\t2e3, -0.5],\n\t"b": {"c": "x\\/y \\ud83d\\ude80", "d": null},\n'
        '\t"e": true, "f": false, "g": {}, "h": []\n}\n'
    )

    value, composer = compose(text)

    assert value == {
        "a": [1, 2000.0, -0.5],
        "b": {"c": "x/y 🚀", "d": None},
        "e": True,
        "f": False,
        "g": {},
        "h": [],
    }
    assert composer.value_positions[()] == (1, 1)
    assert composer.value_positions[("a", 1)] == (2, 11)
    assert composer.value_positions[("b", "c")] == (3, 13)
    assert composer.key_positions[("b",)] == (3, 2)
    assert composer.value_positions[("h",)] == (4, 39)


def test_duplicate_keys_are_reported_and_the_first_value_kept() -> None:
    value, composer = compose('{"a": 1, "b": {"x": 1, "x": {"y": 1, "y": 2}},\n "a": 2}')

    assert value == {"a": 1, "b": {"x": 1}}
    assert [(p.line, p.column, p.path) for p in composer.problems] == [
        (1, 24, "b.x"),
        (2, 2, "a"),
    ]


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ('{"a": 1 "b": 2}', "expected ',' or '}'", 9),
        ('{"a": [1 2]}', "expected ',' or ']'", 10),
        ('{"a": 1,}', "JSON allows no comma before '}'", 8),
        ('{"a": [1,]}', "JSON allows no comma before ']'", 9),
        ('{"a" 1}', "expected ':' after the key 'a'", 6),
        ("{a: 1}", "expected a key in double quotes", 2),
        (
            '{"a": NaN}',
            "expected a string, number, true, false, null, object or array, found 'N'",
            7,
        ),
        ('{"a": }', "expected a string, number, true, false, null, object or array, found '}'", 7),
        ('{"a": tru}', "JSON syntax error: Expecting value", 7),
        ('{"a": "x\ty"}', "JSON syntax error: Invalid control character at", 9),
        ('{"a": "x', "JSON syntax error: Unterminated string starting at", 7),
        ('{"a": 1} x', "unexpected text after the JSON document", 10),
        (
            '{"a": ',
            "expected a string, number, true, false, null, object or array, found the end",
            7,
        ),
    ],
)
def test_syntax_errors_have_a_place(text: str, message: str, column: int) -> None:
    code, found, line, at = fatal(text)

    assert (code, line, at) == ("syntax.json", 1, column)
    assert found.startswith(message)


def test_number_too_long() -> None:
    assert fatal('{"a": ' + "9" * 5000 + "}")[:3] == (
        "syntax.number",
        "this number is too long; quote it if it is text",
        1,
    )


def test_depth_and_node_limits() -> None:
    assert compose('{"a": [[1]]}', max_depth=3)[0] == {"a": [[1]]}
    assert fatal('{"a": [[[1]]]}', max_depth=3)[0::2] == ("limit.depth", 1)
    assert fatal("[" + "1," * 20 + "1]", max_nodes=10)[0] == "limit.nodes"


def test_positions_asked_out_of_order_are_still_right() -> None:
    _, composer = compose('{\n"a":\n1}')

    assert composer._position(1) == (1, 2)  # before what was already counted
    assert composer.value_positions[("a",)] == (3, 1)
