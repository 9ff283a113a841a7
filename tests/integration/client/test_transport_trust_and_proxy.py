"""Trust comes from our CA setting, never from REQUESTS_CA_BUNDLE; proxies still work.

This machine sets REQUESTS_CA_BUNDLE; a requests Session with ``trust_env`` on would
silently trust whatever it names. The transport turns ``trust_env`` off and reads the
proxy variables itself, so HTTPS_PROXY / NO_PROXY are honoured while the CA bundle is
exactly the configured one.
"""

from __future__ import annotations

from collections.abc import Iterator

import certifi
import pytest
from client_support import ConnectProxy

from fabric_action.errors import TlsVerificationError
from fabric_action.fabric import Request, RequestsTransport, TransportOptions
from fabric_emulator.testing import RunningEmulator

PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    running = ConnectProxy()
    yield running
    running.close()


def health(emulator: RunningEmulator) -> Request:
    return Request(method="GET", url=f"{emulator.base_url}/_emulator/health")


def test_requests_ca_bundle_from_the_environment_is_not_trusted(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(emulator.ca_path))
    transport = RequestsTransport()
    with pytest.raises(TlsVerificationError, match="CA bundle") as caught:
        transport.send(health(emulator))
    assert caught.value.request_sent is False
    transport.close()


def test_the_configured_ca_is_trusted_whatever_the_environment_says(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    transport = RequestsTransport(TransportOptions(ca_bundle_path=str(emulator.ca_path)))
    assert transport.send(health(emulator)).status == 200
    transport.close()


def test_https_proxy_from_the_environment_is_used_with_our_ca(
    emulator: RunningEmulator, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    transport = RequestsTransport(TransportOptions(ca_bundle_path=str(emulator.ca_path)))
    assert transport.send(health(emulator)).status == 200
    assert proxy.tunnels == [emulator.base_url.removeprefix("https://")]
    transport.close()


def test_no_proxy_bypasses_the_proxy(
    emulator: RunningEmulator, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    transport = RequestsTransport(TransportOptions(ca_bundle_path=str(emulator.ca_path)))
    assert transport.send(health(emulator)).status == 200
    assert proxy.tunnels == []
    transport.close()


def test_proxy_environment_can_be_switched_off(
    emulator: RunningEmulator, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    options = TransportOptions(ca_bundle_path=str(emulator.ca_path), use_proxy_env=False)
    transport = RequestsTransport(options)
    assert transport.send(health(emulator)).status == 200
    assert proxy.tunnels == []
    transport.close()
