"""Pick and build the credential from settings and the CI environment.

A pure function of :class:`AuthSettings` and an environment mapping. With
``kind=auto`` the first that applies wins:

1. a client secret in the settings;
2. a certificate path in the settings;
3. GitHub OIDC, when ``ACTIONS_ID_TOKEN_REQUEST_URL`` is set (``id-token: write``);
4. Azure DevOps OIDC, when ``SYSTEM_OIDCREQUESTURI`` is set and a service connection id
   is known (settings, or ``AZURESUBSCRIPTION_SERVICE_CONNECTION_ID``);
5. ``AZURE_CLIENT_SECRET``, then ``AZURE_CLIENT_CERTIFICATE_PATH``.

Secretless federation beats secrets lying in the environment; a secret or certificate
given on purpose beats both. Tenant and client ids come from the settings, else (Azure
DevOps) the service connection's ``ENDPOINT_AUTH_PARAMETER_<id>_TENANTID`` /
``_SERVICEPRINCIPALID`` or ``AZURESUBSCRIPTION_TENANT_ID`` / ``_CLIENT_ID``, else
``AZURE_TENANT_ID`` / ``AZURE_CLIENT_ID``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fabric_action.auth._cloud import PUBLIC_CLOUD, CloudProfile
from fabric_action.auth._credentials import (
    CertificateCredential,
    ClientSecretCredential,
    Credential,
    CredentialKind,
    FederatedCredential,
)
from fabric_action.auth._oidc import AzureDevOpsIdTokenSource, GitHubIdTokenSource
from fabric_action.auth._provider import MsalTokenProvider
from fabric_action.errors import AuthError
from fabric_action.reliability import Clock, SystemClock

GITHUB_REQUEST_URL = "ACTIONS_ID_TOKEN_REQUEST_URL"
GITHUB_REQUEST_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name
ADO_REQUEST_URI = "SYSTEM_OIDCREQUESTURI"
ADO_ACCESS_TOKENS = (
    "SYSTEM_ACCESSTOKEN",
    "ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN",
)
_TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")


@dataclass(frozen=True, kw_only=True)
class AuthSettings:
    """What the config and inputs say about authentication ("" means not given).

    Attributes:
        kind: Which credential to use (default ``auto``: see the module docstring).
        tenant_id: Entra tenant id or domain.
        client_id: Application (client) id.
        client_secret: A client secret value.
        certificate_path: PEM file with the private key and certificate.
        certificate_password: Password of an encrypted private key.
        service_connection_id: Azure DevOps service connection (GUID) for OIDC.
    """

    kind: CredentialKind = CredentialKind.AUTO
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    certificate_path: str = ""
    certificate_password: str = field(default="", repr=False)
    service_connection_id: str = ""


def choose_credential_kind(settings: AuthSettings, environ: Mapping[str, str]) -> CredentialKind:
    """Return the credential kind ``settings.kind`` names, or the one ``auto`` picks.

    Raises:
        AuthError: ``auto`` found nothing to authenticate with.
    """
    if settings.kind is not CredentialKind.AUTO:
        return settings.kind
    if settings.client_secret:
        return CredentialKind.CLIENT_SECRET
    if settings.certificate_path:
        return CredentialKind.CERTIFICATE
    if environ.get(GITHUB_REQUEST_URL):
        return CredentialKind.GITHUB_OIDC
    if environ.get(ADO_REQUEST_URI) and _connection_id(settings, environ):
        return CredentialKind.AZURE_DEVOPS_OIDC
    if environ.get("AZURE_CLIENT_SECRET"):
        return CredentialKind.CLIENT_SECRET
    if environ.get("AZURE_CLIENT_CERTIFICATE_PATH"):
        return CredentialKind.CERTIFICATE
    raise AuthError(
        "no credential found: set clientSecret or certificatePath (or AZURE_CLIENT_SECRET / "
        "AZURE_CLIENT_CERTIFICATE_PATH), or use OIDC: on GitHub grant the job "
        "`permissions: id-token: write`; on Azure DevOps set serviceConnectionId to a "
        "workload identity federation service connection"
    )


def credential_from_settings(
    settings: AuthSettings,
    environ: Mapping[str, str],
    *,
    profile: CloudProfile = PUBLIC_CLOUD,
    clock: Clock | None = None,
    mask: Callable[[str], None] | None = None,
) -> Credential:
    """Build the credential ``settings`` and ``environ`` call for.

    Args:
        settings: Values from inputs and config.
        environ: The process environment (CI variables, ``AZURE_*``, proxies).
        profile: Cloud of the OIDC audience and of the HTTP session's network settings.
        clock: Sleeps between OIDC retries (default the system clock).
        mask: Called with every OIDC token before use (CI log masking).

    Raises:
        AuthError: A value the chosen kind needs is missing or invalid; the message
            names the setting or variable to set.
    """
    kind = choose_credential_kind(settings, environ)
    clock = clock or SystemClock()
    if kind is CredentialKind.AZURE_DEVOPS_OIDC:
        return _azure_devops(settings, environ, profile, clock, mask)
    tenant_id, client_id = _ids(settings, environ)
    if kind is CredentialKind.CLIENT_SECRET:
        secret = settings.client_secret or environ.get("AZURE_CLIENT_SECRET", "")
        if not secret:
            raise AuthError(
                "client secret authentication needs clientSecret or AZURE_CLIENT_SECRET"
            )
        return ClientSecretCredential(tenant_id=tenant_id, client_id=client_id, secret=secret)
    if kind is CredentialKind.CERTIFICATE:
        path = settings.certificate_path or environ.get("AZURE_CLIENT_CERTIFICATE_PATH", "")
        if not path:
            raise AuthError(
                "certificate authentication needs certificatePath or AZURE_CLIENT_CERTIFICATE_PATH"
            )
        password = settings.certificate_password or environ.get(
            "AZURE_CLIENT_CERTIFICATE_PASSWORD", ""
        )
        return CertificateCredential.from_pem_file(
            path, tenant_id=tenant_id, client_id=client_id, password=password
        )
    return _github(
        environ, tenant_id=tenant_id, client_id=client_id, profile=profile, clock=clock, mask=mask
    )


def token_provider_from_settings(
    settings: AuthSettings,
    environ: Mapping[str, str],
    *,
    profile: CloudProfile = PUBLIC_CLOUD,
    clock: Clock | None = None,
    mask: Callable[[str], None] | None = None,
) -> MsalTokenProvider:
    """Build the credential (see :func:`credential_from_settings`) and a provider over it.

    Raises:
        AuthError: As :func:`credential_from_settings`.
    """
    credential = credential_from_settings(
        settings, environ, profile=profile, clock=clock, mask=mask
    )
    try:
        return MsalTokenProvider(
            credential, profile=profile, clock=clock, environ=environ, mask=mask
        )
    except BaseException:
        credential.close()
        raise


def _ids(
    settings: AuthSettings, environ: Mapping[str, str], fallback: tuple[str, str] = ("", "")
) -> tuple[str, str]:
    tenant_id = settings.tenant_id or fallback[0] or environ.get("AZURE_TENANT_ID", "")
    client_id = settings.client_id or fallback[1] or environ.get("AZURE_CLIENT_ID", "")
    if not tenant_id:
        raise AuthError("no tenant id: set tenantId or AZURE_TENANT_ID")
    if not _TENANT_ID.fullmatch(tenant_id):
        raise AuthError(f"tenant id {tenant_id!r} is not a tenant GUID or domain: check tenantId")
    if not client_id:
        raise AuthError("no client id: set clientId or AZURE_CLIENT_ID")
    return tenant_id, client_id


def _github(
    environ: Mapping[str, str],
    *,
    tenant_id: str,
    client_id: str,
    profile: CloudProfile,
    clock: Clock,
    mask: Callable[[str], None] | None,
) -> FederatedCredential:
    url, token = environ.get(GITHUB_REQUEST_URL, ""), environ.get(GITHUB_REQUEST_TOKEN, "")
    if not url or not token:
        missing = GITHUB_REQUEST_URL if not url else GITHUB_REQUEST_TOKEN
        raise AuthError(
            f"GitHub OIDC needs {missing}: give the job `permissions: id-token: write` "
            "(the runner then sets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN)"
        )
    source = GitHubIdTokenSource(
        request_url=url,
        request_token=token,
        audience=profile.federated_audience,
        session=profile.http_session(environ),
        clock=clock,
        mask=mask,
    )
    return FederatedCredential(
        tenant_id=tenant_id,
        client_id=client_id,
        assertion=source,
        kind=CredentialKind.GITHUB_OIDC,
    )


def _connection_id(settings: AuthSettings, environ: Mapping[str, str]) -> str:
    return settings.service_connection_id or environ.get(
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", ""
    )


def _azure_devops(
    settings: AuthSettings,
    environ: Mapping[str, str],
    profile: CloudProfile,
    clock: Clock,
    mask: Callable[[str], None] | None,
) -> FederatedCredential:
    request_uri = environ.get(ADO_REQUEST_URI, "")
    connection_id = _connection_id(settings, environ)
    access_token = next((environ[name] for name in ADO_ACCESS_TOKENS if environ.get(name)), "")
    if not request_uri:
        raise AuthError(
            f"Azure DevOps OIDC needs {ADO_REQUEST_URI}, which the agent sets in pipeline "
            "jobs: run inside Azure Pipelines"
        )
    if not connection_id:
        raise AuthError(
            "Azure DevOps OIDC needs the service connection id: set serviceConnectionId"
        )
    if not access_token:
        raise AuthError(
            "Azure DevOps OIDC needs the job's access token: map it into the step with "
            "`env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`"
        )
    endpoint = f"ENDPOINT_AUTH_PARAMETER_{connection_id.upper()}"
    fallback = (
        environ.get(f"{endpoint}_TENANTID") or environ.get("AZURESUBSCRIPTION_TENANT_ID", ""),
        environ.get(f"{endpoint}_SERVICEPRINCIPALID")
        or environ.get("AZURESUBSCRIPTION_CLIENT_ID", ""),
    )
    tenant_id, client_id = _ids(settings, environ, fallback)
    source = AzureDevOpsIdTokenSource(
        request_uri=request_uri,
        service_connection_id=connection_id,
        access_token=access_token,
        session=profile.http_session(environ),
        clock=clock,
        mask=mask,
    )
    return FederatedCredential(
        tenant_id=tenant_id,
        client_id=client_id,
        assertion=source,
        kind=CredentialKind.AZURE_DEVOPS_OIDC,
    )
