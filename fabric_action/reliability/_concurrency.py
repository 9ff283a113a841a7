"""An adaptive limit on HTTP requests in flight: narrows on 429, widens on success (AIMD)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from fabric_action.errors import DeadlineExceededError

from ._clock import Clock, wait_for_notify
from ._deadline import Deadline

__all__ = ["AdaptiveConcurrencyLimit", "ConcurrencyOptions", "LimitSignal", "Slot"]

DEFAULT_INITIAL_LIMIT = 8
DEFAULT_MAX_LIMIT = 16


@dataclass(frozen=True, kw_only=True)
class ConcurrencyOptions:
    """Bounds and steps of the adaptive limit.

    It counts HTTP requests in flight, never operations in progress: a long-running
    operation holds a slot only while one of its polls is on the wire.

    Attributes:
        enabled: False admits every request at once. Default True.
        initial_limit: Requests in flight allowed at start. Default 8.
        max_limit: Ceiling the limit grows back to; also sizes the connection pool.
            Default 16.
        min_limit: Floor of the limit. Default 1.
        decrease_factor: Multiplier applied on a 429. Default 0.5 (halve).
        increase_per_window: Slots added per ``limit`` successful requests (one window),
            TCP-style; a bigger step recovers faster and overshoots more. Default 1.
    """

    enabled: bool = True
    initial_limit: int = DEFAULT_INITIAL_LIMIT
    max_limit: int = DEFAULT_MAX_LIMIT
    min_limit: int = 1
    decrease_factor: float = 0.5
    increase_per_window: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.min_limit <= self.initial_limit <= self.max_limit:
            raise ValueError("need 1 <= min_limit <= initial_limit <= max_limit")
        if not 0 < self.decrease_factor < 1:
            raise ValueError("decrease_factor must be between 0 and 1")
        if self.increase_per_window <= 0:
            raise ValueError("increase_per_window must be > 0")


class LimitSignal(StrEnum):
    """What a finished request says about the server's capacity."""

    OK = "ok"
    """Answered without throttling: widen a little."""
    THROTTLED = "throttled"
    """Answered 429: narrow."""
    NEUTRAL = "neutral"
    """No answer or an error unrelated to load: leave the limit alone."""


class Slot:
    """One admitted request; set :attr:`signal` before the ``with`` block ends."""

    __slots__ = ("signal", "ticket")

    def __init__(self, ticket: int) -> None:
        self.ticket = ticket
        self.signal = LimitSignal.NEUTRAL


class AdaptiveConcurrencyLimit:
    """Limit concurrent requests, additive increase / multiplicative decrease.

    Only the first 429 among requests sent under the same limit narrows it: the others
    report the same congestion event, and reacting to each would collapse the limit to
    its floor after one burst (TCP reacts once per window for the same reason).

    Args:
        options: Bounds and steps.
        clock: Time for deadline-bounded waits.
    """

    def __init__(self, options: ConcurrencyOptions | None = None, *, clock: Clock) -> None:
        self.options = options or ConcurrencyOptions()
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._limit = float(self.options.initial_limit)
        self._in_flight = 0
        self._decrease_epoch = 0

    @property
    def limit(self) -> int:
        """Requests currently allowed in flight."""
        with self._cond:
            return int(self._limit)

    @property
    def in_flight(self) -> int:
        """Requests currently in flight."""
        with self._cond:
            return self._in_flight

    def acquire(self, deadline: Deadline) -> Slot:
        """Wait until a request may start; return its slot.

        Raises:
            DeadlineExceededError: No slot freed up before ``deadline``.
        """
        if not self.options.enabled:
            return Slot(-1)
        with self._cond:
            while self._in_flight >= int(self._limit):
                if deadline.expired:
                    raise DeadlineExceededError(
                        f"concurrency limit: {self._in_flight} requests in flight "
                        f"(limit {int(self._limit)}) until the operation's deadline"
                    )
                wait_for_notify(self._clock, self._cond, deadline.remaining_s())
            self._in_flight += 1
            return Slot(self._decrease_epoch)

    def release(self, slot: Slot) -> None:
        """Free the slot and adapt the limit to its :attr:`Slot.signal`."""
        if slot.ticket < 0:
            return
        options = self.options
        with self._cond:
            self._in_flight -= 1
            if slot.signal is LimitSignal.THROTTLED:
                if slot.ticket == self._decrease_epoch:
                    self._limit = max(
                        float(options.min_limit), self._limit * options.decrease_factor
                    )
                    self._decrease_epoch += 1
            elif slot.signal is LimitSignal.OK:
                self._limit = min(
                    float(options.max_limit),
                    self._limit + options.increase_per_window / self._limit,
                )
            self._cond.notify_all()

    @contextmanager
    def slot(self, deadline: Deadline) -> Iterator[Slot]:
        """Hold a slot for the ``with`` block; an exception releases it as NEUTRAL."""
        slot = self.acquire(deadline)
        try:
            yield slot
        finally:
            self.release(slot)
