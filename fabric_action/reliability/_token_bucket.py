"""A token bucket that keeps one identity under its per-minute call quota."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fabric_action.errors import DeadlineExceededError

from ._clock import Clock
from ._deadline import Deadline

__all__ = ["RateLimitOptions", "TokenBucket"]

DEFAULT_CALLS_PER_MINUTE = 200.0
DEFAULT_BURST_CALLS = 10


@dataclass(frozen=True, kw_only=True)
class RateLimitOptions:
    """The identity's call quota.

    The bucket holds ``burst_calls`` tokens and refills at
    ``(calls_per_minute - burst_calls) / 60`` per second, so no 60-second window ever
    holds more than ``calls_per_minute`` calls: a burst is paid for by a slightly slower
    steady rate, and a quota enforced over a sliding minute (Fabric's) is never crossed
    by the bucket alone. Other jobs of the same identity share the real quota, so 429s
    stay possible; the retry policy and the concurrency limit handle those.

    Attributes:
        enabled: False lets every call through at once. Default True.
        calls_per_minute: Calls allowed in any 60 s window. Default 200 (Fabric's
            documented per-identity quota).
        burst_calls: Calls that may start back to back after a quiet spell. Default 10.
    """

    enabled: bool = True
    calls_per_minute: float = DEFAULT_CALLS_PER_MINUTE
    burst_calls: int = DEFAULT_BURST_CALLS

    def __post_init__(self) -> None:
        if self.burst_calls < 1:
            raise ValueError("burst_calls must be >= 1")
        if self.calls_per_minute <= self.burst_calls:
            raise ValueError("calls_per_minute must be greater than burst_calls")

    @property
    def refill_per_s(self) -> float:
        """Tokens added per second."""
        return (self.calls_per_minute - self.burst_calls) / 60.0


class TokenBucket:
    """Hand out call permits at the quota's pace, to every thread of the process.

    A caller that finds the bucket empty *reserves* the next token (the count goes
    negative) and sleeps on the clock until it is due, so waiters are served in arrival
    order without a condition variable, and a thread never spins.

    Args:
        options: The quota.
        clock: Time for refills and waits.
    """

    def __init__(self, options: RateLimitOptions | None = None, *, clock: Clock) -> None:
        self.options = options or RateLimitOptions()
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(self.options.burst_calls)
        self._updated_s = clock.monotonic()

    def acquire(self, deadline: Deadline) -> float:
        """Take one permit, waiting on the clock for it if needed.

        Returns:
            Seconds waited (0 when a token was ready).

        Raises:
            DeadlineExceededError: The next token is due only after ``deadline``; nothing
                was reserved and nothing slept.
        """
        if not self.options.enabled:
            return 0.0
        with self._lock:
            now = self._clock.monotonic()
            rate = self.options.refill_per_s
            self._tokens = min(
                float(self.options.burst_calls), self._tokens + (now - self._updated_s) * rate
            )
            self._updated_s = now
            wait_s = 0.0 if self._tokens >= 1 else (1 - self._tokens) / rate
            if wait_s and wait_s >= deadline.remaining_s():
                raise DeadlineExceededError(
                    f"rate limit: the next call is allowed in {wait_s:.1f} s, after the "
                    f"operation's deadline ({self.options.calls_per_minute:g} calls/min); "
                    "raise the timeout or lower the parallelism"
                )
            self._tokens -= 1
        if wait_s:
            self._clock.sleep(wait_s)
        return wait_s
