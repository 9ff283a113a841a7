"""Host allow-list: which URLs may receive a bearer token.

A pattern is an exact host (``api.fabric.microsoft.com``), an exact host and port
(``127.0.0.1:8443``) or a ``*.`` suffix (``*.analysis.windows.net``: any subdomain, never
the bare domain). Without a port a pattern matches only the scheme's default port.

URLs are parsed twice, by :func:`urllib.parse.urlsplit` and by urllib3 (what requests
connects with), and refused unless both agree. Anything unusual is refused rather than
normalised: userinfo, backslashes, whitespace, percent signs or non-ASCII in the
authority, trailing dots, empty labels. Refusing a strange but harmless URL costs a
clear error; accepting a strange harmful one leaks the token.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DNS_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_FORBIDDEN_IN_URL = re.compile(r"[\s\\\x00-\x1f\x7f]")


@dataclass(frozen=True, kw_only=True)
class HostPattern:
    """One allow-list entry.

    Attributes:
        host: Lower-case host name or IP literal; for a wildcard, the suffix after ``*.``.
        port: The only port allowed, or None for the scheme's default port.
        wildcard: Whether the pattern matches subdomains of ``host`` (and not ``host``).
    """

    host: str
    port: int | None = None
    wildcard: bool = False

    @classmethod
    def parse(cls, text: str) -> HostPattern:
        """Parse ``host``, ``host:port``, ``[v6]:port`` or ``*.suffix[:port]``.

        Raises:
            ValueError: The text is not a valid pattern.
        """
        wildcard = text.startswith("*.")
        body = text[2:] if wildcard else text
        if not body or _FORBIDDEN_IN_URL.search(body) or any(c in body for c in "@/?#%"):
            raise ValueError(f"invalid host pattern {text!r}")
        split = urlsplit(f"//{body}")
        try:
            port = split.port
        except ValueError as exc:
            raise ValueError(f"invalid port in host pattern {text!r}") from exc
        host = split.hostname or ""
        if not _is_valid_host(host) or (wildcard and not _DNS_NAME.fullmatch(host)):
            raise ValueError(f"invalid host in host pattern {text!r}")
        return cls(host=host, port=port, wildcard=wildcard)

    def matches(self, host: str, port: int, default_port: int) -> bool:
        """Return whether a normalised ``host`` and ``port`` fall under this pattern."""
        wanted_port = default_port if self.port is None else self.port
        if port != wanted_port:
            return False
        if self.wildcard:
            return host.endswith(f".{self.host}")
        return host == self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        text = f"*.{host}" if self.wildcard else host
        return text if self.port is None else f"{text}:{self.port}"


@dataclass(frozen=True, kw_only=True)
class UrlTarget:
    """Where a URL would connect: scheme, normalised host and effective port."""

    scheme: str
    host: str
    port: int


def _is_valid_host(host: str) -> bool:
    if _DNS_NAME.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_target(url: str, *, schemes: frozenset[str]) -> UrlTarget | None:
    """Return where ``url`` connects, or None when it is malformed, odd or not in ``schemes``.

    Both parsers must agree on scheme, host and port; userinfo is always refused.
    """
    if not url.isascii() or _FORBIDDEN_IN_URL.search(url):
        return None
    try:
        split = urlsplit(url)
        split_port = split.port
        parsed = parse_url(url)
    except (ValueError, LocationParseError):
        return None
    scheme = split.scheme.lower()
    if scheme not in schemes or "@" in split.netloc or "%" in split.netloc:
        return None
    host = split.hostname or ""
    if not _is_valid_host(host):
        return None
    port = _DEFAULT_PORTS[scheme] if split_port is None else split_port
    other_host = (parsed.host or "").lower().strip("[]")
    other_port = _DEFAULT_PORTS[scheme] if parsed.port is None else parsed.port
    if (parsed.scheme or "").lower() != scheme or other_host != host or other_port != port:
        return None
    if parsed.auth is not None:
        return None
    return UrlTarget(scheme=scheme, host=host, port=port)


def host_is_allowed(
    url: str, patterns: tuple[HostPattern, ...], *, schemes: frozenset[str]
) -> bool:
    """Return whether ``url`` is well-formed, uses one of ``schemes`` and matches a pattern."""
    target = parse_target(url, schemes=schemes)
    if target is None:
        return False
    default_port = _DEFAULT_PORTS[target.scheme]
    return any(pattern.matches(target.host, target.port, default_port) for pattern in patterns)


def pattern_for_base_url(base_url: str) -> HostPattern:
    """Return the exact pattern (host and port as written) of a base URL.

    Raises:
        ValueError: The URL has no valid host.
    """
    target = parse_target(base_url, schemes=frozenset(_DEFAULT_PORTS))
    if target is None:
        raise ValueError(f"invalid base URL {base_url!r}")
    port = None if target.port == _DEFAULT_PORTS[target.scheme] else target.port
    return HostPattern(host=target.host, port=port)
