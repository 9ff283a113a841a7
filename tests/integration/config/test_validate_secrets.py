"""``fabric-action validate`` resolves secrets offline: .env where the tier allows, never the vault.

Each test builds a small git repository (config, items folder, an untracked ``.env``
ignored by ``.gitignore``) and runs the CLI in-process.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from fabric_action import cli

VAULT = "https://contoso-kv.vault.azure.net/"
PROD_VAULT = "https://contoso-prod-kv.vault.azure.net/"
CONNECTION_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
CONFIG = f"""\
version: 1
project: offline
auth:
  tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
  client_id: 0ec5ae2c-1c7a-4b0a-8b5e-000000000001
  client_secret: ${{secret:fabric-client-secret}}
telemetry: {{connection_string: "${{secret:appinsights-connection-string}}"}}
environments:
  local:
    workspaces:
      engineering: {{name: eng-local, items: {{source: workspaces/engineering}}}}
  dev:
    secrets: {{key_vault_url: "{VAULT}"}}
    workspaces:
      engineering:
        name: eng-dev
        items: {{source: workspaces/engineering}}
        git: {{provider: GitHub, owner: contoso, repository: sales, branch: main,
              directory: /workspaces/engineering, connection: "${{secret:github-connection-id}}"}}
  prod:
    secrets: {{key_vault_url: "{PROD_VAULT}"}}
    workspaces:
      engineering: {{name: eng, items: {{source: workspaces/engineering}}}}
"""
CLIENT_SECRET = "Cl1ent~Secret.value_9"
CONNECTION_STRING = "InstrumentationKey=00000000-1111-2222-3333-444444444444"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _write_dotenv(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{key}='{value}'\n" for key, value in values.items()), "utf-8")


@pytest.fixture
def repo(tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with the config under deploy/, .env beside it (ignored, untracked)."""
    root = tmp_path / "repo"
    (root / "deploy" / "workspaces" / "engineering").mkdir(parents=True)
    (root / "deploy" / "fabric-action.yml").write_text(CONFIG, encoding="utf-8")
    (root / ".gitignore").write_text(".env\n", encoding="utf-8")
    _write_dotenv(
        root / "deploy" / ".env",
        {"FABRIC_CLIENT_SECRET": CLIENT_SECRET, "appinsights-connection-string": CONNECTION_STRING},
    )
    _git(root, "init", "-q")
    _git(root, "add", ".gitignore", "deploy/fabric-action.yml")
    monkeypatch.chdir(root)
    return root


def _validate(*args: str) -> int:
    return cli.main(["validate", "--config", "deploy/fabric-action.yml", *args])


def _shown(out: str) -> dict[str, str]:
    """Return ``key -> value`` of the ``--show`` lines (the source comment dropped)."""
    return {
        line.split(" = ")[0].strip(): line.split(" = ", 1)[1].split("  # ")[0]
        for line in out.splitlines()
        if " = " in line
    }


def test_local_tier_resolves_from_the_dotenv_beside_the_config(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _validate("--environment", "local", "--show") == 0

    out, err = capsys.readouterr()
    shown = _shown(out)
    assert shown["auth.client_secret"] == (
        "*** (secret fabric-client-secret, source: .env (deploy/.env))"
    )
    assert shown["telemetry.connection_string"] == (
        "*** (secret appinsights-connection-string, source: .env (deploy/.env))"
    )
    assert CLIENT_SECRET not in out + err
    assert CONNECTION_STRING not in out + err
    assert out.splitlines()[-3:] == ["valid=true", "environment=local", "tier=local"]


def test_dev_reads_dotenv_and_defers_the_rest_to_the_vault_it_does_not_contact(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _validate("--environment", "dev", "--show") == 0

    shown = _shown(capsys.readouterr().out)
    assert shown["auth.client_secret"] == (
        "*** (secret fabric-client-secret, source: .env (deploy/.env); Key Vault "
        f"{VAULT} not contacted, its value comes first at deploy time)"
    )
    assert shown["workspaces.engineering.git.connection"] == (
        "*** (secret github-connection-id, source: Key Vault (not contacted), resolved at "
        f"deploy time from Key Vault {VAULT})"
    )


def test_prod_never_reads_dotenv_and_claims_nothing_resolved(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(repo.parent / "github_output"))
    # Prod never reads .env: not even a tracked one, which is therefore not refused here.
    _git(repo, "add", "--force", "deploy/.env")

    assert _validate("--environment", "prod", "--show") == 0

    out = capsys.readouterr().out
    assert "::add-mask" not in out
    shown = _shown(out)
    for key, name in [
        ("auth.client_secret", "fabric-client-secret"),
        ("telemetry.connection_string", "appinsights-connection-string"),
    ]:
        assert shown[key] == (
            f"*** (secret {name}, source: Key Vault (not contacted), resolved at deploy time "
            f"from Key Vault {PROD_VAULT})"
        )


def test_on_github_every_dotenv_value_is_masked_before_the_first_line(
    repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    assert _validate("--environment", "local", "--show") == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [f"::add-mask ::{CLIENT_SECRET}", f"::add-mask ::{CONNECTION_STRING}"]
    assert not any("add-mask" in line for line in lines[2:])
    records = re.findall(r"^(\w+)<<(ghadelimiter_[0-9a-f-]+)\n(.*?)\n\2$", output.read_text(), re.M)
    outputs = {name: value for name, _, value in records}
    assert outputs == {"valid": "true", "environment": "local", "tier": "local"}
    declared = yaml.safe_load((Path(cli.__file__).parents[1] / "action.yml").read_text())
    assert set(outputs) <= set(declared["outputs"])


def test_missing_secrets_are_shown_not_resolved_without_failing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_dotenv(repo / "deploy" / ".env", {"FABRIC_CLIENT_SECRET": CLIENT_SECRET})

    assert _validate("--environment", "local", "--show") == 0
    (repo / "deploy" / ".env").unlink()
    assert _validate("--environment", "local", "--show") == 0

    with_file, without_file = capsys.readouterr().out.split("valid=true", 1)
    key = "telemetry.connection_string"
    name = "appinsights-connection-string"
    assert _shown(with_file)[key] == (
        f"*** (secret {name}, source: not resolved, not in .env (deploy/.env))"
    )
    assert _shown(without_file)[key] == (
        f"*** (secret {name}, source: not resolved, no .env file (deploy/.env))"
    )


def test_dotenv_option_names_another_file(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "outside" / "secrets.env"
    elsewhere.parent.mkdir()
    _write_dotenv(elsewhere, {"fabric-client-secret": CLIENT_SECRET})

    assert _validate("--environment", "local", "--show", "--dotenv", str(elsewhere)) == 0

    shown = _shown(capsys.readouterr().out)
    assert shown["auth.client_secret"].endswith(f"source: .env ({elsewhere}))")
    assert "not in .env" in shown["telemetry.connection_string"]


def test_a_tracked_dotenv_is_refused_with_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(repo, "add", "--force", "deploy/.env")

    assert _validate("--environment", "local", "--show") == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        "fabric-action: error: deploy/.env is tracked by git, so its secrets are in the "
        "repository history: rotate them, run 'git rm --cached .env', add it to .gitignore"
    )
    assert CLIENT_SECRET not in err


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "the value is empty (or only whitespace): store the real value"),
        (
            "Qz7Kp2 Wm9Lx4",
            "the value contains whitespace or a line break, which no Entra client secret has: "
            "store it again without the surrounding text",
        ),
    ],
)
def test_a_value_unfit_for_its_field_fails_without_being_echoed(
    repo: Path, capsys: pytest.CaptureFixture[str], value: str, why: str
) -> None:
    _write_dotenv(
        repo / "deploy" / ".env",
        {"FABRIC_CLIENT_SECRET": value, "appinsights-connection-string": CONNECTION_STRING},
    )

    assert _validate("--environment", "local", "--show") == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "fabric-action: error: deploy/fabric-action.yml:6:18: auth.client_secret: "
        f"${{secret:fabric-client-secret}} cannot be used here: {why}",
        "deploy/fabric-action.yml: 1 problem, not valid",
    ]
    assert "Qz7Kp2" not in err
    assert "Wm9Lx4" not in err
