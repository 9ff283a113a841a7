"""Choosing and building the credential from settings plus the environment (a pure function)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests_mock
from auth_fakes import AppCertificate

from fabric_action.auth import (
    PUBLIC_CLOUD,
    AuthSettings,
    CertificateCredential,
    ClientSecretCredential,
    CredentialKind,
    FederatedCredential,
    MsalTokenProvider,
    choose_credential_kind,
    credential_from_settings,
    token_provider_from_settings,
)
from fabric_action.errors import AuthError, ConfigError
from fabric_action.reliability import FakeClock

K = CredentialKind
IDS = AuthSettings(tenant_id="contoso.onmicrosoft.com", client_id="app-id")
GITHUB = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh.example/idtoken?api-version=2.0",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-request-token",
}
CONNECTION = "6D2A4C9E-1111-4000-8000-000000000000"
ADO = {"SYSTEM_OIDCREQUESTURI": "https://dev.azure.com/o/p/oidctoken"}
ADO_TOKEN = {"SYSTEM_ACCESSTOKEN": "ado-access-token"}
JWT = "eyJ.payload.sig"


def _last(http: requests_mock.Mocker) -> Any:
    assert http.last_request is not None
    return http.last_request


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker() as mocker:
        yield mocker


@pytest.mark.parametrize(
    ("settings", "environ", "expected"),
    [
        (AuthSettings(client_secret="s"), GITHUB, K.CLIENT_SECRET),
        (AuthSettings(certificate_path="c.pem"), GITHUB, K.CERTIFICATE),
        (AuthSettings(), {**GITHUB, "AZURE_CLIENT_SECRET": "s"}, K.GITHUB_OIDC),
        (AuthSettings(service_connection_id=CONNECTION), ADO, K.AZURE_DEVOPS_OIDC),
        (AuthSettings(), {**ADO, "AZURE_CLIENT_SECRET": "s"}, K.CLIENT_SECRET),
        (
            AuthSettings(),
            {**ADO, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": CONNECTION},
            K.AZURE_DEVOPS_OIDC,
        ),
        (AuthSettings(), {"AZURE_CLIENT_CERTIFICATE_PATH": "c.pem"}, K.CERTIFICATE),
        (
            AuthSettings(kind=K.GITHUB_OIDC, client_secret="s"),
            {"AZURE_CLIENT_SECRET": "s"},
            K.GITHUB_OIDC,
        ),
        (AuthSettings(), {**GITHUB, "ACTIONS_ID_TOKEN_REQUEST_URL": ""}, None),
    ],
)
def test_kind_precedence(
    settings: AuthSettings, environ: dict[str, str], expected: CredentialKind | None
) -> None:
    if expected is None:
        with pytest.raises(AuthError, match=r"no credential found: .*id-token: write"):
            choose_credential_kind(settings, environ)
    else:
        assert choose_credential_kind(settings, environ) is expected


def test_secret_from_settings() -> None:
    settings = dataclasses.replace(IDS, client_secret="from-settings")

    credential = credential_from_settings(settings, {"AZURE_CLIENT_SECRET": "from-env"})

    assert isinstance(credential, ClientSecretCredential)
    assert (credential.tenant_id, credential.client_id) == ("contoso.onmicrosoft.com", "app-id")
    assert credential.secret == "from-settings"
    assert "from-settings" not in repr(settings)


def test_everything_from_the_azure_environment_variables() -> None:
    environ = {"AZURE_TENANT_ID": "t-1", "AZURE_CLIENT_ID": "c-1", "AZURE_CLIENT_SECRET": "s-1"}

    credential = credential_from_settings(AuthSettings(), environ)

    assert isinstance(credential, ClientSecretCredential)
    assert (credential.tenant_id, credential.client_id, credential.secret) == ("t-1", "c-1", "s-1")


@pytest.mark.parametrize(
    ("settings", "environ", "message"),
    [
        (AuthSettings(client_secret="s"), {}, "no tenant id: set tenantId or AZURE_TENANT_ID"),
        (
            AuthSettings(tenant_id="t", client_secret="s"),
            {},
            "no client id: set clientId or AZURE_CLIENT_ID",
        ),
        (
            AuthSettings(tenant_id="../evil", client_id="c", client_secret="s"),
            {},
            "is not a tenant GUID or domain",
        ),
        (dataclasses.replace(IDS, kind=K.CLIENT_SECRET), {}, "needs clientSecret or AZURE_"),
        (dataclasses.replace(IDS, kind=K.CERTIFICATE), {}, "needs certificatePath or AZURE_"),
        (
            dataclasses.replace(IDS, kind=K.GITHUB_OIDC),
            {},
            "GitHub OIDC needs ACTIONS_ID_TOKEN_REQUEST_URL: give the job",
        ),
        (
            dataclasses.replace(IDS, kind=K.GITHUB_OIDC),
            {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh.example/"},
            "GitHub OIDC needs ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        ),
        (
            dataclasses.replace(IDS, kind=K.AZURE_DEVOPS_OIDC),
            {},
            "needs SYSTEM_OIDCREQUESTURI",
        ),
        (
            dataclasses.replace(IDS, kind=K.AZURE_DEVOPS_OIDC),
            ADO,
            "needs the service connection id: set serviceConnectionId",
        ),
        (
            dataclasses.replace(IDS, service_connection_id=CONNECTION),
            ADO,
            "SYSTEM_ACCESSTOKEN: \\$\\(System.AccessToken\\)",
        ),
    ],
)
def test_missing_values_name_what_to_set(
    settings: AuthSettings, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(AuthError, match=message):
        credential_from_settings(settings, environ)


def test_certificate_from_the_environment(certificate: AppCertificate, tmp_path: Path) -> None:
    path = certificate.write(tmp_path, key_pem=certificate.encrypted_key_pem("pw"))
    environ = {
        "AZURE_CLIENT_CERTIFICATE_PATH": str(path),
        "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pw",
    }

    credential = credential_from_settings(IDS, environ)

    assert isinstance(credential, CertificateCredential)
    assert credential.passphrase == "pw"


def test_certificate_from_settings_wins(certificate: AppCertificate, tmp_path: Path) -> None:
    path = certificate.write(tmp_path)
    settings = dataclasses.replace(IDS, certificate_path=str(path))

    credential = credential_from_settings(
        settings,
        {"AZURE_CLIENT_CERTIFICATE_PATH": "/nope", "AZURE_CLIENT_CERTIFICATE_PASSWORD": ""},
    )

    assert isinstance(credential, CertificateCredential)


def test_github_credential_fetches_with_the_profile_audience(
    http: requests_mock.Mocker,
) -> None:
    http.get("https://gh.example/idtoken", json={"value": JWT})
    profile = dataclasses.replace(
        PUBLIC_CLOUD, federated_audience="api://AzureADTokenExchangeUSGov"
    )
    masked: list[str] = []

    credential = credential_from_settings(IDS, GITHUB, profile=profile, mask=masked.append)
    assert isinstance(credential, FederatedCredential)
    assertion = credential.msal_credential()["client_assertion"]

    assert credential.kind is K.GITHUB_OIDC
    assert assertion() == JWT
    assert _last(http).qs["audience"] == ["api://azureadtokenexchangeusgov"]
    assert _last(http).headers["Authorization"] == "Bearer gh-request-token"
    assert masked == [JWT]
    credential.close()


def test_azure_devops_ids_come_from_the_service_connection(http: requests_mock.Mocker) -> None:
    http.post(ADO["SYSTEM_OIDCREQUESTURI"], json={"oidcToken": JWT})
    endpoint = f"ENDPOINT_AUTH_PARAMETER_{CONNECTION}"
    environ = {
        **ADO,
        "ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN": "task-token",
        f"{endpoint}_TENANTID": "tenant-from-endpoint",
        f"{endpoint}_SERVICEPRINCIPALID": "client-from-endpoint",
        "AZURESUBSCRIPTION_TENANT_ID": "tenant-from-azuresubscription",
        "AZURE_TENANT_ID": "tenant-from-azure",
    }
    settings = AuthSettings(service_connection_id=CONNECTION.lower())

    credential = credential_from_settings(settings, environ, clock=FakeClock())
    assert isinstance(credential, FederatedCredential)
    token = credential.msal_credential()["client_assertion"]()

    assert credential.kind is K.AZURE_DEVOPS_OIDC
    assert (credential.tenant_id, credential.client_id) == (
        "tenant-from-endpoint",
        "client-from-endpoint",
    )
    assert token == JWT
    assert _last(http).headers["Authorization"] == "Bearer task-token"
    assert _last(http).qs["serviceconnectionid"] == [CONNECTION.lower()]


def test_azure_devops_ids_from_azuresubscription_then_settings() -> None:
    environ = {
        **ADO,
        **ADO_TOKEN,
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": CONNECTION,
        "AZURESUBSCRIPTION_TENANT_ID": "t-sub",
        "AZURESUBSCRIPTION_CLIENT_ID": "c-sub",
    }

    from_env = credential_from_settings(AuthSettings(), environ)
    from_settings = credential_from_settings(IDS, environ)

    assert (from_env.tenant_id, from_env.client_id) == ("t-sub", "c-sub")
    assert (from_settings.tenant_id, from_settings.client_id) == (IDS.tenant_id, IDS.client_id)


def test_token_provider_from_settings() -> None:
    settings = dataclasses.replace(IDS, client_secret="s")

    with token_provider_from_settings(settings, {}, clock=FakeClock()) as provider:
        assert isinstance(provider, MsalTokenProvider)
        assert provider.profile is PUBLIC_CLOUD


def test_token_provider_from_settings_reports_a_bad_ca_bundle(tmp_path: Path) -> None:
    settings = dataclasses.replace(IDS, client_secret="s")

    with pytest.raises(ConfigError, match="REQUESTS_CA_BUNDLE"):
        token_provider_from_settings(settings, {"REQUESTS_CA_BUNDLE": str(tmp_path / "x.pem")})
