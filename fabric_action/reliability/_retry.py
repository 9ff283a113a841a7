"""Retry with two budgets on tenacity: a few transient retries; throttling up to a deadline.

The engine is tenacity's; the policy lives in three small strategy objects (what to retry,
how long to wait, when to stop) that share one per-call :class:`_CallState`, and tenacity's
``sleep`` is the injected clock's, so tests on a :class:`FakeClock` never wait.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

import tenacity

from fabric_action.errors import ThrottledError

from ._backoff import add_jitter, exponential_delay_s
from ._clock import Clock
from ._deadline import Deadline

__all__ = [
    "Classification",
    "Retrier",
    "RetryEvent",
    "RetryOptions",
    "Verdict",
]

T = TypeVar("T")

DEFAULT_MAX_TRANSIENT_RETRIES = 3
DEFAULT_FIRST_DELAY_S = 2.0
DEFAULT_BACKOFF_MULTIPLIER = 2.0
DEFAULT_MAX_DELAY_S = 60.0
DEFAULT_JITTER_RATIO = 0.25
DEFAULT_RETRY_AFTER_S = 10.0
DEFAULT_THROTTLE_JITTER_RATIO = 0.1


@dataclass(frozen=True, kw_only=True)
class RetryOptions:
    """How a call is retried. Two budgets, because the two failures mean different things.

    A transient failure (a 5xx, a dropped connection) says "something is broken": retry a
    few times with growing waits, then give up and let the circuit breaker count it.
    Throttling (429) says "come back at this time": the server is healthy and told us when,
    so wait exactly that long (never less) as often as the operation's deadline allows.

    Attributes:
        enabled: False turns every retry off (ENABLE_RETRY=false): one attempt per call;
            a 429 then fails at once with :class:`ThrottledError`. Default True.
        max_transient_retries: Retries after transient failures, per call. Default 3.
        first_delay_s: Wait before the first transient retry. Default 2 s.
        backoff_multiplier: Growth of that wait per retry. Default 2 (2 s, 4 s, 8 s).
        max_delay_s: Cap on a transient wait (not on Retry-After). Default 60 s.
        jitter_ratio: Random extra added to a transient wait, as a share of it; never
            subtracted. Default 0.25 (2-2.5 s, 4-5 s, 8-10 s).
        default_retry_after_s: Wait after a 429 that names no Retry-After. Default 10 s
            (fabric-cli's choice; Fabric always sends one, so this is a fallback).
        throttle_jitter_ratio: Random extra added after Retry-After, as a share of it, so
            jobs throttled together do not return together. Default 0.1.
        max_throttle_retries: Optional cap on 429 retries per call. Default None: the
            deadline alone decides.
    """

    enabled: bool = True
    max_transient_retries: int = DEFAULT_MAX_TRANSIENT_RETRIES
    first_delay_s: float = DEFAULT_FIRST_DELAY_S
    backoff_multiplier: float = DEFAULT_BACKOFF_MULTIPLIER
    max_delay_s: float = DEFAULT_MAX_DELAY_S
    jitter_ratio: float = DEFAULT_JITTER_RATIO
    default_retry_after_s: float = DEFAULT_RETRY_AFTER_S
    throttle_jitter_ratio: float = DEFAULT_THROTTLE_JITTER_RATIO
    max_throttle_retries: int | None = None

    def __post_init__(self) -> None:
        if self.max_transient_retries < 0:
            raise ValueError("max_transient_retries must be >= 0")
        if self.max_throttle_retries is not None and self.max_throttle_retries < 0:
            raise ValueError("max_throttle_retries must be >= 0 or None")
        if self.first_delay_s < 0 or self.max_delay_s < 0 or self.default_retry_after_s < 0:
            raise ValueError("delays must be >= 0 seconds")
        if self.backoff_multiplier < 1:
            raise ValueError("backoff_multiplier must be >= 1")
        if self.jitter_ratio < 0 or self.throttle_jitter_ratio < 0:
            raise ValueError("jitter ratios must be >= 0")

    def transient_delay_s(self, retry_number: int) -> float:
        """Return the wait before transient retry ``retry_number`` (1-based), without jitter."""
        return exponential_delay_s(
            retry_number,
            first_s=self.first_delay_s,
            multiplier=self.backoff_multiplier,
            max_s=self.max_delay_s,
        )


class Verdict(StrEnum):
    """What one attempt's outcome means for the retry loop."""

    DONE = "done"
    """A final answer (success, or an error retrying cannot fix): return or raise it."""
    TRANSIENT = "transient"
    """Broken for now (408, 5xx, the request never left): spend the transient budget."""
    THROTTLED = "throttled"
    """Told to come back later (429): wait Retry-After, within the deadline."""
    AMBIGUOUS = "ambiguous"
    """Sent, but no answer: retried like TRANSIENT only if the call is idempotent."""


@dataclass(frozen=True)
class Classification:
    """A classifier's answer for one outcome."""

    verdict: Verdict
    retry_after_s: float | None = None
    """The server's requested wait, when it named one (honoured for TRANSIENT too)."""


_DONE = Classification(Verdict.DONE)


@dataclass(frozen=True, kw_only=True)
class RetryEvent:
    """One retry about to happen (for telemetry)."""

    attempt: int
    """Number of the attempt that just failed (1 for the first)."""
    verdict: Verdict
    sleep_s: float
    retry_after_s: float | None


Classifier = Callable[[T | BaseException], Classification]


class Retrier:
    """Run calls with the two retry budgets of :class:`RetryOptions`.

    Thread-safe: per-call state lives in each call, so one instance serves every thread.

    Args:
        options: The budgets and delays.
        clock: Sleeps go to ``clock.sleep`` (tenacity's ``sleep=``), never to ``time``.
        rng: Source of jitter; pass a seeded ``random.Random`` for reproducible waits.
        on_retry: Called before each retry's sleep (telemetry); must not raise.
    """

    def __init__(
        self,
        options: RetryOptions | None = None,
        *,
        clock: Clock,
        rng: random.Random | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> None:
        self.options = options or RetryOptions()
        self._clock = clock
        self._rng = rng or random.Random()
        self._on_retry = on_retry

    def call(
        self,
        fn: Callable[[], T],
        *,
        classify: Classifier[T],
        deadline: Deadline,
        idempotent: bool,
        throttled_error: Callable[[T, float | None], BaseException] | None = None,
    ) -> T:
        """Call ``fn`` until its outcome is final, a budget is spent, or the deadline nears.

        Args:
            fn: One attempt; returns a result or raises.
            classify: Maps a result or exception to a :class:`Classification`.
            deadline: No sleep is started that would end past it.
            idempotent: Whether sending the same call twice is harmless. False makes an
                AMBIGUOUS outcome (sent, no answer) final at once: the caller must look
                the resource up by its natural key before deciding to send it again.
            throttled_error: Builds the error raised when a throttled *result* is given
                up on, from the result and its Retry-After (default: a bare
                :class:`ThrottledError`).

        Returns:
            The first final result, or the last result once retrying stopped.

        Raises:
            ThrottledError: A 429 whose Retry-After would end past the deadline (or past
                ``max_throttle_retries``, or with retries disabled): raised instead of
                sleeping, with ``retry_after_s`` set.
            BaseException: Whatever the last attempt raised, when retrying stopped.
        """
        state = _CallState(
            options=self.options,
            classify=classify,
            deadline=deadline,
            idempotent=idempotent,
            rng=self._rng,
            throttled_error=throttled_error,
            on_retry=self._on_retry,
        )
        retrying = tenacity.Retrying(
            sleep=self._clock.sleep,
            retry=_RetryIfRetryable(state),
            wait=_TwoBudgetWait(state),
            stop=_TwoBudgetStop(state),
            before_sleep=state.before_sleep,
            retry_error_callback=state.give_up,
        )
        result: T = retrying(fn)
        return result


class _CallState(Generic[T]):
    """What one call has spent so far; shared by its three strategy objects."""

    def __init__(
        self,
        *,
        options: RetryOptions,
        classify: Classifier[T],
        deadline: Deadline,
        idempotent: bool,
        rng: random.Random,
        throttled_error: Callable[[T, float | None], BaseException] | None,
        on_retry: Callable[[RetryEvent], None] | None,
    ) -> None:
        self.options = options
        self.classify = classify
        self.deadline = deadline
        self.idempotent = idempotent
        self.rng = rng
        self.throttled_error = throttled_error
        self.on_retry = on_retry
        self.last = _DONE
        self.transient_failures = 0
        self.throttles = 0
        self.floor_s = 0.0  # the wait we may not shorten (backoff or Retry-After)

    def before_sleep(self, retry_state: tenacity.RetryCallState) -> None:
        """Report the retry about to happen."""
        if self.on_retry is not None:
            self.on_retry(
                RetryEvent(
                    attempt=retry_state.attempt_number,
                    verdict=self.last.verdict,
                    sleep_s=retry_state.upcoming_sleep,
                    retry_after_s=self.last.retry_after_s,
                )
            )

    def give_up(self, retry_state: tenacity.RetryCallState) -> T:
        """Return the last result or raise the last error; a throttled result raises."""
        outcome = retry_state.outcome
        assert outcome is not None
        error = outcome.exception()
        if error is not None:
            raise error
        result: T = outcome.result()
        if self.last.verdict is Verdict.THROTTLED:
            retry_after = self.last.retry_after_s
            if self.throttled_error is not None:
                raise self.throttled_error(result, retry_after)
            raise ThrottledError(
                "throttled (429) and not waited out (deadline, throttle cap or retries off)",
                status=429,
                retry_after_s=retry_after,
            )
        return result


class _RetryIfRetryable(tenacity.retry_base):
    """Retry TRANSIENT and THROTTLED; AMBIGUOUS only for idempotent calls."""

    def __init__(self, state: _CallState[Any]) -> None:
        self.state = state

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        outcome = retry_state.outcome
        assert outcome is not None
        error = outcome.exception()
        verdict = self.state.classify(error if error is not None else outcome.result())
        self.state.last = verdict
        if verdict.verdict is Verdict.AMBIGUOUS and not self.state.idempotent:
            return False
        if verdict.verdict in (Verdict.TRANSIENT, Verdict.AMBIGUOUS):
            self.state.transient_failures += 1
            return True
        if verdict.verdict is Verdict.THROTTLED:
            self.state.throttles += 1
            return True
        return False


class _TwoBudgetWait(tenacity.wait.wait_base):
    """Wait the backoff (transient) or Retry-After (throttled), whichever is the floor, plus
    jitter that never pushes the wake-up past the deadline."""

    def __init__(self, state: _CallState[Any]) -> None:
        self.state = state

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        state, options = self.state, self.state.options
        server_s = state.last.retry_after_s
        if state.last.verdict is Verdict.THROTTLED:
            floor = options.default_retry_after_s if server_s is None else server_s
            ratio = options.throttle_jitter_ratio
        else:
            backoff = options.transient_delay_s(max(1, state.transient_failures))
            floor = backoff if server_s is None else max(backoff, server_s)
            ratio = options.jitter_ratio
        state.floor_s = floor
        jittered = add_jitter(floor, ratio=ratio, rng=state.rng)
        slack = state.deadline.remaining_s() - floor
        # Leave at least half the slack for the attempt itself.
        return floor + min(jittered - floor, max(0.0, slack / 2))


class _TwoBudgetStop(tenacity.stop.stop_base):
    """Stop when retries are off, the budget of the outcome's kind is spent, or the floor
    wait would not end before the deadline (azure-core sleeps first and times out after;
    failing now saves the wait)."""

    def __init__(self, state: _CallState[Any]) -> None:
        self.state = state

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        state, options = self.state, self.state.options
        if not options.enabled:
            return True
        if state.last.verdict is Verdict.THROTTLED:
            cap = options.max_throttle_retries
            if cap is not None and state.throttles > cap:
                return True
        elif state.transient_failures > options.max_transient_retries:
            return True
        return state.floor_s >= state.deadline.remaining_s()
