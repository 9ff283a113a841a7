"""An absolute deadline on a clock's monotonic time."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fabric_action.errors import DeadlineExceededError

from ._clock import Clock

__all__ = ["Deadline"]


@dataclass(frozen=True)
class Deadline:
    """The moment an operation must be finished by, on ``clock.monotonic()``.

    Absolute rather than a budget handed down and decremented, so every layer (retry
    sleeps, rate-limit waits, the transport's read timeout) reads the same truth and no
    layer can forget to subtract the time it spent.

    Attributes:
        clock: The clock the deadline is measured on.
        at_s: Monotonic time of the deadline (``math.inf`` for none).
    """

    clock: Clock
    at_s: float

    @classmethod
    def after(cls, seconds: float, *, clock: Clock) -> Deadline:
        """Return the deadline ``seconds`` from now (``math.inf`` for never)."""
        return cls(clock, clock.monotonic() + seconds)

    @classmethod
    def never(cls, *, clock: Clock) -> Deadline:
        """Return a deadline that never expires (use sparingly: rollback, tests)."""
        return cls(clock, math.inf)

    def remaining_s(self) -> float:
        """Return seconds left, never negative (``math.inf`` for no deadline)."""
        return max(0.0, self.at_s - self.clock.monotonic())

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.clock.monotonic() >= self.at_s

    def check(self, what: str) -> None:
        """Raise :class:`DeadlineExceededError` naming ``what`` if the deadline passed."""
        if self.expired:
            raise DeadlineExceededError(f"{what}: the operation's deadline passed")
