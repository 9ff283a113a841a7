"""The YAML reader: positions, duplicate keys, core-schema scalars, tags and bounds.

Every test runs on both of PyYAML's parsers (libyaml and pure Python), which must agree.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml

from fabric_action.config._limits import FatalParseError, ParseLimits
from fabric_action.config._yaml_reader import EventSourceFactory, YamlComposer

PARSERS = {"libyaml": yaml.CSafeLoader, "pure": yaml.SafeLoader}


@pytest.fixture(params=sorted(PARSERS))
def parser(request: pytest.FixtureRequest) -> EventSourceFactory:
    factory: EventSourceFactory = PARSERS[request.param]
    return factory


def compose(text: str, parser: EventSourceFactory, **limits: int) -> YamlComposer:
    composer = YamlComposer(text, "c.yml", ParseLimits(**limits), parser)
    composer.data = composer.compose()  # type: ignore[attr-defined]
    return composer


def data(text: str, parser: EventSourceFactory) -> Any:
    return compose(text, parser).data  # type: ignore[attr-defined]


def fatal(text: str, parser: EventSourceFactory, **limits: int) -> tuple[str, str, int | None]:
    with pytest.raises(FatalParseError) as raised:
        YamlComposer(text, "c.yml", ParseLimits(**limits), parser).compose()
    last = raised.value.problems[-1]
    return last.code, last.message, last.line


def test_records_value_and_key_positions(parser: EventSourceFactory) -> None:
    composer = compose("a: 1\nb:\n  - x\n  - {c: true}\n", parser)

    assert composer.data == {"a": 1, "b": ["x", {"c": True}]}  # type: ignore[attr-defined]
    assert composer.value_positions[("a",)] == (1, 4)
    assert composer.value_positions[("b", 0)] == (3, 5)
    assert composer.value_positions[("b", 1, "c")] == (4, 9)
    assert composer.key_positions[("b",)] == (2, 1)
    assert composer.key_positions[("b", 1, "c")] == (4, 6)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("~", None),
        ("null", None),
        ("", None),
        ("true", True),
        ("FALSE", False),
        ("yes", "yes"),
        ("on", "on"),
        ("NO", "NO"),
        ("2024-01-01", "2024-01-01"),
        ("12", 12),
        ("-7", -7),
        ("0o17", 15),
        ("0x1F", 31),
        ("0755", 755),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("-.inf", -math.inf),
        ("1_000", "1_000"),
        ("'true'", "true"),
        ('"12"', "12"),
        ("! 12", "12"),
        ("!!str 12", "12"),
        ("!!int 12", 12),
        ("!!float 2", 2.0),
        ("!!bool true", True),
        ("!!null ~", None),
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema(
    text: str, value: object, parser: EventSourceFactory
) -> None:
    assert data(f"v: {text}\n", parser) == {"v": value}


def test_nan_is_a_float(parser: EventSourceFactory) -> None:
    assert math.isnan(data("v: .nan\n", parser)["v"])


def test_duplicate_keys_are_all_reported_and_the_first_value_kept(
    parser: EventSourceFactory,
) -> None:
    composer = compose("a: 1\nb: {x: 1, x: 2}\na: {deep: {x: 1, x: 2}}\n", parser)

    assert composer.data == {"a": 1, "b": {"x": 1}}  # type: ignore[attr-defined]
    assert [(p.line, p.column, p.path, p.message) for p in composer.problems] == [
        (2, 11, "b.x", "duplicate key 'x' (first defined at line 2); remove one of them"),
        (3, 1, "a", "duplicate key 'a' (first defined at line 1); remove one of them"),
    ]
    assert composer.value_positions[("a",)] == (1, 4)  # not the discarded duplicate's


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("v: !!binary aGk=\n", "the tag !!binary is not allowed"),
        ("v: !!timestamp 2024-01-01\n", "the tag !!timestamp is not allowed"),
        ("v: !vault x\n", "the tag !vault is not allowed"),
        ("v: !!python/object/apply:os.system [x]\n", "the tag !!python/object/apply:os.system"),
        ("v: !!set {a: null}\n", "the tag !!set is not allowed"),
        ("v: !!int twelve\n", "'twelve' is not a valid !!int value"),
    ],
)
def test_tags_beyond_the_core_schema_are_problems(
    text: str, message: str, parser: EventSourceFactory
) -> None:
    composer = compose(text, parser)

    assert [problem.code for problem in composer.problems] == ["syntax.tag"]
    assert composer.problems[0].message.startswith(message)
    assert composer.problems[0].path == "v"


def test_aliases_share_the_anchored_value(parser: EventSourceFactory) -> None:
    composer = compose("a: &x [1, 2]\nb: *x\nc: &y s\nd: *y\n", parser)

    result = composer.data  # type: ignore[attr-defined]
    assert result == {"a": [1, 2], "b": [1, 2], "c": "s", "d": "s"}
    assert result["a"] is result["b"]
    assert composer.value_positions[("b",)] == (2, 4)


def test_alias_bomb_stops_at_the_node_budget(parser: EventSourceFactory) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 10) + "]"
        for p, c in zip("abcd", "bcde", strict=True)
    ]

    code, message, line = fatal("\n".join(levels) + "\n", parser, max_nodes=1000)

    assert code == "limit.nodes"
    assert "more than 1000 values" in message
    assert line == 3  # a: 11 values, b: 111, c: 1111 (> 1000)


def test_too_many_aliases(parser: EventSourceFactory) -> None:
    code, message, line = fatal("a: &a 1\nb: [*a, *a, *a]\n", parser, max_aliases=2)

    assert (code, line) == ("limit.aliases", 2)
    assert message.startswith("more than 2 aliases")


def test_depth_limit(parser: EventSourceFactory) -> None:
    assert data("a: [[[1]]]\n", parser) == {"a": [[[1]]]}
    code, _, line = fatal("a:\n  b:\n    c: [[1]]\n", parser, max_depth=4)
    assert (code, line) == ("limit.depth", 3)


def test_undefined_and_recursive_aliases(parser: EventSourceFactory) -> None:
    assert fatal("a: *nope\n", parser)[:2] == (
        "syntax.alias",
        "the alias *nope names no anchor defined before it (&nope)",
    )
    assert fatal("a: &x [*x]\n", parser)[0] == "syntax.alias"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("<<: {a: 1}\n", "syntax.merge-key", 1),
        ("? [a]\n: 1\n", "syntax.key", 1),
        ("? {a: 1}\n: 1\n", "syntax.key", 1),
        ("a: 1\n---\nb: 2\n", "syntax.documents", 2),
        ("a: [1\n", "syntax.yaml", 2),
    ],
)
def test_structural_faults(text: str, code: str, line: int, parser: EventSourceFactory) -> None:
    assert fatal(text, parser)[0::2] == (code, line)


def test_quoted_merge_key_is_an_ordinary_key(parser: EventSourceFactory) -> None:
    assert data("'<<': 1\n", parser) == {"<<": 1}


def test_tab_indentation_is_explained(parser: EventSourceFactory) -> None:
    code, message, line = fatal("a:\n\tb: 1\n", parser)

    assert (code, line) == ("syntax.yaml", 2)
    assert message == "a tab cannot indent YAML or start a value here; indent with spaces"


def test_syntax_error_names_where_the_construct_began(parser: EventSourceFactory) -> None:
    _, message, line = fatal("a: 1\nb: {c: 1,\n  d: 2\n", parser)

    assert line == 4
    assert message.startswith("YAML syntax error: ")
    assert "(while parsing a flow mapping at line 2, column 4)" in message


def test_number_longer_than_python_converts(parser: EventSourceFactory) -> None:
    composer = compose("a: " + "9" * 5000 + "\n", parser)

    assert composer.data == {"a": "9" * 5000}  # type: ignore[attr-defined]
    assert [(p.code, p.message) for p in composer.problems] == [
        ("syntax.number", "this number is too long; quote it if it is text")
    ]


def test_empty_stream_is_none(parser: EventSourceFactory) -> None:
    assert data("# nothing\n", parser) is None


def test_anchor_on_a_scalar_inside_a_list(parser: EventSourceFactory) -> None:
    assert data("a: [&v 1, *v]\n", parser) == {"a": [1, 1]}


def test_explicit_map_and_seq_tags_are_accepted(parser: EventSourceFactory) -> None:
    assert data("a: !!map {b: !!seq [1]}\n", parser) == {"a": {"b": [1]}}
