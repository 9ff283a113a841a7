"""The stack as built: order of policies, what runs per call vs per attempt, options."""

from __future__ import annotations

import random

import pytest

from fabric_action.errors import CircuitOpenError, ThrottledError
from fabric_action.fabric import (
    BearerTokenPolicy,
    CircuitBreakerPolicy,
    DeadlinePolicy,
    MockTransport,
    PipelineOptions,
    RateLimitPolicy,
    Request,
    RequestsTransport,
    Response,
    RetryPolicy,
    TransportOptions,
    build_pipeline,
)
from fabric_action.reliability import (
    BreakerOptions,
    CircuitState,
    ConcurrencyOptions,
    FakeClock,
    RetryEvent,
    RetryOptions,
    SystemClock,
)

API = "https://api.fabric.test/v1/workspaces"


def auth(issued: list[str]) -> BearerTokenPolicy:
    def token_for(_: Request) -> str:
        issued.append(f"token-{len(issued) + 1}")
        return issued[-1]

    return BearerTokenPolicy(
        token_for=token_for,
        is_allowed_host=lambda url: url.startswith("https://api.fabric.test/"),
        invalidate_for=lambda _: None,
    )


def test_policies_are_in_designs_order() -> None:
    pipeline = build_pipeline(
        auth=auth([]), transport=MockTransport(lambda _: Response(status=200))
    )
    assert [type(policy) for policy in pipeline.policies] == [
        DeadlinePolicy,
        CircuitBreakerPolicy,
        RetryPolicy,
        RateLimitPolicy,
        BearerTokenPolicy,
    ]


def test_every_attempt_is_reauthorised_and_rate_limited() -> None:
    clock = FakeClock()
    issued: list[str] = []
    transport = MockTransport(
        lambda r: Response(status=503) if len(transport.requests) < 3 else Response(status=200)
    )
    pipeline = build_pipeline(auth=auth(issued), clock=clock, transport=transport)
    assert pipeline.send(Request(method="GET", url=API)).status == 200
    assert len(transport.requests) == 3
    assert issued == ["token-1", "token-2", "token-3"]
    assert [r.headers["Authorization"] for r in transport.requests] == [
        "Bearer token-1",
        "Bearer token-2",
        "Bearer token-3",
    ]


def test_breaker_counts_a_retried_call_once() -> None:
    clock = FakeClock()
    transport = MockTransport(lambda _: Response(status=503))
    pipeline = build_pipeline(auth=None, clock=clock, transport=transport, rng=random.Random(1))
    for _ in range(4):
        assert pipeline.send(Request(method="GET", url=API)).status == 503
    assert len(transport.requests) == 16  # 4 calls x (1 + 3 retries)
    assert pipeline.breakers is not None
    assert pipeline.breakers.for_host("api.fabric.test").state is CircuitState.CLOSED
    pipeline.send(Request(method="GET", url=API))
    assert pipeline.breakers.for_host("api.fabric.test").state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError):
        pipeline.send(Request(method="GET", url=API))
    assert len(transport.requests) == 20


def test_retry_disabled_and_breaker_disabled() -> None:
    clock = FakeClock()
    transport = MockTransport(lambda _: Response(status=503))
    options = PipelineOptions(
        retry=RetryOptions(enabled=False), breaker=BreakerOptions(enabled=False)
    )
    pipeline = build_pipeline(auth=None, clock=clock, transport=transport, options=options)
    for _ in range(10):
        assert pipeline.send(Request(method="GET", url=API)).status == 503
    assert len(transport.requests) == 10
    assert clock.sleeps == []
    throttled = MockTransport(lambda _: Response(status=429, headers={"Retry-After": "1"}))
    pipeline = build_pipeline(auth=None, clock=clock, transport=throttled, options=options)
    with pytest.raises(ThrottledError):
        pipeline.send(Request(method="GET", url=API))


def test_retry_events_reach_the_hook() -> None:
    clock = FakeClock()
    events: list[RetryEvent] = []
    transport = MockTransport(
        lambda _: (
            Response(status=200)
            if len(transport.requests) > 1
            else Response(status=429, headers={"Retry-After": "2"})
        )
    )
    pipeline = build_pipeline(auth=None, clock=clock, transport=transport, on_retry=events.append)
    pipeline.send(Request(method="GET", url=API))
    assert [(e.attempt, e.retry_after_s) for e in events] == [(1, 2.0)]


def test_call_timeout_bounds_the_whole_call() -> None:
    clock = FakeClock()
    transport = MockTransport(lambda _: Response(status=429, headers={"Retry-After": "20"}))
    options = PipelineOptions(call_timeout_s=50.0)
    pipeline = build_pipeline(auth=None, clock=clock, transport=transport, options=options)
    with pytest.raises(ThrottledError):
        pipeline.send(Request(method="GET", url=API))
    assert len(transport.requests) == 3  # 0 s, ~20 s, ~40 s; a third wait would pass 50 s
    assert clock.monotonic() < 50.0


def test_default_transport_pool_is_sized_to_the_concurrency_limit() -> None:
    options = PipelineOptions(
        concurrency=ConcurrencyOptions(max_limit=40), transport=TransportOptions(pool_maxsize=4)
    )
    pipeline = build_pipeline(auth=None, options=options)
    assert isinstance(pipeline.transport, RequestsTransport)
    assert pipeline.transport.options.pool_maxsize == 40
    pipeline.close()
    default = build_pipeline(auth=None, clock=SystemClock())
    assert isinstance(default.transport, RequestsTransport)
    assert default.transport.options.pool_maxsize == 16
    default.close()
