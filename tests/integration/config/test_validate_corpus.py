"""``fabric-action validate`` on every bad config: exit 2, the fault's place, no traceback."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from config_cli_support import BAD, clean_environ, run_cli_subprocess

from fabric_action import cli
from fabric_action.config import load_config
from fabric_action.config._schema import load_schema
from fabric_action.errors import ConfigFileError

EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((BAD / "_expected.yml").read_text())
TIME_LIMIT_S = 3.0
MEMORY_LIMIT_BYTES = 40 * 1024 * 1024


def _place(case: dict[str, Any]) -> tuple[int, int] | None:
    if case["at"] is None:
        return None
    line, column = case["at"].split(":")
    return int(line), int(column)


def _location(name: str, case: dict[str, Any]) -> str:
    return f"{name}:{case['at']}:" if case["at"] else f"{name}:"


def test_every_corpus_file_has_an_expectation_and_back() -> None:
    files = {path.name for path in BAD.iterdir() if not path.name.startswith("_")}
    assert files == set(EXPECTED)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_config_exits_2_naming_its_place(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = EXPECTED[name]
    monkeypatch.chdir(BAD)
    environment = case.get("environment", "dev")

    started = time.perf_counter()
    code = cli.main(["validate", "--config", name, "--environment", environment])
    elapsed_s = time.perf_counter() - started

    out, err = capsys.readouterr()
    assert code == 2
    assert elapsed_s < TIME_LIMIT_S
    assert "Traceback" not in out + err
    first_error = err.splitlines()[0]
    assert first_error.startswith(f"fabric-action: error: {_location(name, case)}"), err
    assert err.splitlines()[-1].startswith(f"{name}: ")
    with pytest.raises(ConfigFileError) as raised:
        load_config(name, environment, environ=clean_environ())
    first = raised.value.problems[0]
    assert first.code == case["code"]
    assert (first.line, first.column) == (_place(case) or (None, None))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_config_in_a_fresh_process_prints_no_traceback(name: str) -> None:
    case = EXPECTED[name]
    environment = case.get("environment", "dev")

    result = run_cli_subprocess(
        ["validate", "--config", name, "--environment", environment], cwd=BAD
    )

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert _location(name, case) in result.stderr


@pytest.mark.usefixtures("clean_env")
def test_literal_secret_is_never_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    path = BAD / "literal-secret.yml"
    assert "hunter2-literal-secret" in path.read_text()

    assert cli.main(["validate", "--config", str(path), "--environment", "dev"]) == 2

    out, err = capsys.readouterr()
    assert "hunter2" not in out + err
    assert "auth.client_secret: this value is not a ${secret:NAME} reference" in err


# Every keyword the schema uses must be hit by some corpus file. Keywords that cannot
# fail on their own are reported through the keyword that wraps them.
_REPORTED_AS = {
    "format": "anyOf",  # every format sits in an anyOf with ${env:NAME}
    "not": "propertyNames",
    "if": None,  # if/then only select the rules; their own keywords report
    "then": None,
    "allOf": None,
    "properties": None,
    "$defs": None,
    "items": None,
    "$ref": None,
}


_SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")
_SUBSCHEMAS = ("additionalProperties", "items", "propertyNames", "not", "if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_ANNOTATIONS = ("description", "default", "title", "$schema", "$id", "$comment")


def _schema_keywords(schema: Any) -> Iterator[str]:
    """Yield every keyword used in *schema* and its subschemas."""
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        if key not in _ANNOTATIONS and not key.startswith("x-"):
            yield key
        if key in _SCHEMA_MAPS:
            for child in value.values():
                yield from _schema_keywords(child)
        elif key in _SUBSCHEMAS:
            yield from _schema_keywords(value)
        elif key in _SCHEMA_LISTS:
            for child in value:
                yield from _schema_keywords(child)


def test_corpus_covers_every_schema_keyword() -> None:
    keywords = set(_schema_keywords(load_schema()))
    assert {"additionalProperties", "enum", "anyOf", "format", "if"} <= keywords
    hit = {case["code"].removeprefix("schema.") for case in EXPECTED.values()}
    for keyword in sorted(keywords):
        reported = _REPORTED_AS.get(keyword, keyword)
        if reported is not None:
            assert reported in hit, f"no bad config for the schema keyword {keyword!r}"


# --- cases generated at test time: too big to commit, or needing a symlink or variables


def _write_50_mb(path: Path) -> None:
    line = b"# " + b"x" * 1021 + b"\n"
    with path.open("wb") as stream:
        for _ in range(50 * 1024):
            stream.write(line)


def _write_just_under_the_limit(path: Path) -> None:
    # 4.9 MB of comments, then a config with one fault at its end: read and parsed.
    with path.open("w", encoding="utf-8") as stream:
        for _ in range(4_900):
            stream.write("# " + "y" * 997 + "\n")
        stream.write("version: 1\nproject: big\nenvironments: {}\n")


def _symlink_escape(tmp_path: Path) -> Path:
    repository = tmp_path / "repository"
    (repository / ".git").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (repository / "items").symlink_to(outside, target_is_directory=True)
    config = repository / "fabric-action.yml"
    config.write_text(
        "version: 1\nproject: linked\n"
        "auth: {tenant_id: contoso.onmicrosoft.com, "
        "client_id: 0ec5ae2c-1c7a-4b0a-8b5e-000000000001}\n"
        "environments:\n  local:\n    workspaces:\n      engineering:\n"
        "        name: linked\n        items: {source: items}\n",
        encoding="utf-8",
    )
    return config


Generator = Callable[[Path], Path]


def _file(name: str, write: Callable[[Path], None]) -> Generator:
    def generate(tmp_path: Path) -> Path:
        path = tmp_path / name
        write(path)
        return path

    return generate


GENERATED: dict[str, tuple[Generator, str, str, tuple[int, int] | None, dict[str, str]]] = {
    # id: (make the config, environment, expected code, place, extra variables)
    "50-mb-file": (_file("huge.yml", _write_50_mb), "dev", "file.too-large", None, {}),
    "just-under-the-size-limit": (
        _file("big.yml", _write_just_under_the_limit),
        "dev",
        "schema.minProperties",
        (4_903, 15),
        {},
    ),
    "symlink-out-of-the-repository": (_symlink_escape, "local", "path.escape", (9, 25), {}),
    "missing-file": (lambda tmp: tmp / "absent.yml", "dev", "file.not-found", None, {}),
    "directory-as-config": (lambda tmp: tmp, "dev", "file.unreadable", None, {}),
    "invalid-input": (
        lambda tmp: BAD.parent / "good" / "minimal.yml",
        "local",
        "input.invalid",
        None,
        {"INPUT_ENABLERETRY": "maybe"},
    ),
    "invalid-variable": (
        lambda tmp: BAD.parent / "good" / "minimal.yml",
        "local",
        "input.invalid",
        None,
        {"FABRIC_ACTION_SECRET_CACHE_TTL_S": "1h"},
    ),
}


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_bad_config_exits_2_within_time_and_memory(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make, environment, code, place, extra = GENERATED[case]
    config = make(tmp_path)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)

    tracemalloc.start()
    started = time.perf_counter()
    try:
        exit_code = cli.main(["validate", "--config", str(config), "--environment", environment])
        elapsed_s = time.perf_counter() - started
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    err = capsys.readouterr().err
    assert exit_code == 2
    assert "Traceback" not in err
    assert elapsed_s < TIME_LIMIT_S
    assert peak_bytes < MEMORY_LIMIT_BYTES
    with pytest.raises(ConfigFileError) as raised:
        load_config(config, environment, environ=clean_environ(extra))
    first = raised.value.problems[0]
    assert first.code == code
    assert (first.line, first.column) == (place or (None, None))
    location = f"{config}:{place[0]}:{place[1]}:" if place else ""
    assert location in err


def test_the_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    config = tmp_path / "huge.yml"
    _write_50_mb(config)

    tracemalloc.start()
    try:
        with pytest.raises(ConfigFileError):
            load_config(config, "dev", environ={})
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak_bytes < 1024 * 1024


@pytest.mark.parametrize("name", ["alias-bomb.yml", "deep-nesting.yml", "deep-nesting.json"])
def test_hostile_structures_stay_within_memory(name: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ConfigFileError):
            load_config(BAD / name, "dev", environ={})
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak_bytes < 4 * 1024 * 1024


@pytest.mark.usefixtures("clean_env")
def test_missing_environment_lists_the_environments(capsys: pytest.CaptureFixture[str]) -> None:
    config = BAD.parent / "good" / "full.yml"

    assert cli.main(["validate", "--config", str(config)]) == 2

    err = capsys.readouterr().err
    assert "no environment chosen" in err
    assert "this file defines dev, prod" in err


def test_a_config_near_the_node_limit_validates_in_seconds(tmp_path: Path) -> None:
    (tmp_path / "items").mkdir()
    lines = [
        "version: 1",
        "project: large",
        "auth: {tenant_id: contoso.onmicrosoft.com,",
        "       client_id: 0ec5ae2c-1c7a-4b0a-8b5e-000000000001}",
        "environments:",
        "  local:",
        "    workspaces:",
    ]
    for index in range(200):
        lines += [
            f"      ws{index}:",
            f"        name: ws-{index}",
            "        items: {source: items}",
        ]
        lines += ["        roles:"]
        lines += [
            f"          - {{principal: u{n}@contoso.com, type: User, role: Viewer}}"
            for n in range(20)
        ]
    config = tmp_path / "fabric-action.yml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    started = time.perf_counter()
    loaded = load_config(config, "local", environ={})
    elapsed_s = time.perf_counter() - started

    assert len(loaded.environment.workspaces) == 200
    assert elapsed_s < 10.0  # about 2 s here; guards against anything quadratic
