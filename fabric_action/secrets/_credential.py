"""The identity Key Vault is read with, chosen from the environment in DESIGN.md's order.

1. The CI's federated identity: GitHub Actions OIDC (``ACTIONS_ID_TOKEN_REQUEST_URL`` and
   ``_TOKEN`` with ``AZURE_CLIENT_ID``/``AZURE_TENANT_ID``) through azure-identity's
   ``ClientAssertionCredential``, or an Azure DevOps service connection
   (``SYSTEM_OIDCREQUESTURI`` + ``AZURESUBSCRIPTION_*`` + ``SYSTEM_ACCESSTOKEN``) through
   ``AzurePipelinesCredential``;
2. a managed identity, when the host advertises one (``IDENTITY_ENDPOINT`` or
   ``MSI_ENDPOINT``; ``AZURE_CLIENT_ID`` picks a user-assigned one);
3. else the ``AZURE_*`` variables: a client secret or a certificate.

Only the process environment is read, never the SecretManager, so the vault is never
opened with a secret that itself lives in that vault.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.credentials import TokenCredential
from azure.identity import (
    AzurePipelinesCredential,
    CertificateCredential,
    ClientAssertionCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
)

from ..auth import GitHubIdTokenSource
from ..auth._http import build_session
from ..errors import AuthError, ConfigError
from ..reliability import SystemClock

FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
"""Audience of the CI ID token that Entra exchanges for an access token."""


@dataclass(frozen=True, kw_only=True)
class IdentityOptions:
    """How credentials reach Entra.

    Attributes:
        authority_host: Entra's base URL (default: azure-identity's, the public cloud).
            The emulator is ``https://127.0.0.1:PORT``.
        ca_bundle: A CA file to trust instead of the system store (default: system).
        disable_instance_discovery: Skip Entra instance discovery, for an authority that is
            not Microsoft's (default False).
        timeout_s: Timeout of the GitHub ID-token request, in seconds (default 30).
        oidc_attempts: Attempts of that request on transient failures (default 3).
    """

    authority_host: str | None = None
    ca_bundle: str | None = None
    disable_instance_discovery: bool = False
    timeout_s: float = 30.0
    oidc_attempts: int = 3

    def credential_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments every azure-identity credential gets."""
        kwargs: dict[str, Any] = {}
        if self.authority_host:
            kwargs["authority"] = self.authority_host
        if self.ca_bundle:
            kwargs["connection_verify"] = self.ca_bundle
        return kwargs


@dataclass(frozen=True, kw_only=True)
class VaultIdentity:
    """A credential for Key Vault and a description of it for messages (no secrets)."""

    credential: TokenCredential
    description: str


def github_id_token_fetcher(
    request_url: str, request_token: str, options: IdentityOptions
) -> Callable[[], str]:
    """Return a callable that fetches a fresh GitHub Actions ID token for Entra.

    The fetch itself is :class:`fabric_action.auth.GitHubIdTokenSource` (retries,
    timeouts, CA and proxies as for every Entra call); this adds what to do when it fails.
    """
    source = GitHubIdTokenSource(
        request_url=request_url,
        request_token=request_token,
        session=build_session(
            environ=os.environ,
            ca_bundle_path=options.ca_bundle,
            use_environment_proxies=True,
            timeout_s=(options.timeout_s, options.timeout_s),
        ),
        clock=SystemClock(),
        attempts=options.oidc_attempts,
    )

    def fetch() -> str:
        try:
            return source()
        except AuthError as exc:
            raise AuthError(
                f"could not get a GitHub Actions ID token for Key Vault: {exc}; "
                "give the job 'permissions: id-token: write'"
            ) from exc

    return fetch


def choose_vault_identity(
    environ: Mapping[str, str], options: IdentityOptions | None = None
) -> VaultIdentity | None:
    """Return the first identity the environment offers, in DESIGN.md's order, or None."""
    options = options or IdentityOptions()
    kwargs = options.credential_kwargs()
    tenant_id = environ.get("AZURE_TENANT_ID", "")
    client_id = environ.get("AZURE_CLIENT_ID", "")
    request_url = environ.get("ACTIONS_ID_TOKEN_REQUEST_URL", "")
    request_token = environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
    discovery = {"disable_instance_discovery": options.disable_instance_discovery}
    if request_url and request_token and tenant_id and client_id:
        fetch = github_id_token_fetcher(request_url, request_token, options)
        return VaultIdentity(
            credential=ClientAssertionCredential(tenant_id, client_id, fetch, **kwargs),
            description=f"GitHub Actions OIDC federated identity (client id {client_id})",
        )
    ado = _azure_devops_identity(environ, kwargs)
    if ado is not None:
        return ado
    if environ.get("IDENTITY_ENDPOINT") or environ.get("MSI_ENDPOINT"):
        # Entra's authority does not apply: the token comes from the host's endpoint.
        managed: dict[str, Any] = {k: v for k, v in kwargs.items() if k != "authority"}
        if client_id:
            managed["client_id"] = client_id
        which = f"user-assigned, client id {client_id}" if client_id else "system-assigned"
        return VaultIdentity(
            credential=ManagedIdentityCredential(**managed),
            description=f"managed identity ({which})",
        )
    secret = environ.get("AZURE_CLIENT_SECRET", "")
    certificate = environ.get("AZURE_CLIENT_CERTIFICATE_PATH", "")
    if tenant_id and client_id and secret:
        return VaultIdentity(
            credential=ClientSecretCredential(tenant_id, client_id, secret, **kwargs, **discovery),
            description=f"service principal {client_id} (AZURE_CLIENT_SECRET)",
        )
    if tenant_id and client_id and certificate:
        password = environ.get("AZURE_CLIENT_CERTIFICATE_PASSWORD") or None
        try:
            loaded = CertificateCredential(
                tenant_id, client_id, certificate, password=password, **kwargs, **discovery
            )
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"AZURE_CLIENT_CERTIFICATE_PATH {certificate} cannot be loaded "
                f"({type(exc).__name__}): give a PEM or PKCS12 file with the certificate and "
                "its private key (and AZURE_CLIENT_CERTIFICATE_PASSWORD if it is encrypted)"
            ) from exc
        return VaultIdentity(
            credential=loaded,
            description=f"service principal {client_id} (AZURE_CLIENT_CERTIFICATE_PATH)",
        )
    return None


def _azure_devops_identity(
    environ: Mapping[str, str], kwargs: dict[str, Any]
) -> VaultIdentity | None:
    connection = environ.get("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "")
    client_id = environ.get("AZURESUBSCRIPTION_CLIENT_ID") or environ.get("AZURE_CLIENT_ID", "")
    tenant_id = environ.get("AZURESUBSCRIPTION_TENANT_ID") or environ.get("AZURE_TENANT_ID", "")
    access_token = environ.get("SYSTEM_ACCESSTOKEN", "")
    if not (environ.get("SYSTEM_OIDCREQUESTURI") and connection and client_id and tenant_id):
        return None
    if not access_token:
        return None
    return VaultIdentity(
        credential=AzurePipelinesCredential(
            tenant_id=tenant_id,
            client_id=client_id,
            service_connection_id=connection,
            system_access_token=access_token,
            **kwargs,
        ),
        description=f"Azure DevOps service connection {connection} (client id {client_id})",
    )


IDENTITY_HELP = (
    "give the job an identity for Key Vault: GitHub OIDC (AZURE_CLIENT_ID, AZURE_TENANT_ID "
    "and 'permissions: id-token: write'), an Azure DevOps service connection "
    "(AZURESUBSCRIPTION_* and SYSTEM_ACCESSTOKEN), a managed identity, or AZURE_TENANT_ID + "
    "AZURE_CLIENT_ID + AZURE_CLIENT_SECRET"
)
"""What to do when :func:`choose_vault_identity` finds nothing."""
