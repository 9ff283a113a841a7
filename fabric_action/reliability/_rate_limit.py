"""A sliding-window limiter that keeps one identity under its per-minute call quota.

Fabric counts an identity's calls over a minute (documented: about 200). The limiter
lets a call start at once while fewer than ``calls_per_minute`` calls started in the last
``window_s`` seconds, and otherwise holds it until the oldest of them leaves the window.
So a deployment spends its whole quota at once and then goes on at the pace the quota
frees up: the fastest schedule no window-counting server throttles. (A token bucket
with a small burst, the usual alternative, stays under the same quota only by pacing
every call after the burst; it took 80 s for what this does in 60.)

``margin_s`` widens the window a little, because the server counts arrivals on its own
clock and a call's trip varies. Other jobs of the same identity share the real quota, so
429s stay possible; the retry policy (never sooner than Retry-After) handles those.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from fabric_action.errors import DeadlineExceededError

from ._clock import Clock
from ._deadline import Deadline

__all__ = ["QuotaWindow", "RateLimitOptions"]

DEFAULT_CALLS_PER_MINUTE = 200
DEFAULT_WINDOW_S = 60.0
DEFAULT_MARGIN_S = 1.0


@dataclass(frozen=True, kw_only=True)
class RateLimitOptions:
    """The identity's call quota.

    Attributes:
        enabled: False lets every call through at once. Default True.
        calls_per_minute: Calls allowed to start in any window. Default 200 (Fabric's
            documented per-identity quota).
        window_s: The quota's window. Default 60 s.
        margin_s: Added to the window (clock and transit differences). Default 1 s.
    """

    enabled: bool = True
    calls_per_minute: int = DEFAULT_CALLS_PER_MINUTE
    window_s: float = DEFAULT_WINDOW_S
    margin_s: float = DEFAULT_MARGIN_S

    def __post_init__(self) -> None:
        if self.calls_per_minute < 1:
            raise ValueError("calls_per_minute must be >= 1 (turn the limiter off instead)")
        if self.window_s <= 0 or self.margin_s < 0:
            raise ValueError("window_s must be > 0 and margin_s >= 0")


class QuotaWindow:
    """Hand out call permits within the quota, to every thread of the process.

    A caller that finds the window full *reserves* the slot that frees next (the time it
    will start goes into the window at once) and sleeps on the clock until then, so
    waiters are served in arrival order without a condition variable.

    Args:
        options: The quota.
        clock: Time for the window and the waits.
    """

    def __init__(self, options: RateLimitOptions | None = None, *, clock: Clock) -> None:
        self.options = options or RateLimitOptions()
        self._clock = clock
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()  # start times (reserved ones too), oldest first

    def acquire(self, deadline: Deadline) -> float:
        """Take one permit, waiting on the clock for it if needed.

        Returns:
            Seconds waited (0 when the window had room).

        Raises:
            DeadlineExceededError: The next permit is due only after ``deadline``; nothing
                was reserved and nothing slept.
        """
        options = self.options
        if not options.enabled:
            return 0.0
        span_s = options.window_s + options.margin_s
        with self._lock:
            now = self._clock.monotonic()
            while self._starts and self._starts[0] <= now - span_s:
                self._starts.popleft()
            if len(self._starts) < options.calls_per_minute:
                self._starts.append(now)
                return 0.0
            start_s = self._starts[0] + span_s
            wait_s = start_s - now
            if wait_s >= deadline.remaining_s():
                raise DeadlineExceededError(
                    f"rate limit: the next call is allowed in {wait_s:.1f} s, after the "
                    f"operation's deadline ({options.calls_per_minute} calls per "
                    f"{options.window_s:g} s); raise the timeout or api.calls_per_minute"
                )
            self._starts.popleft()
            self._starts.append(start_s)
        self._clock.sleep(wait_s)
        return wait_s
