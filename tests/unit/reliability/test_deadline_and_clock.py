"""Deadline arithmetic and the clock's timed waits (fake time for FakeClock)."""

from __future__ import annotations

import math
import threading
import time

import pytest

from fabric_action.errors import DeadlineExceededError
from fabric_action.reliability import Deadline, FakeClock, SystemClock, wait_for_notify


def test_deadline_counts_down_on_the_clock() -> None:
    clock = FakeClock()
    deadline = Deadline.after(10.0, clock=clock)
    assert deadline.remaining_s() == 10.0
    clock.advance(4.0)
    assert deadline.remaining_s() == 6.0
    assert not deadline.expired
    deadline.check("GET /v1/workspaces")
    clock.advance(6.0)
    assert deadline.expired
    assert deadline.remaining_s() == 0.0
    with pytest.raises(DeadlineExceededError, match="GET /v1/workspaces"):
        deadline.check("GET /v1/workspaces")


def test_never_is_infinite() -> None:
    clock = FakeClock()
    deadline = Deadline.never(clock=clock)
    clock.advance(1e9)
    assert math.isinf(deadline.remaining_s())
    assert not deadline.expired


def test_fake_clock_records_sleeps_per_thread() -> None:
    clock = FakeClock()
    clock.sleep(1.0)
    other = threading.Thread(target=clock.sleep, args=(2.0,), daemon=True)
    other.start()
    other.join()
    clock.sleep(0.0)
    assert clock.sleeps == [1.0, 2.0, 0.0]
    assert sorted(clock.sleeps_by_thread.values()) == [[1.0, 0.0], [2.0]]
    assert clock.monotonic() == 3.0


def test_fake_wait_times_out_in_fake_time() -> None:
    clock = FakeClock()
    condition = threading.Condition()
    results: list[bool] = []

    def wait() -> None:
        with condition:
            results.append(wait_for_notify(clock, condition, 5.0))

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    time.sleep(0.02)
    assert results == []
    for _ in range(500):  # the waiter measures from when it starts: keep time moving
        clock.advance(5.0)
        thread.join(0.01)
        if results:
            break
    assert results == [False]


def test_fake_wait_returns_true_when_notified() -> None:
    clock = FakeClock()
    condition = threading.Condition()
    results: list[bool] = []

    def wait() -> None:
        with condition:
            results.append(wait_for_notify(clock, condition, 60.0))

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    for _ in range(500):  # notify until the waiter has been parked to hear it
        with condition:
            condition.notify_all()
        thread.join(0.01)
        if results:
            break
    assert results == [True]


def test_fake_wait_wakes_spuriously_when_nothing_happens() -> None:
    """A wait nobody notifies and no time passes for still returns (callers re-check)."""
    clock = FakeClock()
    condition = threading.Condition()
    with condition:
        started = time.monotonic()
        assert wait_for_notify(clock, condition, 60.0) is True
        elapsed = time.monotonic() - started
    assert 0.05 <= elapsed < 5.0
    assert clock.monotonic() == 0.0


class PlainClock:
    """A Clock that is neither of ours: waits fall back to real time."""

    def now(self) -> float:
        return 0.0

    def monotonic(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        return None


@pytest.mark.parametrize("clock", [SystemClock(), PlainClock()], ids=["system", "plain"])
def test_real_waits_time_out_in_real_time(clock: SystemClock | PlainClock) -> None:
    condition = threading.Condition()
    with condition:
        started = time.monotonic()
        assert wait_for_notify(clock, condition, 0.01) is False
        assert time.monotonic() - started >= 0.009
        assert wait_for_notify(clock, condition, 0.0) is False


@pytest.mark.parametrize("clock", [SystemClock(), PlainClock()], ids=["system", "plain"])
def test_real_waits_accept_an_infinite_timeout(clock: SystemClock | PlainClock) -> None:
    condition = threading.Condition()
    results: list[bool] = []

    def wait() -> None:
        with condition:
            results.append(wait_for_notify(clock, condition, math.inf))

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    for _ in range(100):
        time.sleep(0.01)
        with condition:
            condition.notify_all()
        if results:
            break
    thread.join(5)
    assert results == [True]


def test_system_clock_reads_real_time() -> None:
    clock = SystemClock()
    assert abs(clock.now() - time.time()) < 5
    before = clock.monotonic()
    clock.sleep(0.0)
    clock.sleep(0.001)
    assert clock.monotonic() > before


def test_fake_clock_only_moves_forward() -> None:
    with pytest.raises(ValueError, match="forward"):
        FakeClock().advance(-1.0)
