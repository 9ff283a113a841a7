"""Fixtures for SecretManager against the emulator's Key Vault, with the real SDK clients.

``emulator`` (HTTPS, frozen clock) comes from tests/conftest.py. Trust is explicit: every
client gets the emulator CA, never REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets._shared import http_challenge_cache
from secrets_support import ManagerFactory, RecordingSink

from fabric_action.reliability import FakeClock
from fabric_action.secrets import SecretManager, SecretMasker, SecretsOptions
from fabric_emulator.testing import RunningEmulator


@pytest.fixture(autouse=True)
def _fresh_challenge_cache() -> Iterator[None]:
    """The SDK caches Key Vault challenges per host for the whole process."""
    http_challenge_cache.clear()
    yield
    http_challenge_cache.clear()


@pytest.fixture
def credential(emulator: RunningEmulator) -> Iterator[ClientSecretCredential]:
    """azure-identity's client-secret credential for the default app, on the emulator."""
    made = ClientSecretCredential(
        emulator.tenant,
        emulator.client_id,
        emulator.client_secret,
        authority=emulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(emulator.ca_path),
    )
    yield made
    made.close()


@pytest.fixture
def clock() -> FakeClock:
    """The manager's clock (cache TTL and cooldown); the emulator's clock is separate."""
    return FakeClock()


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def dotenv_path(tmp_path: Path) -> Path:
    """A .env outside any git repository, with fallback values."""
    folder = tmp_path / "work"
    folder.mkdir()
    path = folder / ".env"
    path.write_text("DB_PASSWORD=dotenv-password\nAPI_KEY=dotenv-api-key\n", encoding="utf-8")
    return path


@pytest.fixture
def vault_options(emulator: RunningEmulator) -> dict[str, Any]:
    """SecretsOptions fields that point at the emulator's vault, retries off."""
    return {
        "vault_url": emulator.base_url,
        "ca_bundle": str(emulator.ca_path),
        "retry_total": 0,
    }


@pytest.fixture
def make_manager(
    credential: ClientSecretCredential,
    clock: FakeClock,
    sink: RecordingSink,
    dotenv_path: Path,
    vault_options: dict[str, Any],
) -> Iterator[ManagerFactory]:
    """Return a factory of managers on the emulator's vault (closed after the test)."""
    made: list[SecretManager] = []

    def build(tier: str = "dev", **options: Any) -> SecretManager:
        chosen = options.pop("credential", credential)
        environ = options.pop("environ", None)
        settings = {**vault_options, "dotenv_path": dotenv_path, **options}
        manager = SecretManager(
            SecretsOptions(tier=tier, **settings),
            masker=SecretMasker(sink),
            clock=clock,
            credential=chosen,
            environ=environ,
        )
        made.append(manager)
        return manager

    yield build
    for manager in made:
        manager.close()
