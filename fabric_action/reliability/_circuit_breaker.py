"""A consecutive-failure circuit breaker per host, with one half-open probe.

Why consecutive failures and not a failure ratio over a window: a deployment makes tens
to a few hundred calls, and the ratio breakers of Polly and Resilience4j need a minimum
throughput (100 by default) they would never reach. Five failed *calls* in a row (each
already retried) is an outage, not bad luck.

The lock guards state only; it is never held across the protected call or a listener.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from fabric_action.errors import CircuitOpenError

from ._clock import Clock, wait_for_notify
from ._deadline import Deadline

__all__ = [
    "Admission",
    "BreakerEvent",
    "BreakerOptions",
    "BreakerRegistry",
    "CallOutcome",
    "CircuitBreaker",
    "CircuitState",
]

T = TypeVar("T")
_log = logging.getLogger(__name__)

DEFAULT_FAILURE_THRESHOLD = 5
PROD_FAILURE_THRESHOLD = 3
DEFAULT_OPEN_DURATION_S = 60.0


class CircuitState(StrEnum):
    """The three states of a breaker."""

    CLOSED = "closed"
    """Calls flow; consecutive failures are counted."""
    OPEN = "open"
    """Calls are rejected without being sent until the open period ends."""
    HALF_OPEN = "half_open"
    """One probe call is let through; its outcome closes or re-opens the breaker."""


class CallOutcome(StrEnum):
    """How a finished call counts for its host's breaker."""

    SUCCESS = "success"
    """The host answered (2xx-4xx, 429 included: back-pressure is not an outage)."""
    FAILURE = "failure"
    """The host failed (5xx after retries, connection errors, timeouts)."""
    IGNORED = "ignored"
    """Says nothing about the host (our deadline, a bad CA setting, an interrupt)."""


@dataclass(frozen=True, kw_only=True)
class BreakerOptions:
    """When a breaker opens and for how long.

    Attributes:
        enabled: False lets every call through and records nothing (the local tier).
            Default True.
        failure_threshold: Consecutive failed calls that open the breaker. Default 5;
            :meth:`prod` gives the strict preset of 3.
        open_duration_s: How long an open breaker rejects calls before admitting one
            probe; also the longest a probe may take before another is admitted.
            Default 60 s.
    """

    enabled: bool = True
    failure_threshold: int = DEFAULT_FAILURE_THRESHOLD
    open_duration_s: float = DEFAULT_OPEN_DURATION_S

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        if self.open_duration_s <= 0:
            raise ValueError("open_duration_s must be > 0")

    @classmethod
    def prod(cls) -> BreakerOptions:
        """Return the strict preset of the prod tier: 3 failures, 60 s."""
        return cls(failure_threshold=PROD_FAILURE_THRESHOLD)


@dataclass(frozen=True, kw_only=True)
class BreakerEvent:
    """A state change, for telemetry. ``seq`` orders events of one breaker."""

    host: str
    old: CircuitState
    new: CircuitState
    at_s: float
    """Monotonic time of the change, on the breaker's clock."""
    seq: int


@dataclass(frozen=True)
class Admission:
    """A permit to make one call; hand it back to :meth:`CircuitBreaker.record`."""

    epoch: int
    """The breaker epoch it was granted in; results from older epochs are ignored."""
    probe: bool


_UNCOUNTED = Admission(-1, probe=False)

BreakerListener = Callable[[BreakerEvent], None]


class CircuitBreaker:
    """Stop calling a host that keeps failing; let one probe find out when it is back.

    Every state change and every probe bumps an *epoch*; a result is applied only if it
    belongs to the current epoch, so a slow call that started before the breaker opened
    can neither close it nor extend its open period (Polly's "late results" rule).

    Args:
        host: The host this breaker protects (named in errors and events).
        options: Threshold and open period.
        clock: Measures the open period; waits for the probe go through it.
        listeners: Called with each :class:`BreakerEvent`, outside the lock; a listener
            that raises is logged and skipped.
    """

    def __init__(
        self,
        host: str,
        options: BreakerOptions | None = None,
        *,
        clock: Clock,
        listeners: Iterable[BreakerListener] = (),
    ) -> None:
        self.host = host
        self.options = options or BreakerOptions()
        self._clock = clock
        self._listeners = list(listeners)
        self._cond = threading.Condition(threading.Lock())
        self._state = CircuitState.CLOSED
        self._epoch = 0
        self._failures = 0
        self._open_until_s = 0.0
        self._probe_in_flight = False
        self._seq = 0

    @property
    def state(self) -> CircuitState:
        """The current state (OPEN turns HALF_OPEN on the first call after the period)."""
        with self._cond:
            return self._state

    def add_listener(self, listener: BreakerListener) -> None:
        """Register a callable to receive every future state change."""
        with self._cond:
            self._listeners.append(listener)

    def admit(self) -> Admission:
        """Return a permit for one call, or reject it without it being sent.

        Raises:
            CircuitOpenError: The breaker is open, or half-open with its probe in flight;
                ``retry_in_s`` is the time until a probe can next be admitted.
        """
        if not self.options.enabled:
            return _UNCOUNTED
        events: list[BreakerEvent] = []
        try:
            with self._cond:
                now = self._clock.monotonic()
                if self._state is CircuitState.CLOSED:
                    return Admission(self._epoch, probe=False)
                if now >= self._open_until_s:
                    if self._state is CircuitState.OPEN:
                        events.append(self._move(CircuitState.HALF_OPEN, now))
                    # Half-open with no probe, or a probe older than the open period
                    # (hung or lost): this call becomes the probe.
                    self._epoch += 1
                    self._probe_in_flight = True
                    self._open_until_s = now + self.options.open_duration_s
                    return Admission(self._epoch, probe=True)
                retry_in_s = min(self.options.open_duration_s, self._open_until_s - now)
                why = (
                    f"open after {self.options.failure_threshold} consecutive failed calls"
                    if self._state is CircuitState.OPEN
                    else "half-open: one probe call is testing the host"
                )
                raise CircuitOpenError(
                    f"the circuit breaker for {self.host} is {why}; the call was not sent. "
                    f"The next probe is due in {retry_in_s:.1f} s: retry then, or check the "
                    "service's health",
                    host=self.host,
                    retry_in_s=retry_in_s,
                )
        finally:
            self._emit(events)

    def record(self, admission: Admission, outcome: CallOutcome) -> None:
        """Count the outcome of an admitted call (results of older epochs are ignored)."""
        if admission is _UNCOUNTED or (outcome is CallOutcome.IGNORED and not admission.probe):
            return
        events: list[BreakerEvent] = []
        with self._cond:
            if admission.epoch != self._epoch:
                return
            now = self._clock.monotonic()
            if self._state is CircuitState.CLOSED:
                self._failures = self._failures + 1 if outcome is CallOutcome.FAILURE else 0
                if self._failures >= self.options.failure_threshold:
                    events.append(self._open(now))
            elif outcome is CallOutcome.IGNORED:  # the probe proved nothing: free its slot
                self._probe_in_flight = False
                self._open_until_s = now
            elif outcome is CallOutcome.SUCCESS:
                self._failures = 0
                self._probe_in_flight = False
                events.append(self._move(CircuitState.CLOSED, now))
            else:
                events.append(self._open(now))
            self._cond.notify_all()
        self._emit(events)

    def call(
        self,
        fn: Callable[[], T],
        *,
        classify: Callable[[T | BaseException], CallOutcome],
        deadline: Deadline | None = None,
        wait_for_probe: bool = False,
    ) -> T:
        """Call ``fn`` through the breaker and count its outcome.

        Args:
            fn: The protected call (normally the whole retried call).
            classify: Maps its result or exception to a :class:`CallOutcome`.
            deadline: Bounds any wait for the probe.
            wait_for_probe: Instead of failing on an open breaker, wait for the probe's
                verdict when ``deadline`` leaves room for it (rollback always does).

        Raises:
            CircuitOpenError: Rejected, and not waiting (or the deadline is too close).
        """
        admission = self._admit_or_wait(deadline if wait_for_probe else None)
        outcome = CallOutcome.IGNORED  # also what an interrupt (BaseException) counts as
        try:
            result = fn()
            outcome = classify(result)
            return result
        except Exception as error:
            outcome = classify(error)
            raise
        finally:
            self.record(admission, outcome)

    def _admit_or_wait(self, deadline: Deadline | None) -> Admission:
        while True:
            try:
                return self.admit()
            except CircuitOpenError as rejected:
                if deadline is None:
                    raise
                remaining_s = deadline.remaining_s()
                with self._cond:
                    probing = self._state is CircuitState.HALF_OPEN
                if probing:  # wake when the probe reports, or when it is overdue
                    if remaining_s <= 0:
                        raise
                    with self._cond:
                        wait_for_notify(
                            self._clock, self._cond, min(rejected.retry_in_s, remaining_s)
                        )
                elif rejected.retry_in_s >= remaining_s:
                    raise
                else:
                    self._clock.sleep(rejected.retry_in_s)

    def _open(self, now: float) -> BreakerEvent:
        self._probe_in_flight = False
        self._open_until_s = now + self.options.open_duration_s
        return self._move(CircuitState.OPEN, now)

    def _move(self, new: CircuitState, now: float) -> BreakerEvent:
        old, self._state = self._state, new
        self._epoch += 1
        self._seq += 1
        return BreakerEvent(host=self.host, old=old, new=new, at_s=now, seq=self._seq)

    def _emit(self, events: list[BreakerEvent]) -> None:
        if not events:
            return
        with self._cond:
            listeners = list(self._listeners)
        for event in events:
            for listener in listeners:
                try:
                    listener(event)
                except Exception:
                    _log.exception("breaker listener failed on %s", event)


class BreakerRegistry:
    """One :class:`CircuitBreaker` per host, created on first use, shared by all threads.

    Args:
        options: Options of every breaker it creates.
        clock: The clock of every breaker.
    """

    def __init__(self, options: BreakerOptions | None = None, *, clock: Clock) -> None:
        self.options = options or BreakerOptions()
        self._clock = clock
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._listeners: list[BreakerListener] = []

    def for_host(self, host: str) -> CircuitBreaker:
        """Return the breaker of ``host`` (case-insensitive; include the port if any)."""
        key = host.lower()
        with self._lock:
            breaker = self._breakers.get(key)
            if breaker is None:
                breaker = CircuitBreaker(
                    key, self.options, clock=self._clock, listeners=self._listeners
                )
                self._breakers[key] = breaker
            return breaker

    def add_listener(self, listener: BreakerListener) -> None:
        """Register a listener on every breaker, present and future."""
        with self._lock:
            self._listeners.append(listener)
            breakers = list(self._breakers.values())
        for breaker in breakers:
            breaker.add_listener(listener)

    def states(self) -> dict[str, CircuitState]:
        """Return each known host's state (for health checks and the summary)."""
        with self._lock:
            breakers = dict(self._breakers)
        return {host: breaker.state for host, breaker in breakers.items()}
