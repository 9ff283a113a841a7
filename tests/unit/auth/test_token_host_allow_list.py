"""The bearer token goes only to allowed hosts: examples, then properties (hypothesis)."""

from __future__ import annotations

import dataclasses

import pytest
import requests
from hypothesis import example, given
from hypothesis import strategies as st
from urllib3.util import parse_url

from fabric_action.auth import PUBLIC_CLOUD, HostPattern, _hosts, emulator_cloud

EMULATOR = emulator_cloud("https://127.0.0.1:8443", "https://localhost:9443")

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
subdomain = st.lists(label, min_size=1, max_size=4).map(".".join)
PUBLIC_HOSTS = ("api.fabric.microsoft.com", "graph.microsoft.com")
SUFFIXES = ("analysis.windows.net", "vault.azure.net")


def _random_case(data: st.DataObject, text: str) -> str:
    flips = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


@pytest.mark.parametrize(
    "url",
    [
        "https://api.fabric.microsoft.com/v1/workspaces",
        "https://api.fabric.microsoft.com:443/v1/workspaces",
        "https://API.Fabric.Microsoft.COM/v1",
        "https://graph.microsoft.com/v1.0/users",
        "https://wabi-west-europe-redirect.analysis.windows.net/v1/operations/1",
        "https://a.b.analysis.windows.net/",
        "https://myvault.vault.azure.net/secrets/x",
        "https://api.fabric.microsoft.com",
        "https://api.fabric.microsoft.com?x=@evil.com",
        "https://api.fabric.microsoft.com/path@evil.com",
    ],
)
def test_public_cloud_allows(url: str) -> None:
    assert PUBLIC_CLOUD.is_allowed_host(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.fabric.microsoft.com/v1",
        "https://api.fabric.microsoft.com:8443/v1",
        "https://evilanalysis.windows.net/",
        "https://analysis.windows.net/",
        "https://vault.azure.net/",
        "https://api.fabric.microsoft.com.evil.com/",
        "https://evil.com/api.fabric.microsoft.com",
        "https://api.fabric.microsoft.com@evil.com/",
        "https://user:pw@api.fabric.microsoft.com/",
        "https://@api.fabric.microsoft.com/",
        "https://evil.com\\@api.fabric.microsoft.com/",
        "https://evil.com\\.analysis.windows.net/",
        "https://api.fabric.microsoft.com./v1",
        "https://api..fabric.microsoft.com/",
        "https://api%2efabric.microsoft.com/",
        "https://api.fabric.microsoft.com%00.evil.com/",
        "https://\uff41pi.fabric.microsoft.com/",  # full-width a (IDNA folds it to "a")
        "https:// api.fabric.microsoft.com/",
        "https://api.fabric.microsoft.com:abc/",
        "https://api.fabric.microsoft.com:99999/",
        "//api.fabric.microsoft.com/v1",
        "/v1/workspaces",
        "api.fabric.microsoft.com",
        "ftp://api.fabric.microsoft.com/",
        "",
        "https://",
        "https://[::1]/",
        "https://-bad-.analysis.windows.net/",
    ],
)
def test_public_cloud_refuses(url: str) -> None:
    assert not PUBLIC_CLOUD.is_allowed_host(url)


def test_emulator_allows_both_listeners_exactly() -> None:
    assert EMULATOR.is_allowed_host("https://127.0.0.1:8443/v1/workspaces")
    assert EMULATOR.is_allowed_host("https://LOCALHOST:9443/v1/operations/1")
    assert not EMULATOR.is_allowed_host("https://127.0.0.1:9443/")
    assert not EMULATOR.is_allowed_host("https://localhost:8443/")
    assert not EMULATOR.is_allowed_host("https://127.0.0.1/")
    assert not EMULATOR.is_allowed_host("http://127.0.0.1:8443/")
    assert not EMULATOR.is_allowed_host("https://api.fabric.microsoft.com/v1")
    assert [str(p) for p in EMULATOR.token_hosts] == ["127.0.0.1:8443", "localhost:9443"]


def test_http_emulator_needs_allow_http_and_then_allows_http() -> None:
    with pytest.raises(ValueError, match="https"):
        emulator_cloud("http://127.0.0.1:8080", "http://localhost:8081")

    plain = emulator_cloud("http://127.0.0.1:8080", "http://localhost:8081", allow_http=True)

    assert plain.is_allowed_host("http://127.0.0.1:8080/v1/workspaces")
    assert plain.is_allowed_host("http://localhost:8081/v1/operations/1")
    assert not plain.is_allowed_host("http://127.0.0.1:8081/")


def test_ipv6_patterns() -> None:
    profile = emulator_cloud("https://[::1]:8443", "https://localhost:9443")

    assert profile.is_allowed_host("https://[::1]:8443/v1")
    assert not profile.is_allowed_host("https://[::2]:8443/v1")
    assert str(profile.token_hosts[0]) == "[::1]:8443"


@pytest.mark.parametrize(
    "text", ["", "*.", "a b", "evil.com/x", "u@h", "h:port", "*.1.2.3.4x_", "*.[::1]", "a%b"]
)
def test_invalid_patterns_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="host pattern"):
        HostPattern.parse(text)


def test_pattern_round_trip() -> None:
    for text in ("*.analysis.windows.net", "localhost:9443", "api.fabric.microsoft.com"):
        assert str(HostPattern.parse(text)) == text


def test_replace_rebuilds_the_allow_list() -> None:
    sovereign = dataclasses.replace(
        PUBLIC_CLOUD, lro_redirect_hosts=("*.analysis.usgovcloudapi.net",)
    )

    assert sovereign.is_allowed_host("https://x.analysis.usgovcloudapi.net/")
    assert not sovereign.is_allowed_host("https://x.analysis.windows.net/")


def test_profile_refuses_http_endpoints_unless_allowed() -> None:
    with pytest.raises(ValueError, match="fabric_api_base must be an https URL"):
        dataclasses.replace(PUBLIC_CLOUD, fabric_api_base="http://api.fabric.microsoft.com/v1")


@pytest.mark.parametrize(
    "disagreeing",
    [
        "https://evil.com/",  # another host
        "https://api.fabric.microsoft.com:8443/",  # another port
        "http://api.fabric.microsoft.com/",  # another scheme
        "https://u@api.fabric.microsoft.com/",  # userinfo
    ],
)
def test_a_url_the_connecting_parser_reads_differently_is_refused(
    monkeypatch: pytest.MonkeyPatch, disagreeing: str
) -> None:
    monkeypatch.setattr(_hosts, "parse_url", lambda _url: parse_url(disagreeing))

    assert not PUBLIC_CLOUD.is_allowed_host("https://api.fabric.microsoft.com/v1")


def test_invalid_base_urls_are_rejected() -> None:
    with pytest.raises(ValueError, match="invalid base URL"):
        emulator_cloud("https://127.0.0.1:8443", "https://user@localhost:9443")


# -- properties -------------------------------------------------------------------------


@given(data=st.data(), sub=subdomain, suffix=st.sampled_from(SUFFIXES))
def test_any_subdomain_of_a_wildcard_suffix_is_allowed_in_any_case(
    data: st.DataObject, sub: str, suffix: str
) -> None:
    host = _random_case(data, f"{sub}.{suffix}")
    port = data.draw(st.sampled_from(["", ":443"]))

    assert PUBLIC_CLOUD.is_allowed_host(f"https://{host}{port}/v1/operations/x")


@given(prefix=label, suffix=st.sampled_from(SUFFIXES + PUBLIC_HOSTS))
@example(prefix="evil", suffix="analysis.windows.net")
def test_a_prefix_without_a_dot_never_matches(prefix: str, suffix: str) -> None:
    assert not PUBLIC_CLOUD.is_allowed_host(f"https://{prefix}{suffix}/")


@given(host=st.sampled_from(PUBLIC_HOSTS), tail=subdomain)
def test_an_allowed_host_followed_by_more_labels_is_refused(host: str, tail: str) -> None:
    assert not PUBLIC_CLOUD.is_allowed_host(f"https://{host}.{tail}/")


@given(host=st.sampled_from(PUBLIC_HOSTS), port=st.integers(min_value=0, max_value=65535))
def test_only_the_default_port_is_allowed(host: str, port: int) -> None:
    assert PUBLIC_CLOUD.is_allowed_host(f"https://{host}:{port}/") == (port == 443)


@given(port=st.integers(min_value=1, max_value=65535))
def test_emulator_allows_only_its_own_ports(port: int) -> None:
    expected = port == 8443
    assert EMULATOR.is_allowed_host(f"https://127.0.0.1:{port}/v1") == expected


@given(
    host=st.sampled_from(PUBLIC_HOSTS),
    user=st.text(alphabet="abc:%@.-_", max_size=12),
    evil=st.sampled_from(["evil.com", "127.0.0.1", "api.fabric.microsoft.com"]),
)
def test_userinfo_is_always_refused(host: str, user: str, evil: str) -> None:
    assert not PUBLIC_CLOUD.is_allowed_host(f"https://{user}@{host}/")
    assert not PUBLIC_CLOUD.is_allowed_host(f"https://{host}@{evil}/")
    assert not PUBLIC_CLOUD.is_allowed_host(f"https://{host}:{user}@{evil}/")


@given(url=st.text(max_size=80))
def test_arbitrary_text_never_raises(url: str) -> None:
    assert PUBLIC_CLOUD.is_allowed_host(url) in (True, False)


nasty = st.text(alphabet="ab.:@/\\?#%[]-_ ", max_size=6)


@given(
    before=nasty,
    host=st.sampled_from((*PUBLIC_HOSTS, "x.analysis.windows.net")),
    after=nasty,
    scheme=st.sampled_from(["https://", "HTTPS://", "https:/", "http://"]),
)
def test_whenever_allowed_requests_would_connect_to_an_allowed_host(
    before: str, host: str, after: str, scheme: str
) -> None:
    url = f"{scheme}{before}{host}{after}"
    if not PUBLIC_CLOUD.is_allowed_host(url):
        return

    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    assert prepared.url is not None
    connected = parse_url(prepared.url)
    assert connected.scheme == "https"
    assert connected.port in (None, 443)
    assert connected.auth is None
    assert connected.host is not None
    host_seen = connected.host.lower()
    assert host_seen in PUBLIC_HOSTS or host_seen.endswith(".analysis.windows.net")
