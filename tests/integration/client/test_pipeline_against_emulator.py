"""The full client stack against the emulator: faults, quota, outage, stalls, token scope.

The client runs on a FakeClock that also drives the emulator's frozen clock, so waits
cost no real time and both sides agree on what time it is. Assertions read what the
client slept (the fake clock, the retry events) and what the server saw (its request
log).
"""

from __future__ import annotations

import http.server
import itertools
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from client_support import AllowList, EmulatorSyncedClock, EmulatorTokens, PipelineFactory

from fabric_action.errors import CircuitOpenError, ResponseLostError
from fabric_action.fabric import Pipeline, PipelineOptions, Request, TransportOptions
from fabric_action.reliability import (
    BreakerEvent,
    CircuitBreaker,
    CircuitState,
    RateLimitOptions,
    RetryEvent,
    RetryOptions,
    Verdict,
)
from fabric_emulator.testing import RunningEmulator


def state(subject: CircuitBreaker) -> CircuitState:
    """Read the state afresh (keeps mypy from narrowing it across calls)."""
    return subject.state


def fabric_log(emulator: RunningEmulator, since: int = 0) -> list[dict[str, Any]]:
    """The emulator's log of Fabric calls (control and token routes left out)."""
    return [e for e in emulator.requests_log(since) if e["path"].startswith("/v1/")]


def last_seq(emulator: RunningEmulator) -> int:
    log = emulator.requests_log()
    return int(log[-1]["seq"]) if log else 0


def list_workspaces(pipeline: Pipeline, emulator: RunningEmulator) -> int:
    return pipeline.send(Request(method="GET", url=f"{emulator.base_url}/v1/workspaces")).status


def test_200_calls_under_30pct_429_and_10pct_503_all_succeed_never_early(
    emulator: RunningEmulator, make_pipeline: PipelineFactory, clock: EmulatorSyncedClock
) -> None:
    events: list[RetryEvent] = []
    pipeline = make_pipeline(on_retry=events.append, rng=random.Random(3))
    emulator.set_faults(
        [
            {"route": "/v1/**", "throttle_rate": 0.3, "retry_after_s": 1},
            {"route": "/v1/**", "error_rate": 0.1, "error_statuses": [503]},
        ],
        seed=20260806,
    )
    since = last_seq(emulator)
    statuses = [list_workspaces(pipeline, emulator) for _ in range(200)]
    assert statuses == [200] * 200  # no failed call

    log = fabric_log(emulator, since)
    by_status = {status: sum(1 for e in log if e["status"] == status) for status in (200, 429, 503)}
    assert by_status[200] == 200
    assert by_status[429] > 50 and by_status[503] > 5  # the faults really fired
    assert len(log) == sum(by_status.values())

    # Server's view: calls are sequential, so the entry after a 429 is that call's retry;
    # it arrived at least Retry-After later on the (shared) clock.
    for failed, retry in itertools.pairwise(log):
        if failed["status"] == 429:
            assert retry["at_s"] - failed["at_s"] >= float(failed["retry_after"]) - 1e-6
    # Client's view: one retry event per failed attempt, each throttled wait >= Retry-After,
    # and each of those waits is a sleep recorded on the fake clock, in order.
    assert len(events) == by_status[429] + by_status[503]
    throttled = [e for e in events if e.verdict is Verdict.THROTTLED]
    assert len(throttled) == by_status[429]
    assert all(e.retry_after_s == 1.0 and e.sleep_s >= 1.0 for e in throttled)
    sleeps = iter(clock.sleeps)
    assert all(any(s == e.sleep_s for s in sleeps) for e in events)


def test_the_quota_window_keeps_429s_under_2pct_of_600_calls_at_the_quota(
    emulator: RunningEmulator, make_pipeline: PipelineFactory
) -> None:
    emulator.set_faults([], quota_per_minute=200)
    pipeline = make_pipeline()
    since = last_seq(emulator)
    assert [list_workspaces(pipeline, emulator) for _ in range(600)] == [200] * 600
    log = fabric_log(emulator, since)
    throttled = sum(1 for e in log if e["status"] == 429)
    assert throttled < 0.02 * 600
    assert throttled == 0  # the window's bound (<= 200 calls in any 61 s) is exact
    assert log[-1]["at_s"] - log[0]["at_s"] >= 60.0 * (600 - 200) / 200  # paced, not burst


def test_without_the_limiter_the_same_quota_throttles_often(
    emulator: RunningEmulator, make_pipeline: PipelineFactory
) -> None:
    """Control for the test above: unpaced, the client runs into the quota.

    Calls take no emulator time, so the unpaced client sends 200 at once, is throttled,
    waits out Retry-After (up to a minute) and repeats: a 429 per window instead of none.
    """
    emulator.set_faults([], quota_per_minute=200)
    pipeline = make_pipeline(PipelineOptions(rate_limit=RateLimitOptions(enabled=False)))
    since = last_seq(emulator)
    assert [list_workspaces(pipeline, emulator) for _ in range(300)] == [200] * 300
    log = fabric_log(emulator, since)
    assert sum(1 for e in log if e["status"] == 429) >= 1


def test_threads_share_the_quota_window(
    emulator: RunningEmulator, make_pipeline: PipelineFactory
) -> None:
    emulator.set_faults([], quota_per_minute=200)
    pipeline = make_pipeline()
    since = last_seq(emulator)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(75):
                assert list_workspaces(pipeline, emulator) == 200
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    log = fabric_log(emulator, since)
    assert sum(1 for e in log if e["status"] == 200) == 300
    assert sum(1 for e in log if e["status"] == 429) < 0.02 * 300
    assert pipeline.concurrency is not None and pipeline.concurrency.in_flight == 0


def test_outage_opens_the_breaker_which_rejects_offline_and_one_probe_closes_it(
    emulator: RunningEmulator, make_pipeline: PipelineFactory, clock: EmulatorSyncedClock
) -> None:
    pipeline = make_pipeline()
    assert pipeline.breakers is not None
    events: list[BreakerEvent] = []
    pipeline.breakers.add_listener(events.append)
    assert list_workspaces(pipeline, emulator) == 200
    emulator.set_faults(
        [{"route": "/v1/**", "error_rate": 1.0, "error_statuses": [500, 502, 503, 504]}]
    )
    since = last_seq(emulator)
    for _ in range(5):
        assert list_workspaces(pipeline, emulator) >= 500  # each after 1 + 3 retries
    outage_log = fabric_log(emulator, since)
    assert len(outage_log) == 5 * 4
    breaker = pipeline.breakers.for_host(emulator.base_url.split("//")[1])
    assert state(breaker) is CircuitState.OPEN

    seen = last_seq(emulator)
    for _ in range(3):
        with pytest.raises(CircuitOpenError) as caught:
            list_workspaces(pipeline, emulator)
        assert 0 < caught.value.retry_in_s <= 60.0
    client_traffic = [e for e in emulator.requests_log(seen) if "/_emulator/" not in e["path"]]
    assert client_traffic == []  # rejected without touching the network

    emulator.set_faults([])  # the service recovers
    clock.advance(60.0)
    assert list_workspaces(pipeline, emulator) == 200  # the probe
    assert state(breaker) is CircuitState.CLOSED
    assert len(fabric_log(emulator, seen)) == 1
    assert [(e.old.value, e.new.value) for e in events] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]


def test_a_rollback_style_call_waits_for_the_probe_instead_of_failing(
    emulator: RunningEmulator, make_pipeline: PipelineFactory, clock: EmulatorSyncedClock
) -> None:
    pipeline = make_pipeline()
    emulator.set_faults([{"route": "/v1/**", "error_rate": 1.0, "error_statuses": [503]}])
    for _ in range(5):
        list_workspaces(pipeline, emulator)
    emulator.set_faults([])
    sleeps_before = len(clock.sleeps)
    request = Request(method="GET", url=f"{emulator.base_url}/v1/workspaces", wait_for_probe=True)
    assert pipeline.send(request).status == 200
    assert max(clock.sleeps[sleeps_before:]) > 30.0  # it waited for the open period


def test_a_stalled_server_fails_within_the_read_timeout_with_response_lost(
    emulator: RunningEmulator, make_pipeline: PipelineFactory
) -> None:
    emulator.set_faults([{"route": "/v1/**", "latency_ms": 1500}])
    options = PipelineOptions(
        retry=RetryOptions(enabled=False), transport=TransportOptions(read_timeout_s=0.3)
    )
    pipeline = make_pipeline(options)
    started = time.monotonic()
    with pytest.raises(ResponseLostError) as caught:
        list_workspaces(pipeline, emulator)
    assert time.monotonic() - started < 0.3 + 0.5
    assert caught.value.method == "GET"
    assert caught.value.url == f"{emulator.base_url}/v1/workspaces"
    assert caught.value.request_sent


def test_a_lost_create_is_not_resent_but_reported_for_reconciliation(
    emulator: RunningEmulator, make_pipeline: PipelineFactory
) -> None:
    emulator.set_faults([{"route": "/v1/**", "latency_ms": 1500}])
    pipeline = make_pipeline(PipelineOptions(transport=TransportOptions(read_timeout_s=0.3)))
    since = last_seq(emulator)
    started = time.monotonic()
    with pytest.raises(ResponseLostError):
        pipeline.send(
            Request(
                method="POST",
                url=f"{emulator.base_url}/v1/workspaces",
                headers={"Content-Type": "application/json"},
                body=b'{"displayName": "lost-create"}',
            )
        )
    assert time.monotonic() - started < 0.3 + 0.5  # not retried: no backoff, one attempt
    deadline = time.monotonic() + 5
    while not fabric_log(emulator, since) and time.monotonic() < deadline:
        time.sleep(0.05)
    posts = [e for e in fabric_log(emulator, since) if e["method"] == "POST"]
    assert len(posts) == 1  # sent once, never resent
    workspaces = emulator.state()["fabric"]["workspaces"].values()
    names = [workspace["display_name"] for workspace in workspaces]
    assert names.count("lost-create") == 1  # ...yet applied: only a lookup can tell


def test_token_expired_is_refreshed_once_and_replayed(
    emulator: RunningEmulator,
    make_pipeline: PipelineFactory,
    clock: EmulatorSyncedClock,
    tokens: EmulatorTokens,
) -> None:
    pipeline = make_pipeline()
    assert list_workspaces(pipeline, emulator) == 200
    clock.advance(2 * 3600)  # the cached token is now past its lifetime on both clocks
    since = last_seq(emulator)
    assert list_workspaces(pipeline, emulator) == 200
    log = fabric_log(emulator, since)
    assert [(e["status"], e["error_code"]) for e in log] == [(401, "TokenExpired"), (200, None)]
    assert (tokens.fetched, tokens.invalidated) == (2, 1)


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    seen: list[str | None]

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str | None]]]:
    """A plain local server that records any Authorization header it receives."""
    seen: list[str | None] = []
    handler = type("Recorder", (_RecordingHandler,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_bearer_token_never_reaches_a_host_outside_the_allow_list(
    emulator: RunningEmulator,
    make_pipeline: PipelineFactory,
    recorder: tuple[str, list[str | None]],
) -> None:
    outside, seen = recorder
    # https_only off, so that only the allow-list stands between the token and the host
    pipeline = make_pipeline(https_only=False)
    since = last_seq(emulator)
    assert list_workspaces(pipeline, emulator) == 200
    redirect_host = f"{emulator.redirect_base_url}/v1/workspaces"
    assert pipeline.send(Request(method="GET", url=redirect_host)).status == 200
    assert pipeline.send(Request(method="GET", url=f"{outside}/v1/workspaces")).status == 200
    smuggled = Request(
        method="GET", url=f"{outside}/collect", headers={"Authorization": "Bearer smuggled"}
    )
    assert pipeline.send(smuggled).status == 200
    assert seen == [None, None]
    assert [e["authorization"] for e in fabric_log(emulator, since)] == [True, True]


def test_positive_control_an_allowed_recorder_does_receive_the_token(
    emulator: RunningEmulator,
    make_pipeline: PipelineFactory,
    recorder: tuple[str, list[str | None]],
    allow_list: AllowList,
) -> None:
    outside, seen = recorder
    allow_list.hosts.add(outside.split("//")[1])
    pipeline = make_pipeline(https_only=False)
    pipeline.send(Request(method="GET", url=f"{outside}/v1/workspaces"))
    assert len(seen) == 1 and (seen[0] or "").startswith("Bearer ey")
