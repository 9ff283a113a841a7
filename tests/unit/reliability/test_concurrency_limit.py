"""The adaptive concurrency limit: AIMD steps, one decrease per congestion event, blocking."""

from __future__ import annotations

import threading
import time

import pytest

from fabric_action.errors import DeadlineExceededError
from fabric_action.reliability import (
    AdaptiveConcurrencyLimit,
    ConcurrencyOptions,
    Deadline,
    FakeClock,
    LimitSignal,
)


def limit_of(clock: FakeClock, **options: object) -> AdaptiveConcurrencyLimit:
    return AdaptiveConcurrencyLimit(ConcurrencyOptions(**options), clock=clock)  # type: ignore[arg-type]


def finish(limit: AdaptiveConcurrencyLimit, signal: LimitSignal, *, clock: FakeClock) -> None:
    with limit.slot(Deadline.never(clock=clock)) as slot:
        slot.signal = signal


def test_defaults() -> None:
    options = ConcurrencyOptions()
    assert (options.initial_limit, options.max_limit, options.min_limit) == (8, 16, 1)


def test_429_halves_the_limit_down_to_the_floor() -> None:
    clock = FakeClock()
    limit = limit_of(clock)
    observed = []
    for _ in range(5):
        finish(limit, LimitSignal.THROTTLED, clock=clock)
        observed.append(limit.limit)
    assert observed == [4, 2, 1, 1, 1]


def test_successes_widen_additively_up_to_the_max() -> None:
    clock = FakeClock()
    limit = limit_of(clock, initial_limit=2, max_limit=4)
    for _ in range(2):
        finish(limit, LimitSignal.OK, clock=clock)
    assert limit.limit == 2  # 2 + 1/2 + 1/2.5 = 2.9: about one slot per `limit` successes
    finish(limit, LimitSignal.OK, clock=clock)
    assert limit.limit == 3
    for _ in range(100):
        finish(limit, LimitSignal.OK, clock=clock)
    assert limit.limit == 4


def test_neutral_outcomes_and_exceptions_leave_the_limit_alone() -> None:
    clock = FakeClock()
    limit = limit_of(clock)
    finish(limit, LimitSignal.NEUTRAL, clock=clock)
    with pytest.raises(RuntimeError), limit.slot(Deadline.never(clock=clock)):
        raise RuntimeError("transport broke")
    assert limit.limit == 8
    assert limit.in_flight == 0


def test_a_burst_of_429s_from_one_window_narrows_once() -> None:
    clock = FakeClock()
    limit = limit_of(clock)
    deadline = Deadline.never(clock=clock)
    slots = [limit.acquire(deadline) for _ in range(8)]
    for slot in slots:
        slot.signal = LimitSignal.THROTTLED
        limit.release(slot)
    assert limit.limit == 4
    later = limit.acquire(deadline)  # sent after the decrease: a new congestion event
    later.signal = LimitSignal.THROTTLED
    limit.release(later)
    assert limit.limit == 2


def test_acquire_blocks_until_a_slot_frees_up() -> None:
    clock = FakeClock()
    limit = limit_of(clock, initial_limit=1)
    first = limit.acquire(Deadline.never(clock=clock))
    acquired = threading.Event()
    deadline = Deadline.after(60.0, clock=clock)

    def second() -> None:
        limit.release(limit.acquire(deadline))
        acquired.set()

    thread = threading.Thread(target=second, daemon=True)
    thread.start()
    time.sleep(0.05)
    assert not acquired.is_set()
    assert limit.in_flight == 1
    limit.release(first)
    assert acquired.wait(5)
    thread.join(5)


def test_acquire_gives_up_at_the_deadline_on_the_clock() -> None:
    clock = FakeClock()
    limit = limit_of(clock, initial_limit=1)
    limit.acquire(Deadline.never(clock=clock))
    errors: list[BaseException] = []
    deadline = Deadline.after(30.0, clock=clock)  # fixed before the waiter starts

    def waiter() -> None:
        try:
            limit.acquire(deadline)
        except DeadlineExceededError as error:
            errors.append(error)

    thread = threading.Thread(target=waiter, daemon=True)
    thread.start()
    time.sleep(0.02)
    clock.advance(31.0)
    thread.join(5)
    assert len(errors) == 1
    assert "concurrency limit" in str(errors[0])


def test_never_more_in_flight_than_the_limit() -> None:
    clock = FakeClock()
    limit = limit_of(clock, initial_limit=3, max_limit=3)
    peak, lock = [0], threading.Lock()

    def worker() -> None:
        for _ in range(20):
            with limit.slot(Deadline.never(clock=clock)) as slot:
                with lock:
                    peak[0] = max(peak[0], limit.in_flight)
                time.sleep(0.0005)
                slot.signal = LimitSignal.OK

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert peak[0] == 3
    assert limit.in_flight == 0


def test_disabled_limit_admits_everything() -> None:
    clock = FakeClock()
    limit = limit_of(clock, enabled=False)
    slots = [limit.acquire(Deadline.after(0.0, clock=clock)) for _ in range(100)]
    for slot in slots:
        slot.signal = LimitSignal.THROTTLED
        limit.release(slot)
    assert limit.limit == 8


@pytest.mark.parametrize(
    "changes",
    [
        {"min_limit": 0},
        {"initial_limit": 20},
        {"decrease_factor": 1.0},
        {"increase_per_window": 0.0},
    ],
)
def test_options_reject_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ConcurrencyOptions(**changes)  # type: ignore[arg-type]
