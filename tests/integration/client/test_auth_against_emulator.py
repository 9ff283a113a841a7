"""fabric_action.auth against the emulated Entra and CI OIDC issuers, over HTTPS.

Trust is explicit: the profile carries the emulator's CA, while REQUESTS_CA_BUNDLE points
at a bundle without it (this machine sets one; that is what broke MSAL's ``verify=``).
The provider's FakeClock and the emulator's frozen clock always move together.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import socket
import socketserver
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from fabric_action.auth import (
    AuthSettings,
    CloudProfile,
    MsalTokenProvider,
    emulator_cloud,
    token_provider_from_settings,
)
from fabric_action.errors import AuthError, EntraTokenError, ExitCode
from fabric_action.reliability import FakeClock
from fabric_emulator.testing import RunningEmulator

AUDIENCES = {
    "https://api.fabric.microsoft.com/.default": "https://api.fabric.microsoft.com",
    "https://graph.microsoft.com/.default": "https://graph.microsoft.com",
    "https://vault.azure.net/.default": "https://vault.azure.net",
}
GITHUB_REQUEST_TOKEN = "emulator-github-request-token"  # the emulator's default
SYSTEM_ACCESS_TOKEN = "emulator-system-access-token"  # the emulator's default
TOKEN_ROUTE = "/*/oauth2/v2.0/token"


@pytest.fixture(autouse=True)
def untrusting_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the CA variables at certifi (no emulator CA) and clear proxy variables."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def profile(emulator: RunningEmulator) -> CloudProfile:
    return emulator_cloud(
        emulator.base_url, emulator.redirect_base_url, ca_bundle_path=str(emulator.ca_path)
    )


@pytest.fixture
def clock(emulator: RunningEmulator) -> FakeClock:
    return FakeClock(start_s=emulator.emulator.clock.now())


@pytest.fixture
def ids(emulator: RunningEmulator) -> AuthSettings:
    return AuthSettings(tenant_id=emulator.tenant, client_id=emulator.client_id)


@pytest.fixture
def github_env(emulator: RunningEmulator) -> dict[str, str]:
    return {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{emulator.base_url}/_oidc/github/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": GITHUB_REQUEST_TOKEN,
    }


def _advance(emulator: RunningEmulator, clock: FakeClock, seconds: float) -> None:
    clock.advance(seconds)
    emulator.advance(seconds)


def _claims(emulator: RunningEmulator, token: str, scope: str) -> dict[str, Any]:
    """Verify ``token`` as its resource would, at the emulator's current time."""
    claims: dict[str, Any] = emulator.emulator.keys.decode(
        token, audience=AUDIENCES[scope], now_epoch_s=emulator.emulator.clock.now()
    )
    return claims


def _calls(emulator: RunningEmulator, since: int = 0) -> list[dict[str, Any]]:
    """Return the logged Entra and OIDC requests (not the control API)."""
    return [e for e in emulator.requests_log(since) if not e["path"].startswith("/_emulator/")]


def _is_token_post(entry: dict[str, Any]) -> bool:
    return bool(entry["method"] == "POST" and entry["path"].endswith("/oauth2/v2.0/token"))


def _provider(
    settings: AuthSettings, environ: dict[str, str], profile: CloudProfile, clock: FakeClock
) -> MsalTokenProvider:
    return token_provider_from_settings(settings, environ, profile=profile, clock=clock)


# -- secret and certificate ---------------------------------------------------------------


def test_client_secret_gets_verified_tokens_for_every_scope(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock, ids: AuthSettings
) -> None:
    settings = dataclasses.replace(ids, client_secret=emulator.client_secret)

    with _provider(settings, dict(os.environ), profile, clock) as provider:
        tokens = {scope: provider.token(scope) for scope in profile.scopes}
        again = {scope: provider.token(scope) for scope in profile.scopes}

    assert tokens == again
    for scope, token in tokens.items():
        claims = _claims(emulator, token, scope)
        assert claims["appid"] == emulator.client_id
        assert claims["tid"] == emulator.emulator.directory.tenant_id
    calls = _calls(emulator)
    assert [(e["method"], e["status"]) for e in calls] == [("GET", 200)] + [("POST", 200)] * 3
    assert calls[0]["path"].endswith("/v2.0/.well-known/openid-configuration")


def test_wrong_secret_is_an_auth_error_with_the_aadsts_code_and_no_secret(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock, ids: AuthSettings
) -> None:
    secret = "Wr0ng~Secret-Value-1234"
    settings = dataclasses.replace(ids, client_secret=secret)

    with (
        _provider(settings, {}, profile, clock) as provider,
        pytest.raises(EntraTokenError) as caught,
    ):
        provider.token(profile.fabric_scope)

    error = caught.value
    assert isinstance(error, AuthError)
    assert error.exit_code is ExitCode.AUTH_ERROR
    assert (error.error, error.aadsts) == ("invalid_client", "AADSTS7000215")
    assert "AADSTS7000215" in str(error)
    assert error.correlation_id and error.correlation_id in str(error)
    assert secret not in str(error)
    assert secret not in repr(error.args)


def test_unknown_tenant_names_the_setting(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock
) -> None:
    settings = AuthSettings(tenant_id="not-a-tenant", client_id="x", client_secret="y")

    with pytest.raises(AuthError, match=r"no OpenID configuration .*check tenantId"):
        _provider(settings, {}, profile, clock).token(profile.fabric_scope)


def _write_certificate(directory: Path) -> tuple[str, str, Path]:
    """Write a new RSA key and its self-signed certificate into one PEM file."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fabric-action-dev")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pa55"),
    ).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    path = directory / "app.pem"
    path.write_text(key_pem + cert_pem)
    return key_pem, cert_pem, path


def test_certificate_works_once_registered_on_the_app(
    emulator: RunningEmulator,
    profile: CloudProfile,
    clock: FakeClock,
    ids: AuthSettings,
    tmp_path: Path,
) -> None:
    key_pem, cert_pem, path = _write_certificate(tmp_path)
    settings = dataclasses.replace(ids, certificate_path=str(path), certificate_password="pa55")
    with (
        _provider(settings, {}, profile, clock) as provider,
        pytest.raises(EntraTokenError) as refused,
    ):
        provider.token(profile.fabric_scope)
    with emulator.emulator.lock:
        emulator.emulator.directory.apps[emulator.client_id].certificates.append(cert_pem)

    with _provider(settings, {}, profile, clock) as provider:
        token = provider.token(profile.fabric_scope)

    assert refused.value.aadsts == "AADSTS700027"
    assert "upload the certificate" in str(refused.value)
    assert key_pem.splitlines()[1] not in str(refused.value)
    assert "pa55" not in str(refused.value)
    assert _claims(emulator, token, profile.fabric_scope)["appid"] == emulator.client_id


# -- OIDC federation ----------------------------------------------------------------------


def test_github_oidc_end_to_end(
    emulator: RunningEmulator,
    profile: CloudProfile,
    clock: FakeClock,
    ids: AuthSettings,
    github_env: dict[str, str],
) -> None:
    with _provider(ids, github_env, profile, clock) as provider:
        token = provider.token(profile.fabric_scope)

    assert _claims(emulator, token, profile.fabric_scope)["appid"] == emulator.client_id
    oidc = [e for e in _calls(emulator) if e["path"] == "/_oidc/github/token"]
    assert [(e["method"], e["status"]) for e in oidc] == [("GET", 200)]
    assert oidc[0]["query"] == "api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"


def test_github_subject_mismatch_explains_the_federated_credential(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock, ids: AuthSettings
) -> None:
    job = emulator.control("POST", "oidc/github", {"ref": "refs/heads/feature/x"})
    environ = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": job["request_url"],
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": job["request_token"],
    }

    with pytest.raises(EntraTokenError) as caught:
        _provider(ids, environ, profile, clock).token(profile.fabric_scope)

    assert caught.value.aadsts == "AADSTS700213"
    assert "federated credential for exactly this subject" in str(caught.value)


@pytest.mark.parametrize("connection_name", ["fabric-prod", "fabric-prod-legacy"])
def test_azure_devops_oidc_end_to_end_for_both_issuers(
    emulator: RunningEmulator,
    profile: CloudProfile,
    clock: FakeClock,
    ids: AuthSettings,
    connection_name: str,
) -> None:
    connections = emulator.control("GET", "oidc/azuredevops")["value"]
    connection = next(c for c in connections if c["name"] == connection_name)
    environ = {
        "SYSTEM_OIDCREQUESTURI": connection["oidc_request_uri"],
        "SYSTEM_ACCESSTOKEN": SYSTEM_ACCESS_TOKEN,
    }
    settings = dataclasses.replace(ids, service_connection_id=connection["service_connection_id"])

    with _provider(settings, environ, profile, clock) as provider:
        token = provider.token(profile.fabric_scope)

    assert _claims(emulator, token, profile.fabric_scope)["appid"] == emulator.client_id
    oidc = [e for e in _calls(emulator) if e["path"].startswith("/_oidc/azuredevops/")]
    assert [(e["method"], e["status"]) for e in oidc] == [("POST", 200)]
    assert oidc[0]["query"] == (
        f"api-version=7.1&serviceConnectionId={connection['service_connection_id']}"
    )


def test_azure_devops_refusal_names_the_access_token_variable(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock, ids: AuthSettings
) -> None:
    connection = emulator.control("GET", "oidc/azuredevops")["value"][0]
    environ = {
        "SYSTEM_OIDCREQUESTURI": connection["oidc_request_uri"],
        "SYSTEM_ACCESSTOKEN": "stale-access-token",
    }
    settings = dataclasses.replace(ids, service_connection_id=connection["service_connection_id"])

    with pytest.raises(AuthError, match=r"HTTP 401.*SYSTEM_ACCESSTOKEN") as caught:
        _provider(settings, environ, profile, clock).token(profile.fabric_scope)

    assert "stale-access-token" not in str(caught.value)


def test_oidc_issuer_blips_are_retried_on_the_fake_clock(
    emulator: RunningEmulator,
    profile: CloudProfile,
    clock: FakeClock,
    ids: AuthSettings,
    github_env: dict[str, str],
) -> None:
    emulator.set_faults(
        [
            {
                "route": "/_oidc/github/token",
                "error_rate": 1.0,
                "error_statuses": [503],
                "max_hits": 2,
            }
        ]
    )

    with _provider(ids, github_env, profile, clock) as provider:
        token = provider.token(profile.fabric_scope)

    assert _claims(emulator, token, profile.fabric_scope)["appid"] == emulator.client_id
    oidc = [e["status"] for e in _calls(emulator) if e["path"] == "/_oidc/github/token"]
    assert oidc == [503, 503, 200]
    assert clock.sleeps == [1.0, 2.0]


# -- refresh, single flight, forced refresh -------------------------------------------------


def test_fifty_threads_through_an_expiring_token_make_exactly_one_request(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock, ids: AuthSettings
) -> None:
    settings = dataclasses.replace(ids, client_secret=emulator.client_secret)
    provider = _provider(settings, {}, profile, clock)
    first = provider.token(profile.fabric_scope)
    _advance(emulator, clock, 3400)
    emulator.set_faults([{"route": TOKEN_ROUTE, "latency_ms": 300}])
    since = emulator.requests_log()[-1]["seq"]
    start = threading.Barrier(50)

    def call(_: int) -> str:
        start.wait()
        return provider.token(profile.fabric_scope)

    with ThreadPoolExecutor(max_workers=50) as pool:
        tokens = set(pool.map(call, range(50)))
    provider.close()

    assert len(tokens) == 1
    assert tokens != {first}
    assert len([e for e in _calls(emulator, since) if _is_token_post(e)]) == 1
    _claims(emulator, tokens.pop(), profile.fabric_scope)


def test_invalidate_forces_exactly_one_new_token(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock, ids: AuthSettings
) -> None:
    settings = dataclasses.replace(ids, client_secret=emulator.client_secret)

    with _provider(settings, {}, profile, clock) as provider:
        rejected = provider.token(profile.fabric_scope)
        _advance(emulator, clock, 1)
        for _ in range(5):  # five requests saw 401 TokenExpired with the same token
            provider.invalidate(profile.fabric_scope, rejected_token=rejected)
            replacement = provider.token(profile.fabric_scope)

    assert replacement != rejected
    assert len([e for e in _calls(emulator) if _is_token_post(e)]) == 2


def test_an_hour_and_more_on_the_fake_clock_with_github_oidc(
    emulator: RunningEmulator,
    profile: CloudProfile,
    clock: FakeClock,
    ids: AuthSettings,
    github_env: dict[str, str],
) -> None:
    """Step a minute at a time for 130 minutes; every token handed out must verify."""
    start_s = int(clock.now())  # iat is whole seconds
    issued: dict[str, list[int]] = {scope: [] for scope in profile.scopes}

    with _provider(ids, github_env, profile, clock) as provider:
        for _minute in range(131):
            for scope in profile.scopes:
                claims = _claims(emulator, provider.token(scope), scope)
                iat_minute = int((claims["iat"] - start_s) // 60)
                if iat_minute not in issued[scope]:
                    issued[scope].append(iat_minute)
            _advance(emulator, clock, 60)

    for scope in profile.scopes:
        first, refresh, second_refresh = issued[scope]
        assert first == 0
        assert 55 <= refresh < 65, f"{scope} refreshed at minute {refresh}"
        assert 55 <= second_refresh - refresh < 65
    calls = _calls(emulator)
    kinds = ["oidc" if e["path"] == "/_oidc/github/token" else "token" for e in calls[1:]]
    assert kinds == ["oidc", "token"] * 9  # a freshly minted assertion before every request
    assert all(e["status"] == 200 for e in calls)


# -- network: proxy and TLS trust ---------------------------------------------------------


class _ConnectProxy(socketserver.ThreadingTCPServer):
    """A minimal HTTPS (CONNECT) proxy on loopback that records where it tunnelled."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TunnelHandler)
        self.targets: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _TunnelHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        assert isinstance(self.server, _ConnectProxy)
        self.server.targets.append(f"{method} {target}")
        host, _, port = target.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=10) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            back = threading.Thread(target=_pipe, args=(upstream, self.request), daemon=True)
            back.start()
            _pipe(self.request, upstream)
            back.join(10)


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@pytest.fixture
def proxy() -> Iterator[_ConnectProxy]:
    server = _ConnectProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_environment_proxy_is_used_while_our_ca_is_trusted(
    emulator: RunningEmulator,
    profile: CloudProfile,
    clock: FakeClock,
    ids: AuthSettings,
    github_env: dict[str, str],
    proxy: _ConnectProxy,
) -> None:
    environ = {**github_env, "HTTPS_PROXY": proxy.url, "REQUESTS_CA_BUNDLE": certifi.where()}

    with _provider(ids, environ, profile, clock) as provider:
        token = provider.token(profile.graph_scope)

    assert _claims(emulator, token, profile.graph_scope)["appid"] == emulator.client_id
    emulator_host = emulator.base_url.removeprefix("https://")
    assert proxy.targets and set(proxy.targets) == {f"CONNECT {emulator_host}"}


def test_no_proxy_bypasses_the_proxy(
    emulator: RunningEmulator,
    profile: CloudProfile,
    clock: FakeClock,
    ids: AuthSettings,
    github_env: dict[str, str],
    proxy: _ConnectProxy,
) -> None:
    environ = {**github_env, "HTTPS_PROXY": proxy.url, "NO_PROXY": "localhost,127.0.0.1"}

    with _provider(ids, environ, profile, clock) as provider:
        provider.token(profile.graph_scope)

    assert proxy.targets == []


def test_environment_bundle_is_honoured_only_without_a_configured_ca(
    emulator: RunningEmulator, profile: CloudProfile, clock: FakeClock, ids: AuthSettings
) -> None:
    no_ca = dataclasses.replace(profile, ca_bundle_path=None)
    settings = dataclasses.replace(ids, client_secret=emulator.client_secret)

    with (
        _provider(settings, dict(os.environ), no_ca, clock) as provider,
        pytest.raises(AuthError, match="TLS verification failed") as refused,
    ):
        provider.token(no_ca.fabric_scope)
    with _provider(
        settings, {"REQUESTS_CA_BUNDLE": str(emulator.ca_path)}, no_ca, clock
    ) as provider:
        token = provider.token(no_ca.fabric_scope)

    assert refused.value.exit_code is ExitCode.AUTH_ERROR
    assert _claims(emulator, token, no_ca.fabric_scope)["appid"] == emulator.client_id
