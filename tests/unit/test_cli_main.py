import re
from collections.abc import Callable
from pathlib import Path

import pytest

import fabric_action
from fabric_action import cli
from fabric_action.errors import ConfigError, ExitCode

Records = list[tuple[str, str, str | None]]
Reader = Callable[[Path], Records]


@pytest.fixture
def local_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "TF_BUILD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def github_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "file_commands" / "set_output_6c1b"
    path.parent.mkdir()
    path.touch()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(path))
    return path


@pytest.mark.usefixtures("local_environment")
def test_version_prints_version_and_local_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["version"]) == 0

    version = fabric_action.__version__
    assert capsys.readouterr() == (f"fabric-action {version}\nversion={version}\n", "")


def test_version_writes_github_output_byte_for_byte(
    github_output: Path, read_github_file_commands: Reader, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["version"]) == 0

    version = fabric_action.__version__
    assert capsys.readouterr().out == f"fabric-action {version}\n"
    raw = github_output.read_bytes()
    match = re.fullmatch(rb"version<<(ghadelimiter_[0-9a-f-]{36})\n(.*)\n\1\n", raw, re.DOTALL)
    assert match is not None, raw
    assert match.group(2) == version.encode()
    assert read_github_file_commands(github_output) == [
        ("version", version, match.group(1).decode())
    ]


def test_version_without_github_output_is_config_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)

    assert cli.main(["version"]) == 2

    out = capsys.readouterr().out
    assert "::error ::GITHUB_OUTPUT is not set" in out


@pytest.mark.usefixtures("local_environment")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["deploy-everything"], "invalid choice: 'deploy-everything'"),
        (["version", "--bogus"], "unrecognized arguments: --bogus"),
        (["--bogus"], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_error_exits_2_with_message_and_no_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main(argv) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: fabric-action")
    assert message in err
    assert "fabric-action: error:" in err
    assert "--help" in err
    assert "Traceback" not in err


def test_usage_error_on_github_is_an_annotation(
    github_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["nope"]) == 2

    out, err = capsys.readouterr()
    assert out.startswith("::error ::argument COMMAND: invalid choice: 'nope'")
    assert err.startswith("usage: fabric-action")
    assert github_output.read_bytes() == b""


@pytest.mark.usefixtures("local_environment")
@pytest.mark.parametrize("argv", [["--help"], ["version", "--help"]])
def test_help_exits_0(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert cli.main(argv) == 0

    assert "usage: fabric-action" in capsys.readouterr().out


@pytest.mark.usefixtures("local_environment")
def test_parser_exit_with_message_reports_it(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()

    with pytest.raises(cli._HelpShown) as shown:
        parser.exit(3, "stopping\n")

    assert shown.value.status == 3
    assert capsys.readouterr().err == "stopping\n"


@pytest.mark.usefixtures("local_environment")
def test_fabric_action_error_maps_to_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_version(*_: object) -> ExitCode:
        raise ConfigError("config.yml:3: unknown key 'workspace'")

    monkeypatch.setattr(cli, "_run_version", failing_version)

    assert cli.main(["version"]) == ExitCode.CONFIG_ERROR

    assert (
        capsys.readouterr().err == "fabric-action: error: config.yml:3: unknown key 'workspace'\n"
    )


def test_exit_codes_match_the_design() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "DEPLOYMENT_FAILED": 1,
        "CONFIG_ERROR": 2,
        "AUTH_ERROR": 3,
        "ROLLBACK_INCOMPLETE": 4,
        "CANCELLED": 130,
    }
