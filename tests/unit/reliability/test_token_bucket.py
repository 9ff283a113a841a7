"""The quota token bucket: bursts, steady pace, no window over quota, deadline, threads."""

from __future__ import annotations

import bisect
import threading

import pytest

from fabric_action.errors import DeadlineExceededError
from fabric_action.reliability import Deadline, FakeClock, RateLimitOptions, TokenBucket


def test_defaults_are_fabrics_documented_quota() -> None:
    options = RateLimitOptions()
    assert options.calls_per_minute == 200
    assert options.burst_calls == 10
    assert options.refill_per_s == pytest.approx(190 / 60)


def test_a_burst_goes_at_once_then_calls_are_paced() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimitOptions(calls_per_minute=70, burst_calls=10), clock=clock)
    deadline = Deadline.never(clock=clock)
    waits = [bucket.acquire(deadline) for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(1.0)  # (70 - 10) / 60 = 1 token per second
    assert waits[11] == pytest.approx(1.0)
    assert clock.sleeps == pytest.approx([1.0, 1.0])


def test_tokens_refill_while_idle_up_to_the_burst_only() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimitOptions(calls_per_minute=70, burst_calls=2), clock=clock)
    deadline = Deadline.never(clock=clock)
    bucket.acquire(deadline)
    bucket.acquire(deadline)
    clock.advance(3600)
    assert [bucket.acquire(deadline) for _ in range(2)] == [0.0, 0.0]
    assert bucket.acquire(deadline) > 0


def test_no_sixty_second_window_ever_holds_more_than_calls_per_minute() -> None:
    clock = FakeClock()
    bucket = TokenBucket(clock=clock)
    deadline = Deadline.never(clock=clock)
    times = []
    for _ in range(1000):
        bucket.acquire(deadline)
        times.append(clock.monotonic())
    worst = max(
        bisect.bisect_right(times, start + 60.0 - 1e-9) - index for index, start in enumerate(times)
    )
    assert worst <= 200
    assert worst >= 195  # and the quota is actually used


def test_a_wait_past_the_deadline_fails_fast_and_reserves_nothing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimitOptions(calls_per_minute=11, burst_calls=1), clock=clock)
    bucket.acquire(Deadline.never(clock=clock))
    with pytest.raises(DeadlineExceededError, match="rate limit"):
        bucket.acquire(Deadline.after(2.0, clock=clock))  # next token in 6 s
    assert clock.sleeps == []
    assert bucket.acquire(Deadline.never(clock=clock)) == pytest.approx(6.0)


def test_disabled_bucket_never_waits() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimitOptions(enabled=False), clock=clock)
    assert all(bucket.acquire(Deadline.never(clock=clock)) == 0 for _ in range(1000))


def test_threads_share_one_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimitOptions(calls_per_minute=70, burst_calls=10), clock=clock)
    deadline = Deadline.never(clock=clock)
    barrier = threading.Barrier(8)
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        for _ in range(5):
            bucket.acquire(deadline)
            with lock:
                granted.append(clock.monotonic())

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # Concurrent fake sleeps add up, so time may run ahead of the schedule, never behind:
    # the k-th permit after the burst of 10 is granted no earlier than k seconds in.
    assert len(granted) == 40
    for k, at_s in enumerate(sorted(granted)[10:], start=1):
        assert at_s >= k - 1e-9
    assert 0 < len(clock.sleeps) <= 30


@pytest.mark.parametrize(
    "changes",
    [{"burst_calls": 0}, {"calls_per_minute": 5, "burst_calls": 5}],
    ids=["no-burst", "rate-not-above-burst"],
)
def test_options_reject_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RateLimitOptions(**changes)  # type: ignore[arg-type]
