"""SecretManager rules per tier, on a fake vault and a fake clock."""

from __future__ import annotations

import logging
import re
from enum import Enum, StrEnum
from pathlib import Path

import pytest

from fabric_action.errors import (
    ConfigError,
    InvalidSecretNameError,
    SecretDisabledError,
    SecretNotFoundError,
    SecretsUnavailableError,
)
from fabric_action.reliability import FakeClock
from fabric_action.secrets import (
    Secret,
    SecretManager,
    SecretMasker,
    SecretsOptions,
    Tier,
    parse_tier,
)

VAULT_URL = "https://fake.vault.azure.net"


class FakeVault:
    """A VaultReader whose answers the test decides."""

    vault_url = VAULT_URL

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = dict(values or {})
        self.disabled: set[str] = set()
        self.down = False
        self.calls: list[str] = []
        self.closed = False

    def fetch(self, name: str) -> Secret:
        self.calls.append(name)
        if self.down:
            raise SecretsUnavailableError(f"{name}: HTTP 503", secret_name=name)
        if name in self.disabled:
            raise SecretDisabledError(f"{name} is disabled", secret_name=name)
        if name not in self.values:
            raise SecretNotFoundError(f"{name} is not in the vault", secret_name=name)
        return Secret(self.values[name])

    def close(self) -> None:
        self.closed = True


class EventSink:
    """Records masks into a shared event list (to check they precede log lines)."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def mask(self, value: str) -> None:
        self.events.append(f"mask:{value}")


class EventHandler(logging.Handler):
    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(f"log:{record.getMessage()}")


@pytest.fixture
def events() -> list[str]:
    return []


@pytest.fixture
def masker(events: list[str]) -> SecretMasker:
    return SecretMasker(EventSink(events))


@pytest.fixture
def dotenv(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text("DB_PASSWORD=from-dotenv\napi-key=dotenv-key\n", encoding="utf-8")
    return path


def _manager(
    tier: str,
    masker: SecretMasker,
    dotenv: Path | None,
    vault: FakeVault | None,
    clock: FakeClock | None = None,
    **options: object,
) -> SecretManager:
    return SecretManager(
        SecretsOptions(tier=tier, dotenv_path=dotenv, **options),  # type: ignore[arg-type]
        masker=masker,
        clock=clock or FakeClock(),
        vault=vault,
    )


class ConfigTier(StrEnum):
    PROD = "prod"


class PlainTier(Enum):
    TEST = "test"


@pytest.mark.parametrize(
    ("given", "tier"),
    [
        ("dev", Tier.DEV),
        ("PROD", Tier.PROD),
        (ConfigTier.PROD, Tier.PROD),
        (PlainTier.TEST, Tier.TEST),
    ],
)
def test_parse_tier_accepts_names_and_str_enums(given: object, tier: Tier) -> None:
    assert parse_tier(given) is tier


def test_unknown_tier_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown tier 'production': use one of local, dev"):
        parse_tier("production")


def test_local_tier_reads_dotenv_with_both_spellings(
    masker: SecretMasker, dotenv: Path, events: list[str]
) -> None:
    vault = FakeVault({"db-password": "never-used"})
    manager = _manager("local", masker, dotenv, vault)

    secret = manager.get("db-password")

    assert (secret.reveal(), manager.get("api-key").reveal()) == ("from-dotenv", "dotenv-key")
    assert (manager.tier, manager.uses_key_vault) == (Tier.LOCAL, False)
    assert vault.calls == []
    assert events == ["mask:from-dotenv", "mask:dotenv-key"]


def test_local_tier_missing_secret_says_where_it_looked(masker: SecretMasker, dotenv: Path) -> None:
    manager = _manager("local", masker, dotenv, None)

    with pytest.raises(SecretNotFoundError) as caught:
        manager.get("other-secret")

    assert "looked for other-secret or OTHER_SECRET" in str(caught.value)
    assert str(dotenv) in str(caught.value)


def test_without_any_dotenv_file_the_secret_is_not_found(masker: SecretMasker) -> None:
    with pytest.raises(SecretNotFoundError, match=r"no \.env file"):
        _manager("local", masker, None, None).get("db-password")


def test_prod_refuses_key_vault_off_and_a_missing_vault(masker: SecretMasker) -> None:
    with pytest.raises(ConfigError, match="USE_KEY_VAULT cannot be off in a prod"):
        _manager("prod", masker, None, None, use_key_vault=False)
    with pytest.raises(ConfigError, match="needs a Key Vault URL"):
        _manager("prod", masker, None, None)


def test_vault_value_is_masked_before_it_is_returned_and_cached_for_the_ttl(
    masker: SecretMasker, events: list[str]
) -> None:
    vault = FakeVault({"db-password": "from-vault"})
    clock = FakeClock()
    manager = _manager("prod", masker, None, vault, clock, cache_ttl_s=100.0)

    first = manager.get("db-password")
    clock.advance(99.0)
    cached = manager.get("DB-PASSWORD")
    vault.values["db-password"] = "rotated"
    clock.advance(1.0)
    refreshed = manager.get("db-password")

    assert (first.reveal(), cached is first, refreshed.reveal()) == ("from-vault", True, "rotated")
    assert vault.calls == ["db-password", "db-password"]
    assert events == ["mask:from-vault", "mask:rotated"]


def test_invalidate_forces_a_refetch(masker: SecretMasker) -> None:
    vault = FakeVault({"db-password": "v"})
    manager = _manager("dev", masker, None, vault)
    manager.get("db-password")

    manager.invalidate("db-password")
    manager.get("db-password")

    assert vault.calls == ["db-password", "db-password"]


@pytest.mark.parametrize("tier", ["dev", "test"])
def test_vault_outage_falls_back_to_dotenv_masking_before_warning(
    tier: str, masker: SecretMasker, dotenv: Path, events: list[str]
) -> None:
    vault = FakeVault({"db-password": "from-vault"})
    vault.down = True
    handler = EventHandler(events)
    logger = logging.getLogger("fabric_action.secrets")
    logger.addHandler(handler)
    try:
        secret = _manager(tier, masker, dotenv, vault).get("db-password")
    finally:
        logger.removeHandler(handler)

    assert secret.reveal() == "from-dotenv"
    assert events[0] == "mask:from-dotenv"
    assert events[1].startswith("log:secret 'db-password' came from ")
    assert "because Key Vault failed (db-password: HTTP 503)" in events[1]


def test_secret_missing_from_the_vault_falls_back_outside_prod(
    masker: SecretMasker, dotenv: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fabric_action.secrets"):
        secret = _manager("dev", masker, dotenv, FakeVault()).get("api-key")

    assert secret.reveal() == "dotenv-key"
    assert "is not in the vault" in caplog.text


def test_fallback_without_the_secret_names_both_failures(
    masker: SecretMasker, dotenv: Path
) -> None:
    vault = FakeVault()
    vault.down = True

    with pytest.raises(SecretNotFoundError) as caught:
        _manager("dev", masker, dotenv, vault).get("unknown")

    assert "Key Vault failed (unknown: HTTP 503)" in str(caught.value)
    assert isinstance(caught.value.__cause__, SecretsUnavailableError)
    assert caught.value.vault_url == VAULT_URL


def test_prod_never_falls_back(masker: SecretMasker, dotenv: Path) -> None:
    vault = FakeVault()
    manager = _manager("prod", masker, dotenv, vault)

    with pytest.raises(SecretNotFoundError, match="is not in the vault"):
        manager.get("api-key")
    vault.down = True
    with pytest.raises(SecretsUnavailableError, match="HTTP 503"):
        manager.get("db-password")


def test_disabled_secret_never_falls_back(masker: SecretMasker, dotenv: Path) -> None:
    vault = FakeVault({"api-key": "v"})
    vault.disabled.add("api-key")

    with pytest.raises(SecretDisabledError):
        _manager("dev", masker, dotenv, vault).get("api-key")


def test_after_an_outage_the_vault_rests_for_the_cooldown(
    masker: SecretMasker, dotenv: Path
) -> None:
    vault = FakeVault({"db-password": "from-vault", "api-key": "vault-key"})
    vault.down = True
    clock = FakeClock()
    manager = _manager("dev", masker, dotenv, vault, clock, vault_cooldown_s=60.0)

    during = [manager.get("db-password").reveal(), manager.get("api-key").reveal()]
    vault.down = False
    clock.advance(59.0)
    still_resting = manager.get("db-password").reveal()
    clock.advance(1.0)
    recovered = manager.get("db-password").reveal()

    assert during == ["from-dotenv", "dotenv-key"]
    assert still_resting == "from-dotenv"
    assert recovered == "from-vault"
    assert vault.calls == ["db-password", "db-password"]


def test_prod_cooldown_fails_fast_with_the_first_reason(masker: SecretMasker) -> None:
    vault = FakeVault()
    vault.down = True
    clock = FakeClock()
    manager = _manager("prod", masker, None, vault, clock)
    with pytest.raises(SecretsUnavailableError):
        manager.get("first")
    clock.advance(5.0)

    with pytest.raises(SecretsUnavailableError) as caught:
        manager.get("second")

    assert vault.calls == ["first"]
    assert "was not requested from Key Vault" in str(caught.value)
    assert "failed 5 s ago (first: HTTP 503)" in str(caught.value)


def test_dev_without_a_vault_url_warns_and_uses_dotenv(
    masker: SecretMasker, dotenv: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manager = SecretManager(SecretsOptions(tier="dev", dotenv_path=dotenv), masker=masker)

    with caplog.at_level(logging.WARNING, logger="fabric_action.secrets"):
        secret = manager.get("db-password")

    assert manager.uses_key_vault
    assert secret.reveal() == "from-dotenv"
    assert "no Key Vault URL is configured" in caplog.text


def test_invalid_name_is_refused_before_any_lookup(masker: SecretMasker) -> None:
    vault = FakeVault()

    with pytest.raises(InvalidSecretNameError):
        _manager("dev", masker, None, vault).get("bad_name")

    assert vault.calls == []


def test_context_manager_closes_the_vault(masker: SecretMasker) -> None:
    vault = FakeVault()

    with _manager("dev", masker, None, vault) as manager:
        assert isinstance(manager, SecretManager)

    assert vault.closed
    _manager("local", masker, None, None).close()


def test_prod_without_an_identity_fails_with_what_to_do(masker: SecretMasker) -> None:
    manager = SecretManager(
        SecretsOptions(tier="prod", vault_url=VAULT_URL), masker=masker, environ={}
    )

    with pytest.raises(SecretsUnavailableError) as caught:
        manager.get("db-password")
    manager.close()

    assert "no identity for the vault was found" in str(caught.value)
    assert "AZURE_CLIENT_SECRET" in str(caught.value)
    assert caught.value.vault_url == VAULT_URL


def test_an_invalid_vault_url_is_a_config_error(masker: SecretMasker) -> None:
    with pytest.raises(ConfigError, match=re.escape("invalid Key Vault URL 'http://kv.example'")):
        SecretManager(SecretsOptions(tier="dev", vault_url="http://kv.example"), masker=masker)
