"""``fabric-action validate`` on good configs: exit 0, and ``--show`` with sources, masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_cli_support import BAD, GOOD, run_cli_subprocess

from fabric_action import cli

VARIABLES = {
    "FABRIC_CAPACITY_ID": "11111111-2222-3333-4444-555555555555",
    "FABRIC_VAULT_NAME": "contoso-stg",
}
GOOD_CASES = [
    ("full.yml", "dev", "tier dev, 2 workspaces"),
    ("full.yml", "prod", "tier prod, 2 workspaces"),
    ("full.json", "test", "tier test, 1 workspace"),
    ("full.json", "production", "tier prod, 1 workspace"),
    ("minimal.yml", "local", "tier local, 1 workspace"),
    ("staging-with-waiver.yml", "staging", "tier prod, 2 workspaces"),
]


@pytest.fixture
def good_env(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the good corpus with the variables its references need."""
    monkeypatch.chdir(GOOD)
    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)


def test_every_good_config_is_exercised() -> None:
    files = {path.name for path in GOOD.iterdir() if path.is_file()}
    assert files == {name for name, _, _ in GOOD_CASES}


@pytest.mark.usefixtures("good_env")
@pytest.mark.parametrize(("name", "environment", "summary"), GOOD_CASES)
def test_good_config_is_valid(
    name: str, environment: str, summary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["validate", "--config", name, "--environment", environment]) == 0

    out, err = capsys.readouterr()
    tier = summary.split(",", maxsplit=1)[0].removeprefix("tier ")
    assert out.splitlines() == [
        f"{name}: valid for environment {environment!r} ({summary})",
        "valid=true",  # step outputs; the local adapter prints them
        f"environment={environment}",
        f"tier={tier}",
    ]
    assert err == ""


@pytest.mark.usefixtures("good_env")
def test_show_prints_every_value_with_its_source_and_masks_secrets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INPUT_ENABLECIRCUITBREAKER", "false")
    monkeypatch.setenv("ENABLE_TRANSACTIONS", "False")

    assert cli.main(["validate", "--config", "full.yml", "--environment", "dev", "--show"]) == 0

    lines = {
        line.split(" = ")[0].strip(): line.split(" = ", 1)[1]
        for line in capsys.readouterr().out.splitlines()
        if " = " in line
    }
    # No .env beside full.yml and Key Vault is not contacted: deferred to deploy time.
    assert lines["auth.client_secret"] == (
        "*** (secret fabric-client-secret, source: Key Vault (not contacted), resolved at "
        "deploy time from Key Vault https://contoso-kv.vault.azure.net/)  # top level: "
        "full.yml:9:18"
    )
    assert lines["workspaces.engineering.git.connection"].startswith("*** (secret github-conn")
    assert lines["features.enable_circuit_breaker"] == (
        "false  # action input: input enableCircuitBreaker (INPUT_ENABLECIRCUITBREAKER)"
    )
    assert lines["features.enable_transactions"] == (
        "false  # environment variable: environment variable ENABLE_TRANSACTIONS"
    )
    assert lines["features.enable_retry"] == "true  # default: tier dev"
    assert lines["workspaces.engineering.capacity"] == (
        '"11111111-2222-3333-4444-555555555555"  # environment section: full.yml:19:19 '
        "via ${env:FABRIC_CAPACITY_ID}"
    )
    assert lines["workspaces.engineering.items.parameters"] == (
        '"parameter.yml"  # top level: full.yml:5:23 (defaults.items.parameters)'
    )
    assert lines["tier"] == '"dev"  # environment section: full.yml:15:11'


@pytest.mark.usefixtures("good_env")
def test_inputs_choose_the_config_and_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INPUT_CONFIG", "minimal.yml")
    monkeypatch.setenv("INPUT_ENVIRONMENT", "local")

    assert cli.main(["validate"]) == 0

    assert capsys.readouterr().out.startswith("minimal.yml: valid for environment 'local'")


@pytest.mark.usefixtures("good_env")
def test_deprecated_dotenv_only_secrets_print_a_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("USE_KEY_VAULT", "false")

    assert cli.main(["validate", "--config", "full.yml", "--environment", "dev"]) == 0

    err = capsys.readouterr().err
    assert err.startswith("fabric-action: warning: full.yml:15:5: environments.dev: the secrets")
    assert "USE_KEY_VAULT is off (environment variable USE_KEY_VAULT)" in err
    assert ".env-only secrets outside the local tier are deprecated" in err


@pytest.mark.usefixtures("clean_env")
def test_on_github_each_problem_is_an_error_annotation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.chdir(BAD)

    assert cli.main(["validate", "--config", "bad-role.yml", "--environment", "dev"]) == 2

    out = capsys.readouterr().out
    assert out.splitlines() == [
        "::error file=bad-role.yml,line=13::bad-role.yml:13:19: "
        "environments.dev.workspaces.engineering.roles[0].role: "
        "'Owner' is not one of Admin, Member, Contributor, Viewer"
    ]


def test_a_fresh_process_validates_and_shows(tmp_path: Path) -> None:
    result = run_cli_subprocess(
        ["validate", "--config", "full.json", "--environment", "test", "--show"],
        cwd=GOOD,
        environ=VARIABLES,
    )

    assert result.returncode == 0, result.stderr
    assert "workspaces.engineering.name" in result.stdout
    assert '"sales-eng-test 🚀"' in result.stdout
    assert "auth.certificate" in result.stdout
    assert "*** (secret fabric-certificate" in result.stdout


def test_validate_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "--help"]) == 0

    out = capsys.readouterr().out
    assert "--config FILE" in out
    assert "--environment ENV" in out
    assert "--show" in out
