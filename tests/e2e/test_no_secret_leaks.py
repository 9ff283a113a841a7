"""No secret value ever appears in stdout, stderr, reports or files a run writes (issue 4).

Known values are planted in a ``.env`` (untracked, ignored) beside the config of a temporary
git repository, and in the emulator's Key Vault. ``fabric-action validate --show`` runs as
the action runs it (a fresh process, GITHUB_ACTIONS=true, file-command files in tmp_path)
and in-process through ``cli.main``; a deployment-time resolution reads the emulator's
vault. Everything produced is then scanned for each value, and for its JSON-escaped,
URL-encoded and per-line forms. The one place a value may appear is an ``::add-mask::``
line on stdout, and every such line must come before any other line of output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets._shared import http_challenge_cache

from fabric_action import cli
from fabric_action._run_secrets import dotenv_path_for, secrets_options_for
from fabric_action.ci import GitHubAdapter
from fabric_action.config import format_effective_config, load_config, resolve_config_secrets
from fabric_action.secrets import DotenvFile, SecretManager, SecretMasker
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.e2e

# Values with what JSON, YAML, URLs and the runner's command syntax escape: quotes,
# backslashes, '$', '%', '&', '=' and non-ASCII; none of them can occur by chance.
DOTENV_SECRETS = {
    "fabric-client-secret": "c1ient\"Secret'\\with$HOME%25percent&amp=é~Zq8",
    "appinsights-connection-string": (
        "InstrumentationKey=5e1c7a2b-9f0d-4c3b-8a7e-d00dfeedc0de;"
        'IngestionEndpoint=https://in.example/?q="a\\b"&p=%2F$x'
    ),
    "github-connection-id": "7d9e1c2a-5b3f-4e8d-9a6c-1f2e3d4c5b6a",
}
VAULT_SECRETS = {
    "appinsights-connection-string": (
        'InstrumentationKey=0a1b2c3d-4e5f-4a6b-8c7d-vault0000001;Note="v\\$%41"'
    ),
    "github-connection-id": "c0ffee00-1234-4abc-9def-00000000beef",
}
UNFIT_CLIENT_SECRET = 'unfit"line-one$%41\\\nunfit-line-two&=Zq9'
"""A client secret with a line break: unfit for its field, and never to be echoed."""
PYTHON_CLI = (
    sys.executable,
    "-c",
    "import sys; from fabric_action.cli import main; sys.exit(main())",
)
ADD_MASK = re.compile(r"::add-mask(?: [^:]*)?::(?P<value>.*)")
"""A mask command as the runner parses it (github-action-utils writes ``::add-mask ::v``)."""


def _config(vault_url: str) -> str:
    return f"""\
version: 1
project: leak-scan
auth:
  tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
  client_id: 0ec5ae2c-1c7a-4b0a-8b5e-000000000001
  client_secret: ${{secret:fabric-client-secret}}
telemetry: {{connection_string: "${{secret:appinsights-connection-string}}"}}
environments:
  local:
    workspaces:
      engineering: &workspace
        name: leak-scan-eng
        items: {{source: workspaces/engineering}}
        git: {{provider: GitHub, owner: contoso, repository: sales, branch: main,
              directory: /workspaces/engineering, connection: "${{secret:github-connection-id}}"}}
  dev:
    secrets: {{key_vault_url: "{vault_url}", cache_ttl_s: 0}}
    workspaces:
      engineering: *workspace
"""


def _dotenv_line(key: str, value: str) -> str:
    """Write *value* double-quoted, escaped as python-dotenv reads it back."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{key}="{escaped}"\n'


def _forms(value: str) -> set[str]:
    """Return every spelling of *value* a leak could take."""
    forms = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
    }
    forms |= {line for line in value.splitlines() if line.strip()}
    return forms


def _unescape_command_data(text: str) -> str:
    """Undo the runner's command-data escaping, as it does before registering a mask."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _snapshot(root: Path) -> dict[Path, str]:
    return {
        path: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


@dataclasses.dataclass
class Run:
    """What one run produced: its streams and every file it wrote."""

    label: str
    stdout: str
    stderr: str
    files: dict[Path, str]
    merged: bool = False


class Workspace:
    """The temporary repository, the runner's file-command files and the runs made in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = root / "repo"
        self.config = self.repo / "fabric-action.yml"
        self.dotenv = self.repo / ".env"
        self.commands = root / "file_commands"
        self.runs: list[Run] = []

    def create(self, vault_url: str) -> None:
        (self.repo / "workspaces" / "engineering").mkdir(parents=True)
        self.config.write_text(_config(vault_url), encoding="utf-8")
        (self.repo / ".gitignore").write_text(".env\n", encoding="utf-8")
        for command in (["init", "-q"], ["add", ".gitignore", "fabric-action.yml"]):
            subprocess.run(["git", "-C", str(self.repo), *command], check=True)
        self.commands.mkdir()
        (self.root / "home").mkdir()
        (self.root / "tmp").mkdir()

    def plant_dotenv(self, values: Mapping[str, str]) -> None:
        self.dotenv.write_text(
            "".join(_dotenv_line(k.upper().replace("-", "_"), v) for k, v in values.items()),
            encoding="utf-8",
        )
        # Precondition: the file reads back exactly what was planted, so the scan looks
        # for the very values the run sees.
        keys = {k.upper().replace("-", "_"): v for k, v in values.items()}
        assert DotenvFile(self.dotenv).values() == keys

    def github_environ(self) -> dict[str, str]:
        files = {
            "GITHUB_OUTPUT": self.commands / "set_output",
            "GITHUB_STEP_SUMMARY": self.commands / "step_summary",
            "GITHUB_ENV": self.commands / "set_env",
        }
        for path in files.values():
            path.touch()
        return {"GITHUB_ACTIONS": "true", "CI": "true"} | {k: str(v) for k, v in files.items()}

    def written_since(self, before: Mapping[Path, str]) -> dict[Path, str]:
        after = _snapshot(self.root)
        written = {path for path, digest in after.items() if before.get(path) != digest}
        written |= set(self.commands.iterdir())  # scanned even when left empty
        return {path: path.read_text(encoding="utf-8", errors="replace") for path in written}

    def run_subprocess(self, label: str, *args: str, merged: bool = False) -> int:
        """Run the CLI in a fresh interpreter as the Docker action does."""
        environ = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("INPUT_", "FABRIC_ACTION_", "GITHUB_", "AZURE_"))
        }
        environ |= self.github_environ()
        environ |= {"HOME": str(self.root / "home"), "TMPDIR": str(self.root / "tmp")}
        before = _snapshot(self.root)
        result = subprocess.run(
            [*PYTHON_CLI, "validate", "--config", "fabric-action.yml", "--show", *args],
            cwd=self.repo,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merged else subprocess.PIPE,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        self.runs.append(
            Run(label, result.stdout, result.stderr or "", self.written_since(before), merged)
        )
        return result.returncode


@pytest.fixture(autouse=True)
def _fresh_challenge_cache() -> Iterator[None]:
    """The Key Vault SDK caches challenges per host for the whole process."""
    http_challenge_cache.clear()
    yield
    http_challenge_cache.clear()


@pytest.fixture
def workspace(tmp_path: Path, emulator: RunningEmulator) -> Workspace:
    made = Workspace(tmp_path)
    made.create(emulator.base_url)
    for name, value in VAULT_SECRETS.items():
        emulator.control("PUT", f"keyvault/secrets/{name}", {"value": value})
    return made


def _mask_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if ADD_MASK.fullmatch(line)]


def _scan(run: Run, planted: Mapping[str, str]) -> None:
    """Fail on any plaintext outside stdout's leading ``::add-mask::`` lines."""
    stdout = run.stdout.splitlines()
    masks = _mask_lines(stdout)
    assert stdout[: len(masks)] == masks, f"{run.label}: a line of output came before a mask"
    for name, value in planted.items():
        for form in _forms(value):
            for number, line in enumerate(stdout[len(masks) :], len(masks) + 1):
                assert form not in line, f"{run.label}: {name} leaked on stdout line {number}"
            assert form not in run.stderr, f"{run.label}: {name} leaked on stderr"
            for path, text in run.files.items():
                assert form not in text, f"{run.label}: {name} leaked into {path}"
    assert not any("add-mask" in line for line in run.stderr.splitlines())


def _masked_values(run: Run) -> set[str]:
    found = (ADD_MASK.fullmatch(line) for line in run.stdout.splitlines())
    return {_unescape_command_data(match["value"]) for match in found if match}


def _github_outputs(run: Run, workspace: Workspace) -> str:
    return run.files[workspace.commands / "set_output"]


def test_validate_in_a_fresh_process_leaks_nothing(
    workspace: Workspace, emulator: RunningEmulator
) -> None:
    workspace.plant_dotenv(DOTENV_SECRETS)
    first_request = len(emulator.requests_log())

    local = workspace.run_subprocess("local", "--environment", "local")
    merged = workspace.run_subprocess("local, one stream", "--environment", "local", merged=True)
    dev = workspace.run_subprocess("dev with vault", "--environment", "dev")

    assert (local, merged, dev) == (0, 0, 0), [run.stdout + run.stderr for run in workspace.runs]
    planted = DOTENV_SECRETS | {f"vault {k}": v for k, v in VAULT_SECRETS.items()}
    for run in workspace.runs:
        _scan(run, planted)
        # Not vacuous: every .env value was read and masked, and the run said so.
        assert set(DOTENV_SECRETS.values()) <= _masked_values(run), run.label
        assert "*** (secret fabric-client-secret, source: .env (.env)" in run.stdout
        assert "valid<<ghadelimiter_" in _github_outputs(run, workspace)
    dev_run = workspace.runs[2]
    assert "source: Key Vault (not contacted)" not in dev_run.stdout  # .env had them all
    assert f"Key Vault {emulator.base_url} not contacted" in dev_run.stdout
    vault_calls = [e for e in emulator.requests_log()[first_request:] if "/secrets" in e["path"]]
    assert vault_calls == [], "validate is offline: it must not call Key Vault"


def test_validate_through_cli_main_leaks_nothing(
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    workspace.plant_dotenv(DOTENV_SECRETS)
    for name in [n for n in os.environ if n.startswith(("INPUT_", "FABRIC_ACTION_", "GITHUB_"))]:
        monkeypatch.delenv(name)
    for name, value in workspace.github_environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(workspace.repo)

    # The second run finds the config through the default file name.
    for argv in (
        ["validate", "--config", "fabric-action.yml", "--environment", "local"],
        ["validate", "--environment", "local", "--show"],
    ):
        before = _snapshot(workspace.root)
        with caplog.at_level(logging.DEBUG):
            code = cli.main(argv)
        captured = capsys.readouterr()
        run = Run(
            " ".join(argv),
            captured.out,
            captured.err + caplog.text,
            workspace.written_since(before),
        )
        caplog.clear()

        assert code == 0, captured
        _scan(run, DOTENV_SECRETS)
        # Each run builds its masker, so each registers every value again, first.
        assert set(DOTENV_SECRETS.values()) <= _masked_values(run)
        assert "valid<<ghadelimiter_" in _github_outputs(run, workspace)
    assert "source: .env (.env)" in run.stdout


def test_deploy_time_resolution_from_the_vault_leaks_nothing(
    workspace: Workspace,
    emulator: RunningEmulator,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The vault serves two secrets; the client secret is only in .env (the dev fallback,
    # which also logs a warning).
    workspace.plant_dotenv({"fabric-client-secret": DOTENV_SECRETS["fabric-client-secret"]})
    environ = workspace.github_environ()
    adapter = GitHubAdapter(environ)
    credential = ClientSecretCredential(
        emulator.tenant,
        emulator.client_id,
        emulator.client_secret,
        authority=emulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(emulator.ca_path),
    )
    before = _snapshot(workspace.root)
    offline = load_config(workspace.config, "dev", environ={})
    options = secrets_options_for(
        offline, dotenv_path=dotenv_path_for(workspace.config), offline=False
    )
    options = dataclasses.replace(options, ca_bundle=str(emulator.ca_path), retry_total=0)
    with (
        caplog.at_level(logging.DEBUG),
        SecretManager(options, masker=SecretMasker(adapter), credential=credential) as manager,
    ):
        config = resolve_config_secrets(offline, manager)
        shown = format_effective_config(config)
        sys.stdout.write(shown)
        adapter.set_output("effective", shown)
        adapter.set_output("valid", "true")
        report = workspace.root / "report.json"
        report.write_text(json.dumps(config.values, default=str, indent=2), encoding="utf-8")
        Path(environ["GITHUB_STEP_SUMMARY"]).write_text(f"```\n{shown}```\n", encoding="utf-8")
    credential.close()

    captured = capsys.readouterr()
    run = Run(
        "deploy-time", captured.out, captured.err + caplog.text, workspace.written_since(before)
    )
    planted = {
        "fabric-client-secret": DOTENV_SECRETS["fabric-client-secret"],
        **{f"vault {k}": v for k, v in VAULT_SECRETS.items()},
    }
    _scan(run, planted)
    assert set(planted.values()) <= _masked_values(run)
    assert "came from" in caplog.text  # the .env fallback warning was really logged
    assert workspace.root / "report.json" in run.files
    assert config.auth.client_secret is not None
    assert config.auth.client_secret.require().reveal() == DOTENV_SECRETS["fabric-client-secret"]


@pytest.mark.parametrize(
    ("client_secret", "why"),
    [
        (UNFIT_CLIENT_SECRET, "contains whitespace or a line break"),
        ("", "is empty (or only whitespace)"),
    ],
    ids=["line-break", "empty"],
)
def test_a_value_unfit_for_its_field_is_rejected_without_being_echoed(
    workspace: Workspace, client_secret: str, why: str
) -> None:
    planted = DOTENV_SECRETS | {"fabric-client-secret": client_secret}
    workspace.plant_dotenv(planted)

    separate = workspace.run_subprocess("unfit", "--environment", "local")
    merged = workspace.run_subprocess("unfit, one stream", "--environment", "local", merged=True)

    assert (separate, merged) == (2, 2)
    scanned = {name: value for name, value in planted.items() if value}
    for run in workspace.runs:
        _scan(run, scanned)
        assert f"${{secret:fabric-client-secret}} cannot be used here: the value {why}" in (
            run.stdout
        )  # the ::error:: annotation, on stdout on GitHub
        assert set(scanned.values()) <= _masked_values(run) | {UNFIT_CLIENT_SECRET}
    if client_secret:
        masked = _masked_values(workspace.runs[0])
        assert {'unfit"line-one$%41\\', "unfit-line-two&=Zq9"} <= masked  # line by line
