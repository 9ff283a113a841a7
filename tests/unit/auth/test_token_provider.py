"""The token provider: per-scope cache on the injected clock, refresh ahead, single flight."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from auth_fakes import CLIENT_ID, TENANT, TOKEN_URL, FakeEntra

from fabric_action.auth import (
    PUBLIC_CLOUD,
    ClientSecretCredential,
    CredentialKind,
    FederatedCredential,
    MsalTokenProvider,
)
from fabric_action.errors import AuthError, EntraTokenError
from fabric_action.reliability import FakeClock

FABRIC = PUBLIC_CLOUD.fabric_scope
GRAPH = PUBLIC_CLOUD.graph_scope
SECRET = "the-client-secret-value"
WRONG_SECRET = {
    "error": "invalid_client",
    "error_description": "AADSTS7000215: Invalid client secret provided.",
    "error_codes": [7000215],
    "correlation_id": "corr-1",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _provider(fake: FakeEntra, clock: FakeClock, **kwargs: Any) -> MsalTokenProvider:
    credential = kwargs.pop(
        "credential", ClientSecretCredential(tenant_id=TENANT, client_id=CLIENT_ID, secret=SECRET)
    )
    return MsalTokenProvider(credential, clock=clock, session=fake.session, **kwargs)


def test_first_call_asks_entra_then_the_cache_answers(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    provider = _provider(fake_entra, clock)

    first = provider.token(FABRIC)
    clock.advance(3000)
    second = provider.token(FABRIC)

    assert first == second == "token-1"
    assert fake_entra.token_requests == 1
    form = fake_entra.forms[0]
    assert (form["grant_type"], form["client_id"], form["scope"]) == (
        "client_credentials",
        CLIENT_ID,
        FABRIC,
    )
    assert form["client_secret"] == SECRET
    entry = provider.access_token(FABRIC)
    assert entry.expires_on_s == 1_700_000_000.0 + 3599
    assert entry.refresh_on_s == 1_700_000_000.0 + 3599 - 300
    assert "token-1" not in repr(entry)


def test_refresh_happens_five_minutes_before_expiry(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    provider = _provider(fake_entra, clock)
    provider.token(FABRIC)

    clock.advance(3298.5)
    before = provider.token(FABRIC)
    clock.advance(0.5)
    after = provider.token(FABRIC)

    assert (before, after) == ("token-1", "token-2")
    assert fake_entra.token_requests == 2


def test_scopes_are_cached_separately(fake_entra: FakeEntra, clock: FakeClock) -> None:
    provider = _provider(fake_entra, clock)

    tokens = [provider.token(FABRIC), provider.token(GRAPH), provider.token(FABRIC)]

    assert tokens == ["token-1", "token-2", "token-1"]
    assert [form["scope"] for form in fake_entra.forms] == [FABRIC, GRAPH]


@pytest.mark.parametrize(
    ("answer", "refresh_after_s"),
    [
        ({"expires_in": 120}, 60.0),  # shorter than the margin: half-life
        ({"expires_in": "3599"}, 3299.0),  # v1-style string
        ({"expires_in": 7200, "refresh_in": 1800}, 3600.0),  # Entra asks for early refresh
    ],
)
def test_refresh_point(
    fake_entra: FakeEntra, clock: FakeClock, answer: dict[str, Any], refresh_after_s: float
) -> None:
    fake_entra.answer(200, {"token_type": "Bearer", **answer})
    provider = _provider(fake_entra, clock)

    entry = provider.access_token(FABRIC)

    assert entry.refresh_on_s - clock.now() == refresh_after_s


def test_fifty_threads_through_an_expiring_token_make_one_request(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    provider = _provider(fake_entra, clock)
    provider.token(FABRIC)
    clock.advance(3400)
    fake_entra.delay = threading.Event()
    threading.Timer(0.3, fake_entra.delay.set).start()
    start = threading.Barrier(50)

    def call() -> str:
        start.wait()
        return provider.token(FABRIC)

    with ThreadPoolExecutor(max_workers=50) as pool:
        tokens = list(pool.map(lambda _: call(), range(50)))

    assert set(tokens) == {"token-2"}
    assert fake_entra.token_requests == 2


def test_a_failed_refresh_keeps_the_valid_token_and_retries_later(
    fake_entra: FakeEntra, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    provider = _provider(fake_entra, clock)
    provider.token(FABRIC)
    clock.advance(3300)
    fake_entra.answer(401, WRONG_SECRET)

    with caplog.at_level(logging.WARNING, logger="fabric_action.auth"):
        kept = provider.token(FABRIC)
    clock.advance(4)
    still_kept = provider.token(FABRIC)
    clock.advance(1)
    fresh = provider.token(FABRIC)

    assert (kept, still_kept, fresh) == ("token-1", "token-1", "token-2")
    assert fake_entra.token_requests == 3
    assert "token refresh for" in caplog.text
    assert SECRET not in caplog.text


def test_a_failed_refresh_of_an_almost_expired_token_raises(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    provider = _provider(fake_entra, clock)
    provider.token(FABRIC)
    clock.advance(3540)
    fake_entra.answer(401, WRONG_SECRET)

    with pytest.raises(EntraTokenError):
        provider.token(FABRIC)


def test_a_failure_is_replayed_to_every_caller_until_the_retry_delay(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    fake_entra.answer(401, WRONG_SECRET)
    provider = _provider(fake_entra, clock)
    errors: list[EntraTokenError] = []

    for _ in range(3):
        with pytest.raises(EntraTokenError) as caught:
            provider.token(FABRIC)
        errors.append(caught.value)
    clock.advance(5)
    recovered = provider.token(FABRIC)

    assert fake_entra.token_requests == 2
    assert recovered == "token-1"
    assert len({id(error) for error in errors}) == 3
    assert {(e.aadsts, e.correlation_id, str(e)) for e in errors} == {
        (errors[0].aadsts, "corr-1", str(errors[0]))
    }
    assert "AADSTS7000215" in str(errors[0])
    assert SECRET not in str(errors[0])


def test_invalidate_forces_one_new_request(fake_entra: FakeEntra, clock: FakeClock) -> None:
    provider = _provider(fake_entra, clock)
    old = provider.token(FABRIC)

    provider.invalidate(FABRIC)
    new = provider.token(FABRIC)
    provider.invalidate(FABRIC, rejected_token=old)  # someone already replaced it
    provider.invalidate(GRAPH)  # nothing cached: nothing to do
    again = provider.token(FABRIC)
    provider.invalidate(FABRIC, rejected_token=new)
    newest = provider.token(FABRIC)

    assert (old, new, again, newest) == ("token-1", "token-2", "token-2", "token-3")
    assert fake_entra.token_requests == 3


def test_invalidate_does_not_cut_the_retry_delay_short(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    provider = _provider(fake_entra, clock)
    provider.token(FABRIC)
    fake_entra.answer(401, WRONG_SECRET)
    provider.invalidate(FABRIC)
    with pytest.raises(EntraTokenError):
        provider.token(FABRIC)

    provider.invalidate(FABRIC)  # a burst of 401s must not turn into a burst of requests
    with pytest.raises(EntraTokenError):
        provider.token(FABRIC)
    assert fake_entra.token_requests == 2
    clock.advance(5)

    assert provider.token(FABRIC) == "token-2"
    assert fake_entra.token_requests == 3


def test_get_token_serves_azure_core_clients(fake_entra: FakeEntra, clock: FakeClock) -> None:
    provider = _provider(fake_entra, clock)

    access = provider.get_token(PUBLIC_CLOUD.key_vault_scope, tenant_id="ignored")

    assert (access.token, access.expires_on) == ("token-1", 1_700_000_000 + 3599)
    with pytest.raises(ValueError, match="exactly one scope"):
        provider.get_token(FABRIC, GRAPH)


@pytest.mark.parametrize(
    ("register", "message"),
    [
        ({"status_code": 503, "text": "busy"}, "failed to answer .*HTTP Error: 503.*run again"),
        ({"status_code": 200, "text": "<html>proxy login</html>"}, "unreadable answer"),
        ({"exc": requests.exceptions.ConnectionError}, "could not get a token .*could not connect"),
    ],
)
def test_transport_failures_become_auth_errors(
    fake_entra: FakeEntra, clock: FakeClock, register: dict[str, Any], message: str
) -> None:
    fake_entra.adapter.register_uri("POST", TOKEN_URL, **register)

    provider = _provider(fake_entra, clock)
    with pytest.raises(AuthError, match=message) as caught:
        provider.token(FABRIC)

    assert not isinstance(caught.value, EntraTokenError)
    assert caught.value.__suppress_context__
    with pytest.raises(AuthError, match=message) as replayed:
        provider.token(FABRIC)
    assert type(replayed.value) is AuthError
    assert replayed.value is not caught.value


def test_msal_throttle_cache_does_not_replay_old_failures(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    fake_entra.answer(503, {})
    provider = _provider(fake_entra, clock)
    with pytest.raises(AuthError):
        provider.token(FABRIC)
    clock.advance(5)

    assert provider.token(FABRIC) == "token-1"  # MSAL alone would replay the 503 for 5 s
    assert fake_entra.token_requests == 2


@pytest.mark.parametrize(
    ("register", "message"),
    [
        ({"status_code": 400, "json": {"error": "invalid_tenant"}}, "no OpenID configuration"),
        ({"exc": requests.exceptions.ConnectTimeout}, "could not reach Entra ID .*timed out"),
    ],
)
def test_discovery_failures(
    fake_entra: FakeEntra, clock: FakeClock, register: dict[str, Any], message: str
) -> None:
    url = f"{PUBLIC_CLOUD.authority(TENANT)}/v2.0/.well-known/openid-configuration"
    fake_entra.adapter.register_uri("GET", url, **register)

    with pytest.raises(AuthError, match=message):
        _provider(fake_entra, clock).token(FABRIC)


def test_new_tokens_are_masked(fake_entra: FakeEntra, clock: FakeClock) -> None:
    masked: list[str] = []
    provider = _provider(fake_entra, clock, mask=masked.append)

    provider.token(FABRIC)
    provider.token(FABRIC)
    provider.token(GRAPH)

    assert masked == ["token-1", "token-2"]


class _Assertion:
    def __init__(self, error: AuthError | None = None) -> None:
        self.calls = 0
        self.closed = False
        self.error = error

    def __call__(self) -> str:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return f"eyJ.assertion{self.calls}.sig"

    def describe(self) -> str:
        return "test assertion"

    def close(self) -> None:
        self.closed = True


def test_federated_credential_gets_a_fresh_assertion_per_request(
    fake_entra: FakeEntra, clock: FakeClock
) -> None:
    source = _Assertion()
    credential = FederatedCredential(
        tenant_id=TENANT, client_id=CLIENT_ID, assertion=source, kind=CredentialKind.GITHUB_OIDC
    )
    with _provider(fake_entra, clock, credential=credential) as provider:
        provider.token(FABRIC)
        provider.token(FABRIC)
        provider.token(GRAPH)
        clock.advance(3300)
        provider.token(FABRIC)

    assert source.calls == 3
    assert [form["client_assertion"] for form in fake_entra.forms] == [
        "eyJ.assertion1.sig",
        "eyJ.assertion2.sig",
        "eyJ.assertion3.sig",
    ]
    assert source.closed
    assert provider.profile is PUBLIC_CLOUD


def test_assertion_failures_pass_through_unchanged(fake_entra: FakeEntra, clock: FakeClock) -> None:
    failure = AuthError("GitHub refused the OIDC token request (HTTP 401)")
    credential = FederatedCredential(
        tenant_id=TENANT,
        client_id=CLIENT_ID,
        assertion=_Assertion(failure),
        kind=CredentialKind.GITHUB_OIDC,
    )

    with pytest.raises(AuthError) as caught:
        _provider(fake_entra, clock, credential=credential).token(FABRIC)

    assert caught.value is failure
    assert fake_entra.token_requests == 0
