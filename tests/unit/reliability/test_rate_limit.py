"""The quota window: the whole quota at once, then the pace it frees up; deadline; threads."""

from __future__ import annotations

import bisect
import threading

import pytest

from fabric_action.errors import DeadlineExceededError
from fabric_action.reliability import Deadline, FakeClock, QuotaWindow, RateLimitOptions


def test_defaults_are_fabrics_documented_quota() -> None:
    options = RateLimitOptions()
    assert options.calls_per_minute == 200
    assert options.window_s == 60.0
    assert options.margin_s == 1.0


def test_the_quota_goes_at_once_then_calls_wait_for_the_window() -> None:
    clock = FakeClock()
    window = QuotaWindow(RateLimitOptions(calls_per_minute=10), clock=clock)
    deadline = Deadline.never(clock=clock)
    waits = [window.acquire(deadline) for _ in range(10)]
    assert waits == [0.0] * 10
    clock.advance(20)
    assert window.acquire(deadline) == pytest.approx(41.0)  # first call + 60 s + 1 s margin
    assert window.acquire(deadline) == 0.0  # by then the other nine have left too
    assert clock.sleeps == pytest.approx([41.0])


def test_calls_spread_out_leave_the_window_one_by_one() -> None:
    clock = FakeClock()
    window = QuotaWindow(RateLimitOptions(calls_per_minute=3, margin_s=0), clock=clock)
    deadline = Deadline.never(clock=clock)
    for _ in range(3):
        window.acquire(deadline)
        clock.advance(10)  # calls at 0, 10, 20
    assert window.acquire(deadline) == pytest.approx(30.0)  # at 60: the call at 0 left
    assert window.acquire(deadline) == pytest.approx(10.0)  # at 70: the call at 10 left


@pytest.mark.parametrize("spacing_s", [0.0, 0.05, 0.37, 2.0])
def test_no_window_ever_holds_more_than_calls_per_minute(spacing_s: float) -> None:
    clock = FakeClock()
    window = QuotaWindow(clock=clock)
    deadline = Deadline.never(clock=clock)
    times = []
    for _ in range(1000):
        window.acquire(deadline)
        times.append(clock.monotonic())
        clock.advance(spacing_s)
    worst = max(
        bisect.bisect_right(times, start + 60.0 - 1e-9) - index for index, start in enumerate(times)
    )
    assert worst <= 200
    if spacing_s < 0.3:
        assert worst == 200  # and the quota is actually used


def test_a_wait_past_the_deadline_fails_fast_and_reserves_nothing() -> None:
    clock = FakeClock()
    window = QuotaWindow(RateLimitOptions(calls_per_minute=1), clock=clock)
    window.acquire(Deadline.never(clock=clock))
    with pytest.raises(DeadlineExceededError, match=r"rate limit.*api\.calls_per_minute"):
        window.acquire(Deadline.after(2.0, clock=clock))  # next permit in 61 s
    assert clock.sleeps == []
    assert window.acquire(Deadline.never(clock=clock)) == pytest.approx(61.0)


def test_disabled_limiter_never_waits() -> None:
    clock = FakeClock()
    window = QuotaWindow(RateLimitOptions(enabled=False), clock=clock)
    assert all(window.acquire(Deadline.never(clock=clock)) == 0 for _ in range(1000))


def test_threads_share_one_window_and_are_served_in_turn() -> None:
    clock = FakeClock()
    window = QuotaWindow(RateLimitOptions(calls_per_minute=10, margin_s=0), clock=clock)
    deadline = Deadline.never(clock=clock)
    barrier = threading.Barrier(8)
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        for _ in range(5):
            window.acquire(deadline)
            with lock:
                granted.append(clock.monotonic())

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # Concurrent fake sleeps add up, so time may run ahead of the schedule, never behind:
    # the permits after the first ten come no earlier than the window allows.
    assert len(granted) == 40
    ordered = sorted(granted)
    assert ordered[9] == 0.0
    for index in range(10, 40):
        assert ordered[index] >= ordered[index - 10] + 60.0 - 1e-9


@pytest.mark.parametrize(
    "changes",
    [{"calls_per_minute": 0}, {"window_s": 0}, {"margin_s": -1}],
    ids=["no-calls", "no-window", "negative-margin"],
)
def test_options_reject_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RateLimitOptions(**changes)  # type: ignore[arg-type]
