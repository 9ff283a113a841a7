"""Cloud profiles: every endpoint, scope and network setting of one Microsoft cloud.

One frozen object answers "where is Entra, Fabric, Graph and Key Vault", "which scope
gets a token for each", "may this URL receive a bearer token" and "how do we reach
it" (CA bundle, proxies, timeouts). :data:`PUBLIC_CLOUD` is the default;
:func:`emulator_cloud` points everything at a local emulator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from fabric_action.auth._hosts import HostPattern, host_is_allowed, pattern_for_base_url
from fabric_action.auth._http import build_session

FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
KEY_VAULT_SCOPE = "https://vault.azure.net/.default"
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
"""The audience Entra expects in GitHub and Azure DevOps OIDC tokens (public cloud)."""


@dataclass(frozen=True, kw_only=True)
class CloudProfile:
    """Endpoints, scopes, bearer-token allow-list and network settings of one cloud.

    Attributes:
        name: Short name for logs (``public``, ``emulator``).
        authority_host: Entra base URL; the authority is ``{authority_host}/{tenant}``.
        fabric_api_base: Fabric REST base URL, ending in ``/v1``.
        graph_base: Microsoft Graph base URL, ending in ``/v1.0``.
        key_vault_suffix: DNS suffix of vault hosts (``.vault.azure.net``: vault URLs are
            ``https://{name}.vault.azure.net``); "" when vaults are given by full URL.
        lro_redirect_hosts: Host patterns a long-running operation's ``Location`` may
            point to besides the API host (``*.analysis.windows.net`` in public cloud).
        fabric_scope: Scope of Fabric tokens.
        graph_scope: Scope of Graph tokens.
        key_vault_scope: Scope of Key Vault tokens.
        federated_audience: ``aud`` requested for CI OIDC tokens.
        allow_http: Whether plain-HTTP URLs may receive tokens (only an emulator built
            with it explicitly; default False).
        ca_bundle_path: PEM bundle that replaces the default trust store for Entra and
            OIDC calls, and wins over ``REQUESTS_CA_BUNDLE`` (default None: certifi, or
            ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` when set).
        use_environment_proxies: Whether ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY``
            apply (default True).
        connect_timeout_s: Connect timeout of every auth HTTP call (default 10 s).
        read_timeout_s: Read timeout of every auth HTTP call (default 30 s).
    """

    name: str
    authority_host: str
    fabric_api_base: str
    graph_base: str
    key_vault_suffix: str
    lro_redirect_hosts: tuple[str, ...]
    fabric_scope: str = FABRIC_SCOPE
    graph_scope: str = GRAPH_SCOPE
    key_vault_scope: str = KEY_VAULT_SCOPE
    federated_audience: str = FEDERATED_AUDIENCE
    allow_http: bool = False
    ca_bundle_path: str | None = None
    use_environment_proxies: bool = True
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    _token_hosts: tuple[HostPattern, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Validate the URLs and build the allow-list once.

        Raises:
            ValueError: A base URL or host pattern is invalid, or uses plain HTTP
                without ``allow_http``.
        """
        for label, url in (
            ("authority_host", self.authority_host),
            ("fabric_api_base", self.fabric_api_base),
            ("graph_base", self.graph_base),
        ):
            scheme = urlsplit(url).scheme
            if scheme != "https" and not (scheme == "http" and self.allow_http):
                raise ValueError(f"{label} must be an https URL, got {url!r}")
        patterns = [
            pattern_for_base_url(self.fabric_api_base),
            pattern_for_base_url(self.graph_base),
        ]
        if self.key_vault_suffix:
            patterns.append(HostPattern.parse(f"*.{self.key_vault_suffix.lstrip('.')}"))
        patterns.extend(HostPattern.parse(text) for text in self.lro_redirect_hosts)
        object.__setattr__(self, "_token_hosts", tuple(dict.fromkeys(patterns)))

    @property
    def token_hosts(self) -> tuple[HostPattern, ...]:
        """The allow-list: API hosts, Key Vault suffix and LRO redirect patterns."""
        return self._token_hosts

    @property
    def scopes(self) -> tuple[str, str, str]:
        """The Fabric, Graph and Key Vault scopes, in that order."""
        return (self.fabric_scope, self.graph_scope, self.key_vault_scope)

    def authority(self, tenant_id: str) -> str:
        """Return the MSAL authority URL of ``tenant_id``."""
        return f"{self.authority_host.rstrip('/')}/{tenant_id}"

    def is_allowed_host(self, url: str) -> bool:
        """Return whether a bearer token may be sent to ``url``.

        True only for https (or http on a profile built with ``allow_http``) URLs whose
        host and port match the allow-list exactly or by ``*.`` suffix; userinfo and
        other ambiguous forms are refused.
        """
        schemes = frozenset({"https", "http"} if self.allow_http else {"https"})
        return host_is_allowed(url, self._token_hosts, schemes=schemes)

    def http_session(self, environ: Mapping[str, str] | None = None) -> requests.Session:
        """Return a new session for Entra and OIDC calls with this profile's network settings.

        The session never reads ``.netrc`` and never lets ``REQUESTS_CA_BUNDLE`` replace
        :attr:`ca_bundle_path`; proxies come from ``environ`` (default ``os.environ``,
        read now) when :attr:`use_environment_proxies` is set; every request gets the
        profile's timeouts unless it passes its own.

        Raises:
            ConfigError: :attr:`ca_bundle_path` is not a readable file.
        """
        return build_session(
            environ=os.environ if environ is None else environ,
            ca_bundle_path=self.ca_bundle_path,
            use_environment_proxies=self.use_environment_proxies,
            timeout_s=(self.connect_timeout_s, self.read_timeout_s),
        )


PUBLIC_CLOUD = CloudProfile(
    name="public",
    authority_host="https://login.microsoftonline.com",
    fabric_api_base="https://api.fabric.microsoft.com/v1",
    graph_base="https://graph.microsoft.com/v1.0",
    key_vault_suffix=".vault.azure.net",
    lro_redirect_hosts=("*.analysis.windows.net",),
)
"""Microsoft's global cloud (the default)."""


def emulator_cloud(
    base_url: str,
    redirect_base_url: str,
    *,
    ca_bundle_path: str | None = None,
    allow_http: bool = False,
) -> CloudProfile:
    """Return a profile whose every endpoint is a local emulator.

    Entra, Fabric (``/v1``), Graph (``/v1.0``) and Key Vault live on ``base_url``; LRO
    redirects go to ``redirect_base_url``. Both hosts (with their ports) are allowed;
    scopes stay the public ones, as the emulator issues tokens for them.

    Args:
        base_url: ``https://127.0.0.1:PORT``.
        redirect_base_url: ``https://localhost:PORT2``.
        ca_bundle_path: The emulator's CA (trusted instead of the default store).
        allow_http: Required when the emulator runs plain HTTP (tokens then travel in
            clear text to loopback; MSAL itself still refuses an http authority).

    Raises:
        ValueError: A URL is invalid, or plain HTTP without ``allow_http``.
    """
    base = base_url.rstrip("/")
    redirect = pattern_for_base_url(redirect_base_url)
    return CloudProfile(
        name="emulator",
        authority_host=base,
        fabric_api_base=f"{base}/v1",
        graph_base=f"{base}/v1.0",
        key_vault_suffix="",
        lro_redirect_hosts=(str(redirect),),
        allow_http=allow_http,
        ca_bundle_path=ca_bundle_path,
    )
