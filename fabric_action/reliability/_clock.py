"""Time as a dependency: the only module of fabric_action that touches ``time``.

Everything that waits or measures takes a :class:`Clock`; production passes
:class:`SystemClock`, tests pass :class:`FakeClock` and never really sleep.

Waiting for *another thread* (a free concurrency slot, the outcome of a breaker's probe)
goes through :func:`wait_for_notify`, so that on a :class:`FakeClock` the timeout is
measured in fake time too.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What the retry, breaker, rate limits, token cache and LRO poller need from time."""

    def now(self) -> float:
        """Return wall-clock time in seconds since the epoch (token expiry, HTTP-dates)."""
        ...

    def monotonic(self) -> float:
        """Return a monotonic time in seconds (deadlines, durations, breaker timers)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds`` (<= 0 returns at once)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """Return ``time.time()``."""
        return time.time()

    def monotonic(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        if seconds > 0:
            time.sleep(seconds)

    def wait_for_notify(self, condition: threading.Condition, timeout_s: float) -> bool:
        """Wait on ``condition`` (held by the caller) for up to ``timeout_s`` real seconds.

        Returns:
            True if notified, False on timeout.
        """
        if timeout_s <= 0:
            return False
        return condition.wait(None if math.isinf(timeout_s) else timeout_s)


class FakeClock:
    """A clock that moves only when told to: ``sleep`` advances it and records the wait.

    Thread-safe. ``sleeps`` keeps every requested sleep in order, so tests can assert
    "never slept less than Retry-After" without waiting; ``sleeps_by_thread`` keeps them
    per thread (by ``threading.get_ident()``), which stays deterministic when several
    threads share the clock. Concurrent sleeps add up (two threads sleeping 1 s move the
    clock 2 s): time only runs faster than real, so rate limits stay on the safe side.

    Args:
        start_s: Initial wall-clock time (default 1,700,000,000).
    """

    _POLL_REAL_S = 0.002
    """How often (real seconds) a fake timed wait re-checks fake time."""
    _MAX_SLICES = 50
    """Slices before a fake timed wait returns as a spurious wakeup (100 ms real)."""

    def __init__(self, start_s: float = 1_700_000_000.0) -> None:
        self._lock = threading.Lock()
        self._now_s = start_s
        self._mono_s = 0.0
        self.sleeps: list[float] = []
        self.sleeps_by_thread: dict[int, list[float]] = {}

    def now(self) -> float:
        """Return the fake wall-clock time."""
        with self._lock:
            return self._now_s

    def monotonic(self) -> float:
        """Return the fake monotonic time."""
        with self._lock:
            return self._mono_s

    def sleep(self, seconds: float) -> None:
        """Record the sleep and advance time by it, without waiting."""
        with self._lock:
            self.sleeps.append(seconds)
            self.sleeps_by_thread.setdefault(threading.get_ident(), []).append(seconds)
            if seconds > 0:
                self._now_s += seconds
                self._mono_s += seconds

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now_s += seconds
            self._mono_s += seconds

    def wait_for_notify(self, condition: threading.Condition, timeout_s: float) -> bool:
        """Wait on ``condition`` until notified or until ``timeout_s`` of *fake* time passed.

        Fake time moves only when some thread sleeps or advances the clock, so this polls
        every 2 ms of real time. After 100 ms of real time it returns anyway, as a spurious
        wakeup: ``threading.Condition`` can lose a notify that races a timed-out slice, and
        every caller re-checks its predicate, so returning early costs a loop and a lost
        wakeup costs nothing worse.

        Returns:
            True if notified (or woken spuriously), False once the fake timeout has passed.
        """
        end_s = self.monotonic() + timeout_s
        for _ in range(self._MAX_SLICES):
            if self.monotonic() >= end_s:
                return False
            if condition.wait(self._POLL_REAL_S):
                return True
        return True


def wait_for_notify(clock: Clock, condition: threading.Condition, timeout_s: float) -> bool:
    """Wait on a held ``condition`` until notified or ``timeout_s`` of ``clock`` time passed.

    A clock that has its own ``wait_for_notify`` (both clocks here) decides what a second
    is; any other :class:`Clock` waits in real time.

    Returns:
        True if notified, False on timeout. Callers re-check their predicate either way.
    """
    if isinstance(clock, SystemClock | FakeClock):
        return clock.wait_for_notify(condition, timeout_s)
    if timeout_s <= 0:
        return False
    return condition.wait(None if math.isinf(timeout_s) else timeout_s)
