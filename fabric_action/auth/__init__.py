"""Entra ID authentication: cloud profiles, credentials and a single-flight token provider.

Build a provider from settings and the CI environment::

    provider = token_provider_from_settings(AuthSettings(tenant_id=..., client_id=...),
                                            os.environ, profile=PUBLIC_CLOUD)
    provider.token(PUBLIC_CLOUD.fabric_scope)

and send the token only where ``PUBLIC_CLOUD.is_allowed_host(url)`` says so.
"""

from fabric_action.auth._cloud import PUBLIC_CLOUD, CloudProfile, emulator_cloud
from fabric_action.auth._credentials import (
    AssertionSource,
    CertificateCredential,
    ClientSecretCredential,
    Credential,
    CredentialKind,
    FederatedCredential,
)
from fabric_action.auth._factory import (
    AuthSettings,
    choose_credential_kind,
    credential_from_settings,
    token_provider_from_settings,
)
from fabric_action.auth._hosts import HostPattern
from fabric_action.auth._oidc import AzureDevOpsIdTokenSource, GitHubIdTokenSource
from fabric_action.auth._provider import AccessToken, MsalTokenProvider, TokenSource

__all__ = [
    "PUBLIC_CLOUD",
    "AccessToken",
    "AssertionSource",
    "AuthSettings",
    "AzureDevOpsIdTokenSource",
    "CertificateCredential",
    "ClientSecretCredential",
    "CloudProfile",
    "Credential",
    "CredentialKind",
    "FederatedCredential",
    "GitHubIdTokenSource",
    "HostPattern",
    "MsalTokenProvider",
    "TokenSource",
    "choose_credential_kind",
    "credential_from_settings",
    "emulator_cloud",
    "token_provider_from_settings",
]
