import re
from collections.abc import Callable
from pathlib import Path

import pytest

from fabric_action.ci import GitHubAdapter
from fabric_action.ci._github import (
    SUMMARY_TRUNCATED_NOTE,
    fit_summary,
    format_output_record,
    new_delimiter,
)
from fabric_action.errors import ConfigError

Records = list[tuple[str, str, str | None]]
Reader = Callable[[Path], Records]

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


@pytest.fixture
def output_file(tmp_path: Path) -> Path:
    path = tmp_path / "set_output_0f1e"
    path.touch()  # the runner creates the file before the step starts
    return path


def adapter_for(path: Path, **kwargs: Callable[[], str]) -> GitHubAdapter:
    return GitHubAdapter({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(path)}, **kwargs)


def test_set_output_writes_exact_heredoc_bytes(output_file: Path) -> None:
    adapter_for(output_file, make_delimiter=lambda: "ghadelimiter_X").set_output("version", "1.2")

    assert output_file.read_bytes() == b"version<<ghadelimiter_X\n1.2\nghadelimiter_X\n"


@pytest.mark.parametrize(
    "value",
    [
        "0.1.0",
        "",
        "line one\nline two",
        "ends with a newline\n",
        "\n\nblank lines around\n\n",
        "carriage\rreturn stays data on Linux",
        "name=value and a << heredoc marker",
        "unicode: caf\u00e9 \u2603 \U0001f680",
        "ghadelimiter_ looks similar but is not the delimiter",
    ],
)
def test_value_round_trips_through_the_runner_parser(
    output_file: Path, read_github_file_commands: Reader, value: str
) -> None:
    adapter_for(output_file).set_output("result", value)

    [(name, parsed, delimiter)] = read_github_file_commands(output_file)
    assert (name, parsed) == ("result", value)
    assert delimiter is not None
    assert re.fullmatch(f"ghadelimiter_{UUID4}", delimiter)
    framing = output_file.read_bytes().replace(value.encode(), b"")
    assert b"\r" not in framing  # LF-only framing: a CR would end up in the delimiter line


def test_records_append_and_each_gets_a_fresh_delimiter(
    output_file: Path, read_github_file_commands: Reader
) -> None:
    output_file.write_text("earlier=kept\n", encoding="utf-8")
    adapter = adapter_for(output_file)

    adapter.set_output("first", "1")
    adapter.set_output("second", "2\n3")

    records = read_github_file_commands(output_file)
    assert [(n, v) for n, v, _ in records] == [
        ("earlier", "kept"),
        ("first", "1"),
        ("second", "2\n3"),
    ]
    assert records[1][2] != records[2][2]


def test_new_delimiter_is_ghadelimiter_uuid4_and_random() -> None:
    first, second = new_delimiter(), new_delimiter()

    assert re.fullmatch(f"ghadelimiter_{UUID4}", first)
    assert first != second


@pytest.mark.parametrize(
    "value",
    ["ghadelimiter_X", "before\nghadelimiter_X\nafter", "inline ghadelimiter_X text"],
)
def test_value_containing_the_delimiter_is_refused_and_nothing_written(
    output_file: Path, value: str
) -> None:
    adapter = adapter_for(output_file, make_delimiter=lambda: "ghadelimiter_X")

    with pytest.raises(ValueError, match="contains the heredoc delimiter"):
        adapter.set_output("out", value)

    assert output_file.read_bytes() == b""


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a=b",
        "a<<b",
        "two\nlines",
        "cr\r",
        "has space",
        "1starts-with-digit",
        "-dash",
        "caf\u00e9",
    ],
)
def test_invalid_output_name_is_refused_and_nothing_written(output_file: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid step output name"):
        adapter_for(output_file).set_output(name, "value")

    assert output_file.read_bytes() == b""


@pytest.mark.parametrize("name", ["version", "deploymentId", "_private", "with-dash", "a1_b-2"])
def test_valid_output_names_are_accepted(
    output_file: Path, read_github_file_commands: Reader, name: str
) -> None:
    adapter_for(output_file).set_output(name, "v")

    assert [(n, v) for n, v, _ in read_github_file_commands(output_file)] == [(name, "v")]


@pytest.mark.parametrize("environ", [{}, {"GITHUB_OUTPUT": ""}])
def test_missing_github_output_is_a_config_error(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="GITHUB_OUTPUT is not set"):
        GitHubAdapter(environ).set_output("version", "1")


def test_github_output_is_read_when_the_output_is_set(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    adapter = GitHubAdapter(environ)
    environ["GITHUB_OUTPUT"] = str(tmp_path / "late")

    adapter.set_output("version", "1")

    assert (tmp_path / "late").read_text(encoding="utf-8").startswith("version<<ghadelimiter_")


def test_format_output_record_validates_before_formatting() -> None:
    assert format_output_record("a", "b", "D") == "a<<D\nb\nD\n"
    with pytest.raises(ValueError, match="invalid step output name"):
        format_output_record("a=b", "b", "D")


def test_mask_registers_each_non_blank_line(capsys: pytest.CaptureFixture[str]) -> None:
    GitHubAdapter({}).mask("first-line\n\n   \nsecond%line\r\nthird")

    # github-action-utils writes "::cmd ::msg" when there are no properties; the runner
    # reads the text before the first space as the command, so this equals "::add-mask::".
    assert capsys.readouterr().out.splitlines() == [
        "::add-mask ::first-line",
        "::add-mask ::second%25line",
        "::add-mask ::third",
    ]


def test_mask_of_blank_value_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    GitHubAdapter({}).mask(" \n")

    assert capsys.readouterr().out == ""


def test_error_is_an_escaped_annotation_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    GitHubAdapter({}).error("bad 100%\nsecond line")

    captured = capsys.readouterr()
    assert captured.out == "::error ::bad 100%25%0Asecond line\n"
    assert captured.err == ""


def test_name_is_github() -> None:
    assert GitHubAdapter({}).name == "github"


@pytest.fixture
def summary_file(tmp_path: Path) -> Path:
    path = tmp_path / "step_summary_0f1e"
    path.touch()
    return path


def summary_adapter(path: Path, **extra: str) -> GitHubAdapter:
    return GitHubAdapter({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(path), **extra})


@pytest.mark.parametrize(
    ("kind", "prefix"), [("error", "::error file="), ("warning", "::warning file=")]
)
def test_annotation_escapes_file_and_message_per_runner_rules(
    capsys: pytest.CaptureFixture[str], kind: str, prefix: str
) -> None:
    adapter = GitHubAdapter({"GITHUB_ACTIONS": "true"})

    getattr(adapter, kind)("100% bad\r\nnext: a, b", file="dir,x/c:d%.yml", line=7)

    assert capsys.readouterr().out == (
        f"{prefix}dir%2Cx/c%3Ad%25.yml,line=7::100%25 bad%0D%0Anext: a, b\n"
    )


def test_annotation_file_is_made_relative_to_the_workspace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    adapter = GitHubAdapter({"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/github/workspace"})

    adapter.warning("w", file="/github/workspace/deploy/fabric-action.yml", line=2)
    adapter.error("e", file="/elsewhere/x.yml")
    adapter.error("no file, so no line", line=4)

    assert capsys.readouterr().out.splitlines() == [
        "::warning file=deploy/fabric-action.yml,line=2::w",
        "::error file=/elsewhere/x.yml::e",
        "::error ::no file, so no line",
    ]


def test_summary_is_appended_utf8_with_lf_line_ends(summary_file: Path) -> None:
    summary_file.write_bytes(b"earlier step text\n")
    adapter = summary_adapter(summary_file)

    adapter.append_summary("### caf\u00e9\r\n\r\n| a |\r\n|---|")
    adapter.append_summary("second\n")

    assert summary_file.read_bytes() == (
        b"earlier step text\n### caf\xc3\xa9\n\n| a |\n|---|\nsecond\n"
    )


def test_summary_over_1_mib_is_cut_at_a_line_with_a_note(summary_file: Path) -> None:
    summary_file.write_bytes(b"x" * 1000 + b"\n")
    row = "| \u00e9t\u00e9 | " + "y" * 90 + " |\n"
    adapter = summary_adapter(summary_file)

    adapter.append_summary(row * 20_000)

    data = summary_file.read_bytes()
    assert len(data) <= 1024 * 1024
    assert len(data) > 1024 * 1024 - len(row.encode()) - len(SUMMARY_TRUNCATED_NOTE.encode())
    text = data.decode("utf-8")
    assert text.endswith(SUMMARY_TRUNCATED_NOTE)
    kept = text[1001 : -len(SUMMARY_TRUNCATED_NOTE)]
    assert kept == row * (len(kept) // len(row))  # whole rows only


def test_summary_that_fits_exactly_is_not_cut() -> None:
    assert fit_summary("ab\n", 3) == "ab\n"
    assert fit_summary("\u00e9\n", 2) is None  # 3 bytes, and no room for the note either


def test_full_summary_file_costs_a_warning_not_the_step(
    summary_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary_file.write_bytes(b"z" * (1024 * 1024 - 10))

    summary_adapter(summary_file).append_summary("more than ten bytes")

    assert summary_file.stat().st_size == 1024 * 1024 - 10
    out = capsys.readouterr().out
    assert out.startswith("::warning ::the job summary already holds 1048566 bytes")


def test_missing_summary_variable_costs_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    GitHubAdapter({"GITHUB_ACTIONS": "true"}).append_summary("text")

    assert capsys.readouterr().out == (
        "::warning ::GITHUB_STEP_SUMMARY is not set, so no job summary was written\n"
    )


def test_masked_values_never_reach_outputs_summary_or_annotations(
    output_file: Path,
    summary_file: Path,
    read_github_file_commands: Reader,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "pa:ss,w%rd\nline-two"
    adapter = GitHubAdapter(
        {"GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file)}
    )
    adapter.mask(secret)
    capsys.readouterr()

    adapter.set_output("value", f"before {secret} after")
    adapter.append_summary(f"| {secret} |")
    adapter.error("error pa:ss,w%rd", file="f.yml", line=1)
    adapter.warning("warning line-two")

    assert read_github_file_commands(output_file)[0][:2] == ("value", "before *** after")
    assert summary_file.read_text(encoding="utf-8") == "| *** |\n"
    assert capsys.readouterr().out.splitlines() == [
        "::error file=f.yml,line=1::error ***",
        "::warning ::warning ***",
    ]
