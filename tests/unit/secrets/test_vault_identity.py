"""The vault identity follows DESIGN.md's order: CI federation, managed identity, AZURE_*."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from azure.identity import (
    AzurePipelinesCredential,
    CertificateCredential,
    ClientAssertionCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from fabric_action.errors import AuthError, ConfigError
from fabric_action.secrets import IdentityOptions, choose_vault_identity
from fabric_action.secrets._credential import github_id_token_fetcher

TENANT = "00000000-0000-0000-0000-0000000000aa"
SP = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "app-1", "AZURE_CLIENT_SECRET": "sp-secret"}
GITHUB = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://127.0.0.1:9/token?api-version=2.0",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
}
ADO = {
    "SYSTEM_OIDCREQUESTURI": "https://127.0.0.1:9/oidc",
    "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "conn-1",
    "AZURESUBSCRIPTION_CLIENT_ID": "app-ado",
    "AZURESUBSCRIPTION_TENANT_ID": TENANT,
    "SYSTEM_ACCESSTOKEN": "job-token",
}


def test_github_federation_wins_over_everything() -> None:
    identity = choose_vault_identity({**SP, **GITHUB, **ADO, "IDENTITY_ENDPOINT": "x"})

    assert identity is not None
    assert isinstance(identity.credential, ClientAssertionCredential)
    assert identity.description == "GitHub Actions OIDC federated identity (client id app-1)"


def test_azure_devops_federation_comes_next() -> None:
    identity = choose_vault_identity({**SP, **ADO, "IDENTITY_ENDPOINT": "x"})

    assert identity is not None
    assert isinstance(identity.credential, AzurePipelinesCredential)
    assert "service connection conn-1 (client id app-ado)" in identity.description


def test_azure_devops_without_a_job_token_is_skipped() -> None:
    identity = choose_vault_identity({**SP, **ADO, "SYSTEM_ACCESSTOKEN": ""})

    assert identity is not None
    assert isinstance(identity.credential, ClientSecretCredential)


@pytest.mark.parametrize(
    ("environ", "which"),
    [
        ({"IDENTITY_ENDPOINT": "http://169.254.169.254"}, "system-assigned"),
        ({"MSI_ENDPOINT": "http://x", "AZURE_CLIENT_ID": "mi-1"}, "user-assigned, client id mi-1"),
    ],
)
def test_managed_identity_when_the_host_offers_one(environ: dict[str, str], which: str) -> None:
    identity = choose_vault_identity({**environ, "AZURE_CLIENT_SECRET": "ignored"})

    assert identity is not None
    assert isinstance(identity.credential, ManagedIdentityCredential)
    assert identity.description == f"managed identity ({which})"


def test_client_secret_from_azure_variables_last() -> None:
    identity = choose_vault_identity(
        SP, IdentityOptions(authority_host="https://127.0.0.1:9", disable_instance_discovery=True)
    )

    assert identity is not None
    assert isinstance(identity.credential, ClientSecretCredential)
    assert identity.description == "service principal app-1 (AZURE_CLIENT_SECRET)"
    assert "sp-secret" not in repr(identity)


def _certificate_pem() -> bytes:
    """Return a self-signed certificate and its key, PEM, as CertificateCredential loads."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fabric-action-test")])
    moment = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(moment)
        .not_valid_after(moment + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_certificate_from_azure_variables(tmp_path: Path) -> None:
    pem = tmp_path / "sp.pem"
    pem.write_bytes(_certificate_pem())
    environ = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "app-2"}

    identity = choose_vault_identity({**environ, "AZURE_CLIENT_CERTIFICATE_PATH": str(pem)})

    assert identity is not None
    assert isinstance(identity.credential, CertificateCredential)
    assert identity.description == "service principal app-2 (AZURE_CLIENT_CERTIFICATE_PATH)"


def test_unreadable_certificate_is_a_config_error(tmp_path: Path) -> None:
    environ = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "app-2"}
    missing = tmp_path / "missing.pem"

    with pytest.raises(ConfigError, match="cannot be loaded"):
        choose_vault_identity({**environ, "AZURE_CLIENT_CERTIFICATE_PATH": str(missing)})


@pytest.mark.parametrize(
    "environ",
    [{}, {"AZURE_CLIENT_ID": "app-1", "AZURE_CLIENT_SECRET": "s"}, GITHUB],
    ids=["empty", "no-tenant", "github-without-app"],
)
def test_nothing_usable_gives_none(environ: dict[str, str]) -> None:
    assert choose_vault_identity(environ) is None


def test_github_fetch_failure_is_an_auth_error_saying_what_to_do() -> None:
    fetch = github_id_token_fetcher(
        "https://127.0.0.1:9/token?api-version=2.0",
        "t",
        IdentityOptions(timeout_s=1.0, oidc_attempts=1),
    )

    with pytest.raises(AuthError, match="permissions: id-token: write"):
        fetch()
