"""SecretManager offline (``validate``): the vault is never built, prod never reads .env."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from fabric_action.errors import (
    ConfigError,
    DotenvRefusedError,
    SecretDeferredError,
    SecretNotFoundError,
)
from fabric_action.secrets import Secret, SecretManager, SecretMasker, SecretsOptions

VAULT_URL = "https://fake.vault.azure.net"


class RecordingSink:
    def __init__(self) -> None:
        self.masked: list[str] = []

    def mask(self, value: str) -> None:
        self.masked.append(value)


class ExplodingVault:
    """A VaultReader that fails the test if anything reaches it."""

    vault_url = VAULT_URL

    def fetch(self, name: str) -> Secret:
        raise AssertionError(f"the vault was called for {name!r} while offline")

    def close(self) -> None:
        """Nothing to release."""


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def dotenv(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text("DB_PASSWORD=from-dotenv\n", encoding="utf-8")
    return path


def _offline(
    tier: str, sink: RecordingSink, dotenv: Path | None, **options: object
) -> SecretManager:
    return SecretManager(
        SecretsOptions(tier=tier, dotenv_path=dotenv, offline=True, **options),  # type: ignore[arg-type]
        masker=SecretMasker(sink),
        environ={},
    )


@pytest.mark.parametrize("tier", ["dev", "test"])
def test_dev_and_test_take_dotenv_values_and_defer_the_rest_to_the_vault(
    tier: str, sink: RecordingSink, dotenv: Path
) -> None:
    manager = _offline(tier, sink, dotenv, vault_url=VAULT_URL)

    secret = manager.get("db-password")
    with pytest.raises(SecretDeferredError) as deferred:
        manager.get("api-key")

    assert secret.reveal() == "from-dotenv"
    assert sink.masked == ["from-dotenv"]
    assert deferred.value.vault_url == VAULT_URL
    assert deferred.value.secret_name == "api-key"
    assert str(deferred.value) == (
        f"secret 'api-key' is resolved at deploy time from Key Vault {VAULT_URL}: this run "
        "is offline and does not contact the vault"
    )
    assert (manager.offline, manager.vault_url, manager.dotenv_path) == (True, VAULT_URL, dotenv)


def test_prod_defers_every_secret_and_never_reads_dotenv(sink: RecordingSink, dotenv: Path) -> None:
    manager = _offline("prod", sink, dotenv, vault_url=VAULT_URL)

    with pytest.raises(SecretDeferredError, match="resolved at deploy time from Key Vault"):
        manager.get("db-password")  # .env has it: prod must not claim it resolved

    assert sink.masked == []
    assert manager.dotenv_path is None


def test_prod_rules_still_hold_offline(sink: RecordingSink) -> None:
    with pytest.raises(ConfigError, match="USE_KEY_VAULT cannot be off in a prod"):
        _offline("prod", sink, None, use_key_vault=False, vault_url=VAULT_URL)
    with pytest.raises(ConfigError, match="needs a Key Vault URL"):
        _offline("prod", sink, None)
    with pytest.raises(ConfigError, match=re.escape("invalid Key Vault URL 'http://kv'")):
        _offline("dev", sink, None, vault_url="http://kv")


def test_an_injected_vault_is_never_called_offline(sink: RecordingSink, dotenv: Path) -> None:
    manager = SecretManager(
        SecretsOptions(tier="dev", dotenv_path=dotenv, offline=True),
        masker=SecretMasker(sink),
        vault=ExplodingVault(),
    )

    with pytest.raises(SecretDeferredError):
        manager.get("api-key")
    manager.close()

    assert manager.vault_url == VAULT_URL


def test_local_tier_and_flag_off_read_dotenv_as_online(sink: RecordingSink, dotenv: Path) -> None:
    local = _offline("local", sink, dotenv, vault_url=VAULT_URL)
    flag_off = _offline("dev", sink, dotenv, use_key_vault=False, vault_url=VAULT_URL)

    assert local.get("db-password").reveal() == "from-dotenv"
    assert flag_off.vault_url is None
    with pytest.raises(SecretNotFoundError, match="or turn USE_KEY_VAULT on to read it"):
        flag_off.get("api-key")


def test_dev_without_a_vault_url_reads_dotenv_without_the_fallback_warning(
    sink: RecordingSink, dotenv: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manager = _offline("dev", sink, dotenv)

    assert manager.get("db-password").reveal() == "from-dotenv"
    with pytest.raises(SecretNotFoundError, match="or set the Key Vault URL to read it"):
        manager.get("api-key")
    assert caplog.records == []


def test_a_tracked_dotenv_is_refused_offline_too(tmp_path: Path, sink: RecordingSink) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".env").write_text("DB_PASSWORD=x\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", ".env"], check=True)

    with pytest.raises(DotenvRefusedError, match="is tracked by git"):
        _offline("dev", sink, repo / ".env", vault_url=VAULT_URL).get("db-password")
    assert sink.masked == []
