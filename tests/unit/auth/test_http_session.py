"""The auth HTTP session: our CA wins over REQUESTS_CA_BUNDLE, env proxies still apply."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import requests
import requests_mock

from fabric_action.auth import PUBLIC_CLOUD
from fabric_action.auth._http import ProxySettings, describe_request_failure
from fabric_action.errors import ConfigError

URL = "https://login.microsoftonline.com/t/oauth2/v2.0/token"


@pytest.fixture
def bundle(tmp_path: Path) -> str:
    path = tmp_path / "ours.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    return str(path)


@pytest.fixture
def other_bundle(tmp_path: Path) -> str:
    path = tmp_path / "env.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    return str(path)


def _send(session: requests.Session, url: str = URL, **kwargs: Any) -> Any:
    """Send one GET through ``session`` and return what the transport received."""
    adapter = requests_mock.Adapter()
    adapter.register_uri(requests_mock.ANY, requests_mock.ANY, json={})
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.get(url, **kwargs)
    assert adapter.last_request is not None
    return adapter.last_request


def test_configured_ca_wins_over_requests_ca_bundle_in_os_environ(
    bundle: str, other_bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_bundle)
    monkeypatch.setenv("CURL_CA_BUNDLE", other_bundle)
    profile = dataclasses.replace(PUBLIC_CLOUD, ca_bundle_path=bundle)

    sent = _send(profile.http_session())

    assert sent.verify == bundle


def test_environment_bundle_is_used_when_no_ca_is_configured(other_bundle: str) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        sent = _send(PUBLIC_CLOUD.http_session({name: other_bundle}))
        assert sent.verify == other_bundle


def test_default_trust_store_without_any_bundle() -> None:
    assert _send(PUBLIC_CLOUD.http_session({})).verify is True


def test_missing_bundles_are_config_errors(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(ConfigError, match=r"the configured CA bundle .*nope\.pem"):
        dataclasses.replace(PUBLIC_CLOUD, ca_bundle_path=missing).http_session({})
    with pytest.raises(ConfigError, match="REQUESTS_CA_BUNDLE"):
        PUBLIC_CLOUD.http_session({"REQUESTS_CA_BUNDLE": missing})


def test_environment_proxy_applies_even_with_our_ca(bundle: str) -> None:
    profile = dataclasses.replace(PUBLIC_CLOUD, ca_bundle_path=bundle)
    environ = {"HTTPS_PROXY": "http://proxy.corp:3128", "REQUESTS_CA_BUNDLE": "/nope"}

    sent = _send(profile.http_session(environ))

    assert sent.proxies == {"https": "http://proxy.corp:3128"}
    assert sent.verify == bundle


def test_no_proxy_sends_direct() -> None:
    environ = {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "microsoftonline.com"}

    assert _send(PUBLIC_CLOUD.http_session(environ)).proxies == {}


def test_proxies_can_be_switched_off() -> None:
    profile = dataclasses.replace(PUBLIC_CLOUD, use_environment_proxies=False)

    sent = _send(profile.http_session({"HTTPS_PROXY": "http://proxy.corp:3128"}))

    assert sent.proxies == {}


def test_every_request_gets_the_profile_timeouts_unless_it_sets_its_own() -> None:
    profile = dataclasses.replace(PUBLIC_CLOUD, connect_timeout_s=2.5, read_timeout_s=7.0)
    session = profile.http_session({})

    assert _send(session).timeout == (2.5, 7.0)
    assert _send(session, timeout=1.0).timeout == 1.0
    assert _send(session, timeout=None).timeout == (2.5, 7.0)


def test_an_explicit_proxies_argument_is_kept() -> None:
    session = PUBLIC_CLOUD.http_session({"HTTPS_PROXY": "http://proxy.corp:3128"})

    sent = _send(session, proxies={"https": "http://other:1"})

    assert sent.proxies == {"https": "http://other:1"}


def test_netrc_never_replaces_the_authorization_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine login.microsoftonline.com login u password p\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))

    sent = _send(PUBLIC_CLOUD.http_session(), headers={"Authorization": "Bearer ours"})

    assert sent.headers["Authorization"] == "Bearer ours"


@pytest.mark.parametrize(
    ("environ", "url", "expected"),
    [
        ({"HTTPS_PROXY": "http://p:1"}, "https://a.example/", {"https": "http://p:1"}),
        ({"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:1"}, "https://a/", "low"),
        ({"HTTP_PROXY": "http://p:2"}, "http://a.example/", {"http": "http://p:2"}),
        ({"HTTP_PROXY": "http://p:2"}, "https://a.example/", {}),
        ({"ALL_PROXY": "socks5://p:3"}, "https://a.example/", {"https": "socks5://p:3"}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, "https://a.example/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example"}, "https://a.example/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example"}, "https://x.a.example/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*.example"}, "https://x.example/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example"}, "https://badexample/", "p"),
        ({"HTTPS_PROXY": "http://p:1", "no_proxy": "a.example:443"}, "https://a.example/", "p"),
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example:8443"},
            "https://a.example:8443/",
            {},
        ),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example:bad"}, "https://a.example/", "p"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, "https://10.1.2.3/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, "https://11.1.2.3/", "p"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, "https://ten.example/", "p"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1"}, "https://127.0.0.1:8443/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "[::1]"}, "https://[::1]:8443/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": " x , ,localhost"}, "https://localhost/", {}),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "."}, "https://a.example/", "p"),
    ],
)
def test_proxy_selection(environ: dict[str, str], url: str, expected: object) -> None:
    chosen = ProxySettings.from_environ(environ).for_url(url)

    if isinstance(expected, str):
        assert list(chosen.values()) == [next(v for v in environ.values() if expected in v)]
    else:
        assert chosen == expected


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (requests.exceptions.SSLError(), "TLS verification failed"),
        (requests.exceptions.ProxyError(), "HTTPS_PROXY"),
        (requests.exceptions.ConnectTimeout(), "connection timed out"),
        (requests.exceptions.ReadTimeout(), "read timeout"),
        (requests.exceptions.ConnectionError(), "could not connect"),
        (requests.exceptions.InvalidURL(), "InvalidURL"),
    ],
)
def test_request_failures_are_described(exc: requests.RequestException, text: str) -> None:
    assert text in describe_request_failure(exc)
