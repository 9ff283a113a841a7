"""The two retry budgets on tenacity, on a fake clock: counts, waits, deadline, idempotency."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabric_action.errors import RequestNotSentError, ResponseLostError, ThrottledError
from fabric_action.reliability import (
    Classification,
    Deadline,
    FakeClock,
    Retrier,
    RetryEvent,
    RetryOptions,
    Verdict,
)


@dataclass(frozen=True)
class Answer:
    """A scripted attempt result: a status and an optional Retry-After."""

    status: int
    retry_after_s: float | None = None


def classify(outcome: Answer | BaseException) -> Classification:
    if isinstance(outcome, RequestNotSentError):
        return Classification(Verdict.TRANSIENT)
    if isinstance(outcome, ResponseLostError):
        return Classification(Verdict.AMBIGUOUS)
    if isinstance(outcome, BaseException):
        return Classification(Verdict.DONE)
    if outcome.status == 429:
        return Classification(Verdict.THROTTLED, outcome.retry_after_s)
    if outcome.status >= 500:
        return Classification(Verdict.TRANSIENT, outcome.retry_after_s)
    return Classification(Verdict.DONE)


class Script:
    """Plays scripted outcomes, one per attempt, and counts attempts."""

    def __init__(self, *outcomes: Answer | BaseException) -> None:
        self._outcomes: Iterator[Answer | BaseException] = iter(outcomes)
        self.attempts = 0

    def __call__(self) -> Answer:
        self.attempts += 1
        outcome = next(self._outcomes)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def run(
    script: Script,
    *,
    clock: FakeClock,
    options: RetryOptions | None = None,
    deadline_s: float = 300.0,
    idempotent: bool = True,
    throttled_error: Callable[[Answer, float | None], BaseException] | None = None,
    events: list[RetryEvent] | None = None,
) -> Answer:
    retrier = Retrier(
        options or RetryOptions(),
        clock=clock,
        rng=random.Random(0),
        on_retry=events.append if events is not None else None,
    )
    return retrier.call(
        script,
        classify=classify,
        deadline=Deadline.after(deadline_s, clock=clock),
        idempotent=idempotent,
        throttled_error=throttled_error,
    )


def test_success_needs_one_attempt_and_no_sleep() -> None:
    clock = FakeClock()
    script = Script(Answer(200))
    assert run(script, clock=clock) == Answer(200)
    assert script.attempts == 1
    assert clock.sleeps == []


def test_final_answers_are_returned_without_retry() -> None:
    clock = FakeClock()
    script = Script(Answer(404))
    assert run(script, clock=clock) == Answer(404)
    assert clock.sleeps == []


def test_transient_budget_is_three_retries_at_2_4_8_seconds_plus_bounded_jitter() -> None:
    clock = FakeClock()
    script = Script(Answer(503), Answer(502), Answer(500), Answer(504), Answer(200))
    assert run(script, clock=clock) == Answer(504)  # the 4th failure is returned, not retried
    assert script.attempts == 4
    assert len(clock.sleeps) == 3
    for sleep, floor in zip(clock.sleeps, (2.0, 4.0, 8.0), strict=True):
        assert floor <= sleep <= floor * 1.25


def test_transient_exceptions_are_reraised_once_the_budget_is_spent() -> None:
    clock = FakeClock()
    error = RequestNotSentError("refused")
    script = Script(error, error, error, error)
    with pytest.raises(RequestNotSentError):
        run(script, clock=clock)
    assert script.attempts == 4


def test_transient_wait_honours_a_longer_retry_after() -> None:
    clock = FakeClock()
    script = Script(Answer(503, retry_after_s=30.0), Answer(200))
    assert run(script, clock=clock) == Answer(200)
    assert 30.0 <= clock.sleeps[0] <= 30.0 * 1.25


def test_throttling_waits_at_least_retry_after_as_often_as_the_deadline_allows() -> None:
    clock = FakeClock()
    throttles = [Answer(429, retry_after_s=5.0)] * 20
    script = Script(*throttles, Answer(200))
    assert run(script, clock=clock, deadline_s=300.0) == Answer(200)
    assert script.attempts == 21  # far beyond the transient budget of 3
    assert all(5.0 <= sleep <= 5.5 for sleep in clock.sleeps)


def test_throttle_without_retry_after_waits_the_documented_default() -> None:
    clock = FakeClock()
    script = Script(Answer(429), Answer(200))
    run(script, clock=clock)
    assert 10.0 <= clock.sleeps[0] <= 11.0


def test_budgets_are_separate() -> None:
    clock = FakeClock()
    throttle = Answer(429, retry_after_s=1.0)
    script = Script(
        Answer(503), throttle, Answer(503), throttle, throttle, Answer(503), Answer(200)
    )
    assert run(script, clock=clock) == Answer(200)
    assert script.attempts == 7


def test_retry_after_past_the_deadline_fails_fast_without_sleeping() -> None:
    clock = FakeClock()
    script = Script(Answer(429, retry_after_s=1.0), Answer(429, retry_after_s=120.0))
    with pytest.raises(ThrottledError) as caught:
        run(script, clock=clock, deadline_s=60.0)
    assert caught.value.retry_after_s == 120.0
    assert caught.value.status == 429
    assert len(clock.sleeps) == 1  # the 1 s wait; never the 120 s one
    assert clock.monotonic() < 60.0


def test_throttled_error_factory_builds_the_raised_error() -> None:
    clock = FakeClock()
    script = Script(Answer(429, retry_after_s=99.0))

    def factory(answer: Answer, retry_after_s: float | None) -> BaseException:
        return ThrottledError(f"custom {answer.status}", status=429, retry_after_s=retry_after_s)

    with pytest.raises(ThrottledError, match="custom 429"):
        run(script, clock=clock, deadline_s=10.0, throttled_error=factory)


def test_a_transient_wait_past_the_deadline_returns_the_failure_without_sleeping() -> None:
    clock = FakeClock()
    script = Script(Answer(503), Answer(503), Answer(200))
    assert run(script, clock=clock, deadline_s=5.0) == Answer(503)
    assert len(clock.sleeps) == 1  # 2 s fits in 5 s; the 4 s wait does not fit in ~3 s


def test_jitter_never_pushes_the_wake_up_past_the_deadline() -> None:
    clock = FakeClock()
    script = Script(Answer(429, retry_after_s=9.9), Answer(200))
    run(script, clock=clock, deadline_s=10.0, options=RetryOptions(throttle_jitter_ratio=1.0))
    assert 9.9 <= clock.sleeps[0] < 10.0


def test_a_lost_response_is_retried_only_when_idempotent() -> None:
    lost = ResponseLostError("read timeout", method="POST", url="https://x/v1/items")
    clock = FakeClock()
    script = Script(lost, Answer(201))
    with pytest.raises(ResponseLostError):
        run(script, clock=clock, idempotent=False)
    assert script.attempts == 1
    assert clock.sleeps == []

    script = Script(lost, Answer(200))
    assert run(script, clock=clock, idempotent=True) == Answer(200)
    assert script.attempts == 2


def test_a_non_idempotent_call_still_retries_what_never_left() -> None:
    clock = FakeClock()
    script = Script(RequestNotSentError("refused"), Answer(503), Answer(201))
    assert run(script, clock=clock, idempotent=False) == Answer(201)


def test_disabled_retry_makes_one_attempt_and_still_types_throttling() -> None:
    clock = FakeClock()
    off = RetryOptions(enabled=False)
    script = Script(Answer(503), Answer(200))
    assert run(script, clock=clock, options=off) == Answer(503)
    assert script.attempts == 1
    with pytest.raises(ThrottledError) as caught:
        run(Script(Answer(429, retry_after_s=3.0)), clock=clock, options=off)
    assert caught.value.retry_after_s == 3.0
    assert clock.sleeps == []


def test_max_throttle_retries_caps_the_throttle_budget() -> None:
    clock = FakeClock()
    script = Script(*[Answer(429, retry_after_s=1.0)] * 5)
    with pytest.raises(ThrottledError):
        run(script, clock=clock, options=RetryOptions(max_throttle_retries=2))
    assert script.attempts == 3


def test_unexpected_exceptions_are_not_retried() -> None:
    clock = FakeClock()
    script = Script(KeyError("bug"))
    with pytest.raises(KeyError):
        run(script, clock=clock)
    assert script.attempts == 1


def test_events_report_each_retry_before_its_sleep() -> None:
    clock = FakeClock()
    events: list[RetryEvent] = []
    script = Script(Answer(503), Answer(429, retry_after_s=2.0), Answer(200))
    run(script, clock=clock, events=events)
    assert [(e.attempt, e.verdict) for e in events] == [
        (1, Verdict.TRANSIENT),
        (2, Verdict.THROTTLED),
    ]
    assert [e.sleep_s for e in events] == clock.sleeps
    assert events[1].retry_after_s == 2.0


def test_never_deadline_allows_unbounded_throttle_waits() -> None:
    clock = FakeClock()
    retrier = Retrier(clock=clock, rng=random.Random(0))
    script = Script(Answer(429, retry_after_s=3600.0), Answer(200))
    result = retrier.call(
        script, classify=classify, deadline=Deadline.never(clock=clock), idempotent=True
    )
    assert result == Answer(200)
    assert clock.sleeps[0] >= 3600.0
    assert math.isinf(Deadline.never(clock=clock).remaining_s())


@pytest.mark.parametrize(
    "changes",
    [
        {"max_transient_retries": -1},
        {"max_throttle_retries": -1},
        {"first_delay_s": -1.0},
        {"backoff_multiplier": 0.5},
        {"jitter_ratio": -0.1},
    ],
)
def test_options_reject_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryOptions(**changes)  # type: ignore[arg-type]


def test_options_are_frozen() -> None:
    options = RetryOptions()
    with pytest.raises(AttributeError):
        options.enabled = False  # type: ignore[misc]


# -- property: random outcome sequences on a 60 s budget --------------------------------

outcomes = st.lists(
    st.one_of(
        st.just(Answer(503)),
        st.builds(Answer, st.just(429), st.floats(min_value=0.0, max_value=90.0)),
        st.just(Answer(200)),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(outcomes, st.integers(min_value=0, max_value=2**16))
def test_no_sleep_ever_ends_past_the_deadline_and_no_429_wait_is_short(
    sequence: list[Answer], seed: int
) -> None:
    clock = FakeClock()
    retrier = Retrier(clock=clock, rng=random.Random(seed))
    script = Script(*sequence, *[Answer(200)] * 40)
    deadline = Deadline.after(60.0, clock=clock)
    try:
        retrier.call(script, classify=classify, deadline=deadline, idempotent=True)
    except ThrottledError as error:
        assert error.retry_after_s is not None
        assert error.retry_after_s >= deadline.remaining_s()
    assert clock.monotonic() <= 60.0  # virtual elapsed time within budget
    played = [*sequence, *[Answer(200)] * 40][: script.attempts]
    for answer, sleep in zip(played, clock.sleeps, strict=False):
        if answer.status == 429:
            assert sleep >= (answer.retry_after_s or 0.0)
    transient_failures = sum(1 for answer in played if answer.status == 503)
    assert transient_failures <= 4
