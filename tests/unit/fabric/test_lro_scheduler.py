"""The scheduler: many operations, few threads, every wait on the clock."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from fabric_action.errors import DeadlineExceededError
from fabric_action.fabric import Lro, LroOptions, LroPoller, PollResult
from fabric_action.reliability import Deadline, FakeClock


class Driver:
    """Move the fake clock to the next poll whenever none is running (tests only)."""

    def __init__(self, poller: LroPoller, clock: FakeClock) -> None:
        self.poller, self.clock = poller, clock
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            due = self.poller.next_due_s
            if due is not None and self.poller.polls_in_flight == 0:
                gap = due - self.clock.monotonic()
                if gap > 0:
                    self.clock.advance(gap)
            self.poller.wake()
            time.sleep(0.001)

    def __enter__(self) -> Driver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join(5)


def counting_step(
    polls_needed: int, threads: set[int], clock: FakeClock, times: list[float]
) -> Any:
    def step(handle: Lro[int]) -> PollResult[int]:
        threads.add(threading.get_ident())
        times.append(clock.monotonic())
        if handle.polls < polls_needed:
            return PollResult(done=False, retry_after_s=2.0)
        return PollResult(done=True, value=handle.polls)

    return step


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def poller(clock: FakeClock) -> Iterator[LroPoller]:
    poller = LroPoller(clock=clock, options=LroOptions(max_concurrent_polls=3))
    yield poller
    poller.close()


def test_500_operations_are_polled_by_three_threads_never_early(
    poller: LroPoller, clock: FakeClock
) -> None:
    threads: set[int] = set()
    times: dict[int, list[float]] = {n: [] for n in range(500)}
    before = threading.active_count()
    handles: list[Lro[int]] = []
    for n in range(500):
        handle: Lro[int] = Lro(what=f"op {n}", step=counting_step(3, threads, clock, times[n]))
        poller.schedule(handle, delay_s=1.0 + n % 7)
        handles.append(handle)
    assert poller.pending == 500
    assert threading.active_count() - before <= 1 + 3  # the scheduler, up to 3 pollers
    with Driver(poller, clock):
        results = [handle.result() for handle in handles]
        grown = threading.active_count() - before
    assert results == [3] * 500
    assert len(threads) <= 3 and threading.get_ident() not in threads
    assert grown <= 1 + 3 + 1  # + the driver
    for n, seen in times.items():
        assert seen[0] >= 1.0 + n % 7  # never before the first delay
        assert all(b - a >= 2.0 for a, b in itertools.pairwise(seen))  # Retry-After
    assert poller.pending == 0 and poller.polls_in_flight == 0 and poller.next_due_s is None


def test_a_timed_wait_ends_on_the_clock_while_the_operation_continues(
    poller: LroPoller, clock: FakeClock
) -> None:
    handle: Lro[int] = Lro(
        what="slow",
        location="https://h/v1/operations/1",
        step=lambda _: PollResult(done=True, value=1),
    )
    poller.schedule(handle, delay_s=100.0)

    def later() -> None:
        time.sleep(0.05)
        clock.advance(11)
        poller.wake()

    threading.Thread(target=later, daemon=True).start()
    with pytest.raises(DeadlineExceededError, match="not finished after waiting 10 s"):
        handle.result(timeout_s=10)
    assert not handle.done() and poller.pending == 1


def test_step_errors_end_the_handle_and_deadlines_are_enforced(
    poller: LroPoller, clock: FakeClock
) -> None:
    def boom(_: Lro[int]) -> PollResult[int]:
        raise RuntimeError("poll failed")

    failing: Lro[int] = Lro(what="failing", step=boom)
    poller.schedule(failing, delay_s=0)
    late: Lro[int] = Lro(
        what="late",
        step=lambda _: PollResult(done=False, retry_after_s=50.0),
        deadline=Deadline.after(30, clock=clock),
    )
    poller.schedule(late, delay_s=0)
    with Driver(poller, clock):
        with pytest.raises(RuntimeError, match="poll failed"):
            failing.result()
        with pytest.raises(DeadlineExceededError, match="50 s away"):
            late.result()


def test_foreground_waiters_share_the_polls(clock: FakeClock) -> None:
    """Without a scheduler thread, whoever waits polls; a second waiter waits its turn."""
    poller = LroPoller(clock=clock, options=LroOptions(background=False))
    entered, release = threading.Event(), threading.Event()
    polled_by: list[int] = []

    def slow_step(handle: Lro[str]) -> PollResult[str]:
        polled_by.append(threading.get_ident())
        entered.set()
        release.wait(5)
        return PollResult(done=True, value="slow")

    slow: Lro[str] = Lro(what="slow", step=slow_step)
    quick: Lro[str] = Lro(what="quick", step=lambda _: PollResult(done=True, value="quick"))
    poller.schedule(slow, delay_s=0)
    results: dict[str, str] = {}
    first = threading.Thread(target=lambda: results.update(slow=slow.result()), daemon=True)
    first.start()
    assert entered.wait(5)
    # "slow" is being polled by the first thread; this thread waits for that poll to end.
    waiter = threading.Thread(target=lambda: results.update(again=slow.result()), daemon=True)
    waiter.start()
    time.sleep(0.05)
    release.set()
    first.join(5)
    waiter.join(5)
    assert results == {"slow": "slow", "again": "slow"}
    assert len(polled_by) == 1
    poller.schedule(quick, delay_s=3)
    assert quick.result() == "quick" and clock.sleeps == [3.0]
    assert poller.run_due() == 0


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="max_concurrent_polls"):
        LroOptions(max_concurrent_polls=0)
    with pytest.raises(ValueError, match="timeout_s"):
        LroOptions(timeout_s=0)


def test_a_handle_with_nothing_left_to_poll_stops_waiting(clock: FakeClock) -> None:
    poller = LroPoller(clock=clock, options=LroOptions(background=False))
    orphan: Lro[int] = Lro(what="orphan")
    orphan.attach(poller, 0.0)  # attached, but never pushed: nothing will ever poll it
    with pytest.raises(DeadlineExceededError, match="not finished"):
        orphan.result()


def test_a_poll_that_ends_after_close_abandons_its_handle(clock: FakeClock) -> None:
    poller = LroPoller(clock=clock, options=LroOptions(background=False))

    def closing_step(_: Lro[int]) -> PollResult[int]:
        poller.close()  # e.g. SIGTERM while this poll was on the wire
        return PollResult(done=False, retry_after_s=1.0)

    handle: Lro[int] = Lro(what="cut short", location="https://h/op", step=closing_step)
    poller.schedule(handle, delay_s=0)
    assert poller.run_due() == 1
    with pytest.raises(Exception, match="resumed from https://h/op"):
        handle.result()
