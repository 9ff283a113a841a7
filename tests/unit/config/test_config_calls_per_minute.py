"""``api.calls_per_minute``: the identity's call quota the client paces itself to.

A whole number 0-100000, default 200 (0: no pacing, 429 + Retry-After only), given at the
top level, per environment, by the variable FABRIC_ACTION_CALLS_PER_MINUTE or the input
callsPerMinute, with the one precedence of every setting; bad values name their place.
"""

from __future__ import annotations

import pytest
from config_unit_support import Repository, config_text, indent, place_of, workspace

from fabric_action import cli
from fabric_action.config import SETTINGS, Layer, format_effective_config
from fabric_action.config._settings import ACTION_INPUTS, setting_at
from fabric_action.errors import ExitCode

INPUT, VARIABLE = "INPUT_CALLSPERMINUTE", "FABRIC_ACTION_CALLS_PER_MINUTE"


def _text(*, top: str = "", section: str = "") -> str:
    return config_text("dev:\n" + indent(section + workspace()), top=top)


def test_default_is_fabrics_documented_quota(repo: Repository) -> None:
    config = repo.load(_text())

    assert config.api.calls_per_minute == 200
    source = config.sources["api.calls_per_minute"]
    assert (source.layer, source.origin) == (Layer.TIER_DEFAULT, "built-in")
    assert config.values["api.calls_per_minute"] == 200


def test_setting_has_an_input_and_a_variable() -> None:
    setting = setting_at(("api", "calls_per_minute"))

    assert setting is not None
    assert (setting.input_name, setting.variable, setting.kind) == (
        "callsPerMinute",
        VARIABLE,
        int,
    )
    assert setting in SETTINGS
    assert "callsPerMinute" in ACTION_INPUTS


@pytest.mark.parametrize(
    ("environ", "top", "section", "expected", "layer"),
    [
        ({}, "api: {calls_per_minute: 40}\n", "", 40, Layer.TOP_LEVEL),
        (
            {},
            "api: {calls_per_minute: 40}\n",
            "api: {calls_per_minute: 30}\n",
            30,
            Layer.ENVIRONMENT_SECTION,
        ),
        ({VARIABLE: "20"}, "", "api: {calls_per_minute: 30}\n", 20, Layer.ENVIRONMENT_VARIABLE),
        ({VARIABLE: "20", INPUT: " 10 "}, "", "api: {calls_per_minute: 30}\n", 10, Layer.INPUT),
        ({INPUT: "0"}, "api: {calls_per_minute: 40}\n", "", 0, Layer.INPUT),
        ({INPUT: ""}, "", "api: {calls_per_minute: 0}\n", 0, Layer.ENVIRONMENT_SECTION),
    ],
)
def test_precedence_is_input_variable_section_top_default(
    repo: Repository,
    environ: dict[str, str],
    top: str,
    section: str,
    expected: int,
    layer: Layer,
) -> None:
    config = repo.load(_text(top=top, section=section), environ=environ)

    assert config.api.calls_per_minute == expected
    assert config.sources["api.calls_per_minute"].layer is layer


def test_largest_value_is_accepted(repo: Repository) -> None:
    config = repo.load(_text(top="api: {calls_per_minute: 100000}\n"))

    assert config.api.calls_per_minute == 100000


def test_a_whole_float_is_taken_as_the_integer_json_schema_says_it_is(repo: Repository) -> None:
    config = repo.load(_text(top="api: {calls_per_minute: 30.0}\n"))

    assert config.api.calls_per_minute == 30
    assert type(config.api.calls_per_minute) is int


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("-1", "schema.minimum", "at least 0"),
        ("100001", "schema.maximum", "at most 100000"),
        ("1.5", "schema.type", "a whole number"),
        ("abc", "schema.type", "a whole number"),
        ("true", "schema.type", "a whole number"),
        ("null", "schema.type", "a whole number"),
    ],
)
def test_a_bad_file_value_is_placed_at_its_line_and_column(
    repo: Repository, value: str, code: str, message: str
) -> None:
    text = _text(section=f"api: {{calls_per_minute: {value}}}\n")

    [problem] = repo.problems(text)

    assert problem.code == code
    assert message in problem.message
    assert (problem.line, problem.column) == place_of(text, value + "}")
    assert problem.path == "environments.dev.api.calls_per_minute"
    assert problem.file.endswith("fabric-action.yml")


def test_an_unknown_key_of_api_is_refused(repo: Repository) -> None:
    text = _text(top="api: {calls_per_minutes: 10}\n")

    [problem] = repo.problems(text)

    assert problem.code == "schema.additionalProperties"
    assert "calls_per_minute" in problem.message
    assert problem.line == place_of(text, "calls_per_minutes")[0]


@pytest.mark.parametrize(
    ("variable", "value", "origin"),
    [
        (INPUT, "abc", "input callsPerMinute (INPUT_CALLSPERMINUTE)"),
        (INPUT, "-5", "input callsPerMinute (INPUT_CALLSPERMINUTE)"),
        (INPUT, "1.5", "input callsPerMinute (INPUT_CALLSPERMINUTE)"),
        (VARIABLE, "200/min", f"environment variable {VARIABLE}"),
    ],
)
def test_a_value_that_is_not_a_whole_number_names_its_input_or_variable(
    repo: Repository, variable: str, value: str, origin: str
) -> None:
    [problem] = repo.problems(_text(), environ={variable: value})

    assert problem.code == "input.invalid"
    assert problem.message == f"{value!r} is not a whole number of calls per minute"
    assert (problem.origin, problem.path, problem.file) == (origin, "api.calls_per_minute", "")


def test_an_out_of_range_input_is_checked_like_the_file(repo: Repository) -> None:
    [problem] = repo.problems(_text(), environ={INPUT: "100001"})

    assert (problem.code, problem.origin, problem.path) == (
        "schema.maximum",
        "input callsPerMinute (INPUT_CALLSPERMINUTE)",
        "api.calls_per_minute",
    )


def _shown(text: str) -> dict[str, str]:
    return {
        line.split(" = ")[0].strip(): line.split(" = ", 1)[1]
        for line in text.splitlines()
        if " = " in line
    }


def test_show_prints_the_value_and_its_source(repo: Repository) -> None:
    text = _text(top="api: {calls_per_minute: 40}\n")
    line, column = place_of(text, "40}")

    shown = _shown(format_effective_config(repo.load(text)))
    from_input = _shown(format_effective_config(repo.load(text, environ={INPUT: "7"})))
    default = _shown(format_effective_config(repo.load(_text())))

    path = repo.root / "fabric-action.yml"
    assert shown["api.calls_per_minute"] == f"40  # top level: {path}:{line}:{column}"
    assert from_input["api.calls_per_minute"] == (
        "7  # action input: input callsPerMinute (INPUT_CALLSPERMINUTE)"
    )
    assert default["api.calls_per_minute"] == "200  # default: built-in"


def test_validate_exits_2_naming_the_input_or_the_place(
    repo: Repository, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (INPUT, VARIABLE):
        monkeypatch.delenv(name, raising=False)
    path = repo.write(_text(top="api: {calls_per_minute: -3}\n"))
    line, column = place_of(path.read_text(), "-3")
    args = ["validate", "--config", str(path), "--environment", "dev"]

    assert cli.main(args) == ExitCode.CONFIG_ERROR == 2
    assert f"fabric-action.yml:{line}:{column}" in capsys.readouterr().err

    repo.write(_text())
    monkeypatch.setenv(INPUT, "abc")
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "input callsPerMinute (INPUT_CALLSPERMINUTE)" in err
    assert "'abc' is not a whole number of calls per minute" in err
    assert "Traceback" not in err

    monkeypatch.setenv(INPUT, "25")
    assert cli.main([*args, "--show"]) == 0
    assert "api.calls_per_minute" in capsys.readouterr().out
