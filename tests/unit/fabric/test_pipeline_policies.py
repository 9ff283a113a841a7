"""Each policy alone, over a fake transport (any function is a server)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from fabric_action.errors import (
    CircuitOpenError,
    DeadlineExceededError,
    RequestNotSentError,
    ResponseLostError,
    ThrottledError,
    TlsVerificationError,
)
from fabric_action.fabric import (
    BearerTokenPolicy,
    CircuitBreakerPolicy,
    DeadlinePolicy,
    MockTransport,
    RateLimitPolicy,
    Request,
    Response,
    RetryPolicy,
    breaker_outcome,
)
from fabric_action.reliability import (
    AdaptiveConcurrencyLimit,
    BreakerOptions,
    BreakerRegistry,
    CallOutcome,
    CircuitState,
    ConcurrencyOptions,
    Deadline,
    FakeClock,
    QuotaWindow,
    RateLimitOptions,
    Retrier,
    Verdict,
)

API = "https://api.fabric.test/v1/workspaces"


def get(url: str = API, **fields: object) -> Request:
    return Request(method="GET", url=url, **fields)  # type: ignore[arg-type]


def answers(*responses: Response | BaseException) -> Callable[[Request], Response]:
    """A server that plays the given answers in order."""
    played: Iterator[Response | BaseException] = iter(responses)

    def handler(_: Request) -> Response:
        answer = next(played)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return handler


# -- deadline ---------------------------------------------------------------------------


def test_deadline_policy_attaches_the_default_deadline() -> None:
    clock = FakeClock()
    transport = MockTransport(lambda _: Response(status=200))
    DeadlinePolicy(clock=clock, timeout_s=300.0).send(get(), transport.send)
    deadline = transport.requests[0].deadline
    assert deadline is not None
    assert deadline.remaining_s() == 300.0


def test_deadline_policy_keeps_a_callers_deadline_and_refuses_an_expired_one() -> None:
    clock = FakeClock()
    transport = MockTransport(lambda _: Response(status=200))
    policy = DeadlinePolicy(clock=clock, timeout_s=300.0)
    own = Deadline.after(5.0, clock=clock)
    policy.send(get(deadline=own), transport.send)
    assert transport.requests[0].deadline is own
    clock.advance(5.0)
    with pytest.raises(DeadlineExceededError, match=r"GET https://api\.fabric\.test"):
        policy.send(get(deadline=own), transport.send)
    assert len(transport.requests) == 1


# -- circuit breaker --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (Response(status=200), CallOutcome.SUCCESS),
        (Response(status=404), CallOutcome.SUCCESS),
        (Response(status=409), CallOutcome.SUCCESS),
        (Response(status=429), CallOutcome.SUCCESS),
        (Response(status=408), CallOutcome.FAILURE),
        (Response(status=500), CallOutcome.FAILURE),
        (Response(status=503), CallOutcome.FAILURE),
        (Response(status=501), CallOutcome.FAILURE),
        (RequestNotSentError("refused"), CallOutcome.FAILURE),
        (ResponseLostError("reset"), CallOutcome.FAILURE),
        (TlsVerificationError("untrusted"), CallOutcome.IGNORED),
        (ThrottledError("429", status=429), CallOutcome.SUCCESS),
        (DeadlineExceededError("late"), CallOutcome.IGNORED),
        (KeyError("bug"), CallOutcome.IGNORED),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, Response) else value.status,
)
def test_breaker_counts_5xx_and_broken_connections_not_4xx_or_429(
    outcome: Response | BaseException, expected: CallOutcome
) -> None:
    assert breaker_outcome(outcome) is expected


def test_breaker_policy_rejects_without_touching_the_transport_once_open() -> None:
    clock = FakeClock()
    registry = BreakerRegistry(BreakerOptions(failure_threshold=2), clock=clock)
    policy = CircuitBreakerPolicy(registry)
    transport = MockTransport(lambda _: Response(status=503))
    for _ in range(2):
        policy.send(get(), transport.send)
    assert registry.for_host("api.fabric.test").state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError) as caught:
        policy.send(get(), transport.send)
    assert caught.value.host == "api.fabric.test"
    assert len(transport.requests) == 2
    # another host has its own breaker
    policy.send(get("https://other.fabric.test/v1/x"), transport.send)
    assert len(transport.requests) == 3


def test_breaker_policy_waits_for_the_probe_when_the_request_asks_to() -> None:
    clock = FakeClock()
    registry = BreakerRegistry(BreakerOptions(failure_threshold=1), clock=clock)
    policy = CircuitBreakerPolicy(registry)
    policy.send(get(), MockTransport(lambda _: Response(status=500)).send)
    transport = MockTransport(lambda _: Response(status=200))
    rollback = get(deadline=Deadline.after(600.0, clock=clock), wait_for_probe=True)
    assert policy.send(rollback, transport.send).status == 200
    assert clock.sleeps == [pytest.approx(60.0)]


# -- retry ------------------------------------------------------------------------------


def retry_policy(clock: FakeClock) -> RetryPolicy:
    return RetryPolicy(Retrier(clock=clock, rng=random.Random(0)), clock=clock)


@pytest.mark.parametrize(
    ("outcome", "verdict"),
    [
        (Response(status=200), Verdict.DONE),
        (Response(status=400), Verdict.DONE),
        (Response(status=401), Verdict.DONE),
        (Response(status=404), Verdict.DONE),
        (Response(status=202), Verdict.DONE),
        (Response(status=501), Verdict.DONE),
        (Response(status=429), Verdict.THROTTLED),
        (Response(status=408), Verdict.TRANSIENT),
        (Response(status=500), Verdict.TRANSIENT),
        (Response(status=502), Verdict.TRANSIENT),
        (Response(status=503), Verdict.TRANSIENT),
        (Response(status=504), Verdict.TRANSIENT),
        (RequestNotSentError("refused"), Verdict.TRANSIENT),
        (ResponseLostError("reset"), Verdict.AMBIGUOUS),
        (TlsVerificationError("untrusted"), Verdict.DONE),
        (KeyError("bug"), Verdict.DONE),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, Response) else value.status,
)
def test_retry_classification(outcome: Response | BaseException, verdict: Verdict) -> None:
    assert retry_policy(FakeClock()).classify(outcome).verdict is verdict


def test_retry_reads_retry_after_in_every_form() -> None:
    clock = FakeClock(start_s=1_700_000_000.0)
    policy = retry_policy(clock)
    ms = Response(status=429, headers={"x-ms-retry-after-ms": "1500"})
    date = Response(status=503, headers={"Retry-After": "Tue, 14 Nov 2023 22:14:20 GMT"})
    assert policy.classify(ms).retry_after_s == 1.5
    assert policy.classify(date).retry_after_s == 60.0  # the clock starts at 22:13:20


def test_retry_policy_never_retries_a_lost_post_and_retries_a_lost_get() -> None:
    clock = FakeClock()
    lost = ResponseLostError("reset", method="POST", url=API)
    transport = MockTransport(answers(lost, Response(status=201)))
    post = Request(method="POST", url=API, body=b"{}", deadline=Deadline.never(clock=clock))
    with pytest.raises(ResponseLostError):
        retry_policy(clock).send(post, transport.send)
    assert len(transport.requests) == 1
    transport = MockTransport(answers(lost, Response(status=200)))
    assert retry_policy(clock).send(get(), transport.send).status == 200
    assert len(transport.requests) == 2


def test_a_post_marked_idempotent_is_retried_after_a_lost_response() -> None:
    clock = FakeClock()
    lost = ResponseLostError("reset")
    transport = MockTransport(answers(lost, Response(status=200)))
    read_only_post = Request(method="post", url=API, idempotent=True)
    assert read_only_post.method == "POST"
    assert retry_policy(clock).send(read_only_post, transport.send).status == 200


def test_throttled_error_keeps_request_id_error_code_and_retry_after() -> None:
    clock = FakeClock()
    throttled = Response(
        status=429,
        headers={
            "Retry-After": "55",
            "RequestId": "req-1",
            "x-ms-public-api-error-code": "RequestBlocked",
        },
    )
    transport = MockTransport(lambda _: throttled)
    with pytest.raises(ThrottledError) as caught:
        retry_policy(clock).send(get(deadline=Deadline.after(30.0, clock=clock)), transport.send)
    error = caught.value
    assert (error.status, error.error_code, error.request_id) == (429, "RequestBlocked", "req-1")
    assert error.retry_after_s == 55.0
    assert "requestId req-1" in str(error)
    assert "Retry-After 55 s" in str(error)
    assert clock.sleeps == []


def test_throttled_error_without_retry_after_is_still_typed() -> None:
    clock = FakeClock()
    transport = MockTransport(lambda _: Response(status=429))
    with pytest.raises(ThrottledError) as caught:
        retry_policy(clock).send(get(deadline=Deadline.after(5.0, clock=clock)), transport.send)
    assert caught.value.retry_after_s is None


# -- rate limit -------------------------------------------------------------------------


def rate_policy(
    clock: FakeClock, **concurrency: int
) -> tuple[RateLimitPolicy, AdaptiveConcurrencyLimit]:
    limit = AdaptiveConcurrencyLimit(ConcurrencyOptions(**concurrency), clock=clock)  # type: ignore[arg-type]
    quota = QuotaWindow(RateLimitOptions(calls_per_minute=10), clock=clock)
    return RateLimitPolicy(quota, limit, clock=clock), limit


def test_rate_limit_policy_narrows_on_429_and_widens_on_answers() -> None:
    clock = FakeClock()
    policy, limit = rate_policy(clock)
    policy.send(get(), MockTransport(lambda _: Response(status=429)).send)
    assert limit.limit == 4
    for _ in range(20):
        policy.send(get(), MockTransport(lambda _: Response(status=404)).send)
    assert limit.limit > 4
    before = limit.limit
    policy.send(get(), MockTransport(lambda _: Response(status=503)).send)
    assert limit.limit == before
    assert limit.in_flight == 0


def test_rate_limit_policy_paces_attempts_with_the_quota_window() -> None:
    clock = FakeClock()
    policy, _ = rate_policy(clock)
    transport = MockTransport(lambda _: Response(status=200))
    for _ in range(12):
        policy.send(get(), transport.send)
    assert clock.sleeps == pytest.approx([61.0])  # ten at once, the 11th a window later


def test_rate_limit_policy_frees_the_slot_when_the_transport_raises() -> None:
    clock = FakeClock()
    policy, limit = rate_policy(clock)
    with pytest.raises(RequestNotSentError):
        policy.send(get(), MockTransport(answers(RequestNotSentError("refused"))).send)
    assert limit.in_flight == 0
    assert limit.limit == 8


# -- auth -------------------------------------------------------------------------------


class Tokens:
    """A token provider double: numbered tokens, counts fetches and invalidations."""

    def __init__(self) -> None:
        self.issued = 0
        self.invalidated: list[str] = []
        self.rejected: list[str | None] = []

    def token(self, scope: str) -> str:
        self.issued += 1
        return f"token-{self.issued}"

    def invalidate(self, scope: str, *, rejected_token: str | None = None) -> None:
        self.invalidated.append(scope)
        self.rejected.append(rejected_token)


class AllowList:
    def __init__(self, *prefixes: str) -> None:
        self.prefixes = prefixes

    def is_allowed_host(self, url: str) -> bool:
        return url.startswith(self.prefixes)


SCOPE = "https://api.fabric.microsoft.com/.default"


def auth_policy(tokens: Tokens, **kwargs: bool) -> BearerTokenPolicy:
    allow = AllowList("https://api.fabric.test/", "http://plain.fabric.test/")
    return BearerTokenPolicy.for_scope(tokens, allow, scope=SCOPE, **kwargs)


def authorization(request: Request) -> str | None:
    values = [v for k, v in request.headers.items() if k.lower() == "authorization"]
    return values[0] if values else None


def test_token_goes_to_allowed_hosts_only() -> None:
    tokens = Tokens()
    transport = MockTransport(lambda _: Response(status=200))
    policy = auth_policy(tokens)
    policy.send(get(), transport.send)
    policy.send(get("https://evil.test/v1/workspaces"), transport.send)
    policy.send(get("https://api.fabric.test.evil.test/x"), transport.send)
    assert [authorization(r) for r in transport.requests] == ["Bearer token-1", None, None]
    assert tokens.issued == 1  # no token is even fetched for a foreign host


def test_a_callers_own_authorization_header_never_reaches_a_foreign_host() -> None:
    transport = MockTransport(lambda _: Response(status=200))
    leaked = get("https://evil.test/", headers={"AUTHORIZATION": "Bearer stolen"})
    auth_policy(Tokens()).send(leaked, transport.send)
    assert authorization(transport.requests[0]) is None


def test_no_token_over_plain_http_unless_allowed_explicitly() -> None:
    transport = MockTransport(lambda _: Response(status=200))
    plain = get("http://plain.fabric.test/v1/x")
    auth_policy(Tokens()).send(plain, transport.send)
    auth_policy(Tokens(), https_only=False).send(plain, transport.send)
    assert [authorization(r) for r in transport.requests] == [None, "Bearer token-1"]


def test_token_expired_gets_one_forced_refresh_and_one_replay() -> None:
    tokens = Tokens()
    expired = Response(status=401, headers={"x-ms-public-api-error-code": "TokenExpired"})
    transport = MockTransport(answers(expired, Response(status=200)))
    assert auth_policy(tokens).send(get(), transport.send).status == 200
    assert [authorization(r) for r in transport.requests] == ["Bearer token-1", "Bearer token-2"]
    assert tokens.invalidated == [SCOPE]
    assert tokens.rejected == ["token-1"]  # so a single-flight provider can skip a refresh


def test_a_second_token_expired_is_returned_not_looped() -> None:
    expired = Response(status=401, headers={"x-ms-public-api-error-code": "TokenExpired"})
    transport = MockTransport(lambda _: expired)
    assert auth_policy(Tokens()).send(get(), transport.send).status == 401
    assert len(transport.requests) == 2


def test_other_401s_are_not_replayed() -> None:
    tokens = Tokens()
    invalid = Response(status=401, headers={"x-ms-public-api-error-code": "InvalidToken"})
    transport = MockTransport(lambda _: invalid)
    assert auth_policy(tokens).send(get(), transport.send).status == 401
    assert len(transport.requests) == 1
    assert tokens.invalidated == []


def test_token_for_may_decline_to_authorise_a_request() -> None:
    transport = MockTransport(
        answers(
            Response(status=200),
            Response(status=401, headers={"x-ms-public-api-error-code": "TokenExpired"}),
        )
    )
    calls = iter(["first", None])
    policy = BearerTokenPolicy(
        token_for=lambda _: next(calls),
        is_allowed_host=lambda _: True,
        invalidate_for=lambda _: None,
    )
    policy.send(get(headers={"Authorization": "Bearer stale"}), transport.send)
    assert authorization(transport.requests[0]) == "Bearer first"
    policy = BearerTokenPolicy(
        token_for=lambda _: None, is_allowed_host=lambda _: True, invalidate_for=lambda _: None
    )
    policy.send(get(headers={"Authorization": "Bearer stale"}), transport.send)
    assert authorization(transport.requests[1]) is None


def test_invalidate_for_sees_the_rejected_token() -> None:
    expired = Response(status=401, headers={"x-ms-public-api-error-code": "TokenExpired"})
    transport = MockTransport(answers(expired, Response(status=200)))
    rejected: list[str | None] = []
    tokens = iter(["old", "new"])
    policy = BearerTokenPolicy(
        token_for=lambda _: next(tokens),
        is_allowed_host=lambda _: True,
        invalidate_for=lambda sent: rejected.append(authorization(sent)),
    )
    assert policy.send(get(), transport.send).status == 200
    assert rejected == ["Bearer old"]


def test_refresh_that_yields_no_token_returns_the_401() -> None:
    expired = Response(status=401, headers={"x-ms-public-api-error-code": "TokenExpired"})
    transport = MockTransport(lambda _: expired)
    tokens = iter(["first", None])
    policy = BearerTokenPolicy(
        token_for=lambda _: next(tokens),
        is_allowed_host=lambda _: True,
        invalidate_for=lambda _: None,
    )
    assert policy.send(get(), transport.send).status == 401
    assert len(transport.requests) == 1
