"""Time as a dependency: the only module of fabric_action that touches ``time``.

Everything that waits or measures takes a :class:`Clock`; production passes
:class:`SystemClock`, tests pass :class:`FakeClock` and never really sleep.
"""

from __future__ import annotations

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


class FakeClock:
    """A clock that moves only when told to: ``sleep`` advances it and records the wait.

    Thread-safe. ``sleeps`` keeps every requested sleep in order, so tests can assert
    "never slept less than Retry-After" without waiting.

    Args:
        start_s: Initial wall-clock time (default 1,700,000,000).
    """

    def __init__(self, start_s: float = 1_700_000_000.0) -> None:
        self._lock = threading.Lock()
        self._now_s = start_s
        self._mono_s = 0.0
        self.sleeps: list[float] = []

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
