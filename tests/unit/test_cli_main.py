import re
from collections.abc import Callable
from pathlib import Path

import pytest

import fabric_action
from fabric_action import cli
from fabric_action.errors import ConfigError, ExitCode
from fabric_action.scenarios.deploy import _command as deploy_command
from fabric_action.scenarios.deploy._command import DeployArguments

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


@pytest.fixture
def deploy_calls(monkeypatch: pytest.MonkeyPatch) -> list[DeployArguments]:
    """Capture the arguments ``deploy`` would run with, and run nothing."""
    calls: list[DeployArguments] = []

    def record(arguments: DeployArguments, ci: object) -> ExitCode:
        calls.append(arguments)
        return ExitCode.OK

    monkeypatch.setattr(deploy_command, "run_deploy_command", record)
    for name in cli.DEPLOY_INPUTS:
        monkeypatch.delenv(f"INPUT_{name.upper()}", raising=False)
    for name in ("GITHUB_WORKSPACE", "INPUT_CONFIG", "INPUT_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return calls


@pytest.mark.usefixtures("local_environment")
def test_deploy_without_flags_or_inputs_uses_the_defaults(
    deploy_calls: list[DeployArguments],
) -> None:
    assert cli.main(["deploy", "--config", "c.yml", "--environment", "dev"]) == 0

    assert deploy_calls == [DeployArguments(config_file=Path("c.yml"), environment="dev")]


@pytest.mark.usefixtures("local_environment")
def test_deploy_reads_every_input_when_no_flag_is_given(
    deploy_calls: list[DeployArguments], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = {
        "CONFIG": "deploy/fabric-action.yml",
        "ENVIRONMENT": "prod",
        "WORKSPACE": " reporting ",
        "DRYRUN": "TRUE",
        "PLAN": "plans/in.json",
        "PLANOUT": "/abs/out.json",
        "VERIFYLIVE": "True",
        "MANIFEST": "state/manifest.json",
        "REPORT": "report/prod.json",
        "ALLOWDELETE": "Lakehouse, Warehouse\nSQLDatabase\n\n",
    }
    for name, value in inputs.items():
        monkeypatch.setenv(f"INPUT_{name}", value)
    monkeypatch.setenv("GITHUB_WORKSPACE", "/github/workspace")

    assert cli.main(["deploy"]) == 0

    workspace = Path("/github/workspace")
    assert deploy_calls == [
        DeployArguments(
            config_file=Path("deploy/fabric-action.yml"),
            environment="prod",
            workspace="reporting",
            dry_run=True,
            plan=workspace / "plans/in.json",
            plan_out=Path("/abs/out.json"),
            verify_live=True,
            manifest=workspace / "state/manifest.json",
            report=workspace / "report/prod.json",
            allow_delete=("Lakehouse", "Warehouse", "SQLDatabase"),
        )
    ]


@pytest.mark.usefixtures("local_environment")
def test_deploy_flags_win_over_inputs(
    deploy_calls: list[DeployArguments], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "WORKSPACE": "reporting",
        "DRYRUN": "false",
        "VERIFYLIVE": "false",
        "REPORT": "from-input.json",
        "PLANOUT": "from-input-plan.json",
        "PLAN": "from-input-saved.json",
        "MANIFEST": "from-input-manifest.json",
        "ALLOWDELETE": "Warehouse",
    }.items():
        monkeypatch.setenv(f"INPUT_{name}", value)
    monkeypatch.setenv("GITHUB_WORKSPACE", "/github/workspace")

    argv = ["deploy", "--workspace", "engineering", "--dry-run", "--verify-live"]
    argv += ["--report", "r.json", "--plan-out", "p.json", "--plan", "s.json"]
    argv += ["--manifest", "m.json", "--allow-delete", "Lakehouse"]
    assert cli.main(argv) == 0

    [arguments] = deploy_calls
    assert (arguments.workspace, arguments.dry_run, arguments.verify_live) == (
        "engineering",
        True,
        True,
    )
    # Flag paths stay relative to the current directory, as on any command line.
    assert (arguments.report, arguments.plan_out, arguments.plan, arguments.manifest) == (
        Path("r.json"),
        Path("p.json"),
        Path("s.json"),
        Path("m.json"),
    )
    assert arguments.allow_delete == ("Lakehouse",)


@pytest.mark.usefixtures("local_environment")
@pytest.mark.parametrize("value", ["false", "False", "FALSE", "  ", ""])
def test_deploy_false_or_empty_boolean_input_is_false(
    deploy_calls: list[DeployArguments], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("INPUT_DRYRUN", value)
    monkeypatch.setenv("INPUT_VERIFYLIVE", value)

    assert cli.main(["deploy"]) == 0

    assert (deploy_calls[0].dry_run, deploy_calls[0].verify_live) == (False, False)


@pytest.mark.usefixtures("local_environment")
def test_relative_input_path_without_github_workspace_stays_relative(
    deploy_calls: list[DeployArguments], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INPUT_REPORT", "report.json")

    assert cli.main(["deploy"]) == 0

    assert deploy_calls[0].report == Path("report.json")


@pytest.mark.usefixtures("local_environment")
@pytest.mark.parametrize(
    ("variable", "name", "value"),
    [
        ("INPUT_DRYRUN", "dryRun", "yes"),
        ("INPUT_VERIFYLIVE", "verifyLive", "1"),
        ("INPUT_DRYRUN", "dryRun", "tRuE"),  # as useKeyVault and every other boolean input
    ],
)
def test_deploy_bad_boolean_input_exits_2_naming_input_and_value(
    deploy_calls: list[DeployArguments],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)

    assert cli.main(["deploy"]) == 2

    assert deploy_calls == []
    assert capsys.readouterr() == (
        "",
        f"fabric-action: error: input {name} ({variable}) is {value!r}: use true or false\n",
    )


def test_deploy_bad_boolean_input_on_github_is_an_annotation(
    deploy_calls: list[DeployArguments],
    github_output: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INPUT_DRYRUN", "maybe")

    assert cli.main(["deploy"]) == 2

    assert capsys.readouterr().out == (
        "::error ::input dryRun (INPUT_DRYRUN) is 'maybe': use true or false\n"
    )
    assert github_output.read_bytes() == b""


def test_config_file_problems_are_annotated_on_their_lines(
    github_output: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yml").write_text("version: 1\nproject: p\nbogus: 1\n", encoding="utf-8")
    monkeypatch.delenv("INPUT_ENVIRONMENT", raising=False)

    assert cli.main(["deploy", "--config", "bad.yml", "--environment", "dev"]) == 2

    annotations = capsys.readouterr().out.splitlines()
    assert annotations
    assert all(line.startswith("::error file=bad.yml,line=") for line in annotations)
