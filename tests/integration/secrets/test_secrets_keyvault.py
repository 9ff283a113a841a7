"""SecretManager through the real azure-keyvault-secrets client and the emulator's vault."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
from pathlib import Path

import pytest
from azure.identity import ClientSecretCredential
from secrets_support import ManagerFactory, RecordingSink, seed, vault_requests

from fabric_action.errors import (
    DotenvRefusedError,
    SecretDisabledError,
    SecretNotFoundError,
    SecretsUnavailableError,
)
from fabric_action.reliability import FakeClock
from fabric_emulator._entra_ci_tokens import DEFAULT_GITHUB_REQUEST_TOKEN
from fabric_emulator.testing import RunningEmulator

OUTAGE = [{"route": "/secrets/**", "error_rate": 1.0, "error_statuses": [503]}]


def test_cache_hit_makes_no_request_within_the_ttl(
    emulator: RunningEmulator, make_manager: ManagerFactory, clock: FakeClock
) -> None:
    seed(emulator, "db-password", "vault-password")
    manager = make_manager("prod")

    first = manager.get("db-password")
    after_first = vault_requests(emulator)
    clock.advance(3599.0)
    second = manager.get("db-password")

    assert first.reveal() == second.reveal() == "vault-password"
    assert after_first == [
        ("GET", "/secrets/db-password/", 401),
        ("GET", "/secrets/db-password/", 200),
    ]
    assert vault_requests(emulator) == after_first


def test_expiry_refetches_and_sees_the_new_version(
    emulator: RunningEmulator, make_manager: ManagerFactory, clock: FakeClock
) -> None:
    seed(emulator, "db-password", "version-1")
    manager = make_manager("dev", cache_ttl_s=3600.0)
    first = manager.get("db-password").reveal()
    seed(emulator, "db-password", "version-2")

    clock.advance(3599.9)
    before_expiry = manager.get("db-password").reveal()
    clock.advance(0.1)
    after_expiry = manager.get("db-password").reveal()

    assert (first, before_expiry, after_expiry) == ("version-1", "version-1", "version-2")
    assert [status for _, _, status in vault_requests(emulator)] == [401, 200, 200]


def test_every_fetched_value_is_masked(
    emulator: RunningEmulator, make_manager: ManagerFactory, sink: RecordingSink
) -> None:
    seed(emulator, "db-password", "vault-password")

    make_manager("test").get("db-password")

    assert sink.masked == ["vault-password"]


def test_disabled_secret_is_an_error_even_with_a_dotenv_value(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    seed(emulator, "db-password", "off", enabled=False)

    with pytest.raises(SecretDisabledError) as caught:
        make_manager("dev").get("db-password")

    assert caught.value.vault_url == emulator.base_url
    assert "secret 'db-password' is disabled in Key Vault" in str(caught.value)
    assert "x-ms-request-id" in str(caught.value)


def test_missing_secret_fails_in_prod_and_falls_back_in_dev(
    emulator: RunningEmulator, make_manager: ManagerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(SecretNotFoundError) as caught:
        make_manager("prod").get("api-key")
    with caplog.at_level(logging.WARNING, logger="fabric_action.secrets"):
        fallback = make_manager("dev").get("api-key")

    assert f"secret 'api-key' is not in Key Vault {emulator.base_url}" in str(caught.value)
    assert fallback.reveal() == "dotenv-api-key"
    assert "secret 'api-key' came from" in caplog.text


def test_vault_outage_falls_back_to_dotenv_in_dev_with_a_warning(
    emulator: RunningEmulator,
    make_manager: ManagerFactory,
    sink: RecordingSink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(emulator, "db-password", "vault-password")
    emulator.set_faults(OUTAGE)

    with caplog.at_level(logging.WARNING, logger="fabric_action.secrets"):
        secret = make_manager("dev").get("db-password")

    assert secret.reveal() == "dotenv-password"
    assert sink.masked == ["dotenv-password"]
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "Key Vault failed" in record.getMessage()
    assert "HTTP 503 ServiceUnavailable" in record.getMessage()
    assert "vault-password" not in caplog.text


def test_vault_outage_fails_in_prod_saying_what_where_and_what_to_do(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    seed(emulator, "db-password", "vault-password")
    emulator.set_faults(OUTAGE)

    with pytest.raises(SecretsUnavailableError) as caught:
        make_manager("prod").get("db-password")

    message = str(caught.value)
    assert message.startswith(
        f"secret 'db-password' could not be read from Key Vault {emulator.base_url} as the "
        "injected credential: HTTP 503 ServiceUnavailable"
    )
    assert "'Key Vault Secrets User' role" in message
    assert (caught.value.secret_name, caught.value.vault_url) == ("db-password", emulator.base_url)


def test_azure_core_retries_a_transient_failure(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    seed(emulator, "db-password", "vault-password")
    emulator.set_faults([{**OUTAGE[0], "max_hits": 1}])

    secret = make_manager("prod", retry_total=1, retry_backoff_factor_s=0.0).get("db-password")

    assert secret.reveal() == "vault-password"
    assert [status for _, _, status in vault_requests(emulator)] == [503, 401, 200]


def test_tracked_dotenv_is_refused_as_the_fallback(
    emulator: RunningEmulator, make_manager: ManagerFactory, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    environment = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=environment, timeout=30)
    dotenv = repo / ".env"
    dotenv.write_text("DB_PASSWORD=committed-password\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", ".env"], check=True, env=environment, timeout=30)
    emulator.set_faults(OUTAGE)

    with pytest.raises(DotenvRefusedError) as caught:
        make_manager("dev", dotenv_path=dotenv).get("db-password")

    assert "is tracked by git" in str(caught.value)
    assert "committed-password" not in str(caught.value)


def test_forbidden_identity_is_reported_with_the_status(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    seed(emulator, "db-password", "vault-password")
    emulator.control("PUT", "keyvault/access", {"allowed_client_ids": ["another-app"]})

    with pytest.raises(SecretsUnavailableError, match="HTTP 403 Forbidden"):
        make_manager("prod").get("db-password")


def test_rejected_credential_is_an_authentication_failure(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    wrong = ClientSecretCredential(
        emulator.tenant,
        emulator.client_id,
        "not-the-secret",
        authority=emulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(emulator.ca_path),
    )

    with pytest.raises(SecretsUnavailableError, match="authentication failed"):
        make_manager("prod", credential=wrong).get("db-password")
    wrong.close()


def test_unreachable_vault_is_reported(make_manager: ManagerFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(SecretsUnavailableError, match="could not be reached"):
        make_manager("prod", vault_url=f"https://127.0.0.1:{port}").get("db-password")


# -- identities from the environment (no injected credential) -----------------------------


def test_github_oidc_federated_identity_reads_the_vault(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    seed(emulator, "db-password", "vault-password")
    environ = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{emulator.base_url}/_oidc/github/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": DEFAULT_GITHUB_REQUEST_TOKEN,
        "AZURE_CLIENT_ID": emulator.client_id,
        "AZURE_TENANT_ID": emulator.tenant,
        "AZURE_CLIENT_SECRET": "must-not-be-used",
    }

    manager = make_manager(
        "prod", credential=None, environ=environ, authority_host=emulator.base_url
    )
    secret = manager.get("db-password")

    assert secret.reveal() == "vault-password"
    paths = [entry["path"] for entry in emulator.requests_log()]
    assert "/_oidc/github/token" in paths


def test_azure_client_secret_variables_read_the_vault(
    emulator: RunningEmulator, make_manager: ManagerFactory
) -> None:
    seed(emulator, "db-password", "vault-password")
    environ = {
        "AZURE_CLIENT_ID": emulator.client_id,
        "AZURE_TENANT_ID": emulator.tenant,
        "AZURE_CLIENT_SECRET": emulator.client_secret,
    }

    manager = make_manager(
        "prod",
        credential=None,
        environ=environ,
        authority_host=emulator.base_url,
        disable_instance_discovery=True,
    )

    assert manager.get("db-password").reveal() == "vault-password"
