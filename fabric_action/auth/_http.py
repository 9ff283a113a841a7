"""The HTTP session of Entra and OIDC calls: our CA, the environment's proxies, timeouts.

requests with ``trust_env=True`` lets ``REQUESTS_CA_BUNDLE`` replace ``Session.verify``
(so MSAL's ``verify=`` is silently ignored) and lets ``~/.netrc`` replace an explicit
``Authorization`` header. The session here turns ``trust_env`` off and applies the one
environment setting we do want, the proxy variables, itself, per request, with
``NO_PROXY`` honoured.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from fabric_action.errors import ConfigError

Timeout = tuple[float, float]


def _env(environ: Mapping[str, str], name: str) -> str:
    """Return ``name`` from ``environ``, lower-case spelling first (as curl and urllib do)."""
    return (environ.get(name.lower()) or environ.get(name.upper()) or "").strip()


@dataclass(frozen=True, kw_only=True)
class ProxySettings:
    """Proxy URLs per scheme and the ``NO_PROXY`` entries, read once from an environment.

    Attributes:
        https_proxy: Proxy for https URLs (``HTTPS_PROXY``, else ``ALL_PROXY``).
        http_proxy: Proxy for http URLs (``HTTP_PROXY``, else ``ALL_PROXY``).
        no_proxy: ``NO_PROXY`` entries: hosts, ``.suffix``/``*.suffix``, ``host:port``,
            IP addresses, CIDR ranges, or ``*`` for everything.
    """

    https_proxy: str = ""
    http_proxy: str = ""
    no_proxy: tuple[str, ...] = ()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ProxySettings:
        """Read ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` (any case)."""
        fallback = _env(environ, "ALL_PROXY")
        entries = _env(environ, "NO_PROXY").replace(" ", ",").split(",")
        return cls(
            https_proxy=_env(environ, "HTTPS_PROXY") or fallback,
            http_proxy=_env(environ, "HTTP_PROXY") or fallback,
            no_proxy=tuple(entry.strip().lower() for entry in entries if entry.strip()),
        )

    def for_url(self, url: str) -> dict[str, str]:
        """Return the ``proxies=`` mapping for one request (empty: connect directly)."""
        split = urlsplit(url)
        scheme = split.scheme.lower()
        proxy = self.https_proxy if scheme == "https" else self.http_proxy
        if not proxy or self.bypasses(split.hostname or "", split.port):
            return {}
        return {scheme: proxy}

    def bypasses(self, host: str, port: int | None) -> bool:
        """Return whether ``NO_PROXY`` sends ``host`` (and ``port``) direct."""
        return any(_no_proxy_matches(entry, host.lower(), port) for entry in self.no_proxy)


def _no_proxy_matches(entry: str, host: str, port: int | None) -> bool:
    if entry == "*":
        return True
    try:
        network = ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        network = None
    if network is not None:
        try:
            return ipaddress.ip_address(host) in network
        except ValueError:
            return False
    split = urlsplit(f"//{entry}")
    try:
        entry_port = split.port
    except ValueError:
        return False
    if entry_port is not None and entry_port != port:
        return False
    name = (split.hostname or "").removeprefix("*.").lstrip(".")
    return bool(name) and (host == name or host.endswith(f".{name}"))


class _AuthSession(requests.Session):
    """A session with fixed trust, environment proxies per request and default timeouts."""

    def __init__(self, *, verify: str | bool, proxies: ProxySettings, timeout_s: Timeout) -> None:
        super().__init__()
        self.trust_env = False  # no .netrc, no REQUESTS_CA_BUNDLE: proxies are applied below
        self.verify = verify
        self.proxy_settings = proxies
        self.timeout_s = timeout_s

    def request(  # type: ignore[override]
        self, method: str | bytes, url: str | bytes, **kwargs: Any
    ) -> requests.Response:
        """Send like :meth:`requests.Session.request`, adding timeouts and proxies if absent."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_s
        if kwargs.get("proxies") is None:
            target = url.decode("ascii") if isinstance(url, bytes) else url
            kwargs["proxies"] = self.proxy_settings.for_url(target)
        return super().request(method, url, **kwargs)


def build_session(
    *,
    environ: Mapping[str, str],
    ca_bundle_path: str | None,
    use_environment_proxies: bool,
    timeout_s: Timeout,
) -> requests.Session:
    """Return a session that trusts ``ca_bundle_path`` (or the environment's bundle).

    Raises:
        ConfigError: ``ca_bundle_path`` (or ``REQUESTS_CA_BUNDLE`` when it is used) is
            not a readable file.
    """
    verify: str | bool = True
    if ca_bundle_path:
        verify = _existing_bundle(ca_bundle_path, "the configured CA bundle")
    else:
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            if environ.get(name):
                verify = _existing_bundle(environ[name], name)
                break
    proxies = ProxySettings.from_environ(environ) if use_environment_proxies else ProxySettings()
    return _AuthSession(verify=verify, proxies=proxies, timeout_s=timeout_s)


def _existing_bundle(path: str, source: str) -> str:
    if not Path(path).is_file():
        raise ConfigError(
            f"{source} {path!r} is not a file: point it at a PEM bundle of trusted CAs"
        )
    return path


def describe_request_failure(exc: requests.RequestException) -> str:
    """Return a short, secret-free reason and a next step for a failed HTTP call."""
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "TLS verification failed: check the CA bundle (caBundle, REQUESTS_CA_BUNDLE) "
            "trusts the server's certificate"
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return "the proxy failed: check HTTPS_PROXY / NO_PROXY"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "the connection timed out: check the network, HTTPS_PROXY and NO_PROXY"
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer before the read timeout"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "could not connect: check the network, HTTPS_PROXY and NO_PROXY"
    return f"the request failed ({type(exc).__name__})"
