"""No plaintext leaves the process: a run on the GitHub adapter, every output scanned.

Known secrets come from the emulator's vault and from a .env fallback; the run logs,
annotates, writes step outputs and a job summary, as the action does. In everything it
produced, ``::add-mask::`` lines are the only place a value may appear, and each value's
mask comes before any other line that mentions the secret.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import pytest
from azure.identity import ClientSecretCredential
from secrets_support import seed

from fabric_action.ci import GitHubAdapter
from fabric_action.errors import SecretsError
from fabric_action.reliability import FakeClock
from fabric_action.secrets import SecretManager, SecretMasker, SecretsOptions
from fabric_emulator.testing import RunningEmulator

VAULT_SECRETS = {
    "db-password": "Vault-Pa55-4f2a9",
    "sp-certificate": "cert-line-one-x9\ncert-line-two-y8",
    "quoted-token": 'quote"d-val-3e',
}
DOTENV_SECRETS = {"api-key": "dotenv-Key-77c1"}
PLANTED = {**VAULT_SECRETS, **DOTENV_SECRETS}
ADD_MASK = re.compile(r"::add-mask(?: [^:]*)?::(?P<value>.*)")
"""A mask command as the runner parses it (github-action-utils writes ``::add-mask ::v``)."""


def _masked(line: str) -> str | None:
    found = ADD_MASK.fullmatch(line)
    return found.group("value") if found else None


def _fragments(value: str) -> list[str]:
    return [value, *(line for line in value.splitlines() if line.strip())]


def _run_the_action(
    emulator: RunningEmulator,
    credential: ClientSecretCredential,
    adapter: GitHubAdapter,
    dotenv: Path,
    summary: Path,
) -> None:
    """Resolve, log, annotate and report the way a deployment step does."""
    masker = SecretMasker(adapter)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(masker.logging_filter())
    logger = logging.getLogger("fabric_action")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    vault_url, ca_bundle = emulator.base_url, str(emulator.ca_path)
    manager = SecretManager(
        SecretsOptions(
            tier="dev", dotenv_path=dotenv, retry_total=0, vault_url=vault_url, ca_bundle=ca_bundle
        ),
        masker=masker,
        clock=FakeClock(),
        credential=credential,
    )
    try:
        resolved = {name: manager.get(name) for name in PLANTED}
        for name, secret in resolved.items():
            logger.info("resolved secret %s: %s (%r)", name, secret, secret)
            logger.info("connection string Server=db;User=svc;Password=%s", secret)
            # A careless call that reveals the value is still redacted by the filter.
            logger.info("careless %s", secret.reveal())
            adapter.error(f"example annotation for {name}: {secret}")
        adapter.set_output("resolved", json.dumps(resolved, default=str))
        with summary.open("a", encoding="utf-8") as report:
            report.write("| secret | value |\n|---|---|\n")
            report.writelines(f"| {name} | {secret} |\n" for name, secret in resolved.items())
        prod = SecretManager(
            SecretsOptions(tier="prod", retry_total=0, vault_url=vault_url, ca_bundle=ca_bundle),
            masker=masker,
            credential=credential,
        )
        try:
            prod.get("not-there")
        except SecretsError as error:
            adapter.error(str(error))
        finally:
            prod.close()
    finally:
        manager.close()
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def test_no_plaintext_anywhere_but_add_mask_lines_which_come_first(
    emulator: RunningEmulator,
    credential: ClientSecretCredential,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in VAULT_SECRETS.items():
        seed(emulator, name, value)
    dotenv = tmp_path / "work" / ".env"
    dotenv.parent.mkdir()
    dotenv.write_text(
        "".join(f"{n.upper().replace('-', '_')}={v}\n" for n, v in DOTENV_SECRETS.items()),
        encoding="utf-8",
    )
    output, summary = tmp_path / "github_output", tmp_path / "step_summary.md"
    adapter = GitHubAdapter({"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)})

    _run_the_action(emulator, credential, adapter, dotenv, summary)

    captured = capsys.readouterr()
    stdout = captured.out.splitlines()
    files = output.read_text(encoding="utf-8") + summary.read_text(encoding="utf-8")
    assert len(stdout) > 20
    assert "came from" in captured.out  # the fallback warning was really logged
    assert "***" in files
    for name, value in PLANTED.items():
        fragments = _fragments(value)
        leaks = [
            line
            for line in stdout
            if not ADD_MASK.fullmatch(line) and any(f in line for f in fragments)
        ]
        assert leaks == [], f"{name} leaked"
        assert not any(f in captured.err or f in files for f in fragments), f"{name} leaked"
        masked = [_masked(line) for line in stdout]
        first_mask = masked.index(value.splitlines()[0])
        mentions = [
            index
            for index, line in enumerate(stdout)
            if not ADD_MASK.fullmatch(line) and (name in line or name.upper() in line)
        ]
        assert mentions, f"{name} was never mentioned, so the order proves nothing"
        assert first_mask < mentions[0], f"{name} was mentioned before its mask"
    masked_values = {_masked(line) for line in stdout} - {None}
    assert {"cert-line-two-y8", 'quote\\"d-val-3e'} <= masked_values
    assert any("secret 'not-there' is not in Key Vault" in line for line in stdout)
