"""The circuit breaker: thresholds, one probe, late results, waiting for the probe, events."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import pytest

from fabric_action.errors import CircuitOpenError
from fabric_action.reliability import (
    BreakerEvent,
    BreakerOptions,
    BreakerRegistry,
    CallOutcome,
    CircuitBreaker,
    CircuitState,
    Deadline,
    FakeClock,
)

OK, FAIL, IGNORE = CallOutcome.SUCCESS, CallOutcome.FAILURE, CallOutcome.IGNORED


def state(subject: CircuitBreaker) -> CircuitState:
    """Read the state afresh (keeps mypy from narrowing it across calls)."""
    return subject.state


def breaker(clock: FakeClock, **options: object) -> tuple[CircuitBreaker, list[BreakerEvent]]:
    events: list[BreakerEvent] = []
    subject = CircuitBreaker(
        "api.fabric.test",
        BreakerOptions(**options),  # type: ignore[arg-type]
        clock=clock,
        listeners=[events.append],
    )
    return subject, events


def outcome_of(value: object) -> CallOutcome:
    return value if isinstance(value, CallOutcome) else FAIL


def call(subject: CircuitBreaker, outcome: CallOutcome) -> None:
    subject.call(lambda: outcome, classify=outcome_of)


def fail(subject: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        call(subject, FAIL)


def edges(events: list[BreakerEvent]) -> list[tuple[str, str]]:
    return [(event.old.value, event.new.value) for event in events]


def test_opens_after_five_consecutive_failed_calls_and_rejects_without_calling() -> None:
    clock = FakeClock()
    subject, events = breaker(clock)
    fail(subject, 4)
    assert state(subject) is CircuitState.CLOSED
    fail(subject, 1)
    assert state(subject) is CircuitState.OPEN
    called: list[int] = []
    with pytest.raises(CircuitOpenError) as caught:
        subject.call(lambda: called.append(1), classify=outcome_of)
    assert called == []
    assert caught.value.host == "api.fabric.test"
    assert caught.value.retry_in_s == pytest.approx(60.0)
    assert "open after 5 consecutive failed calls" in str(caught.value)
    assert "was not sent" in str(caught.value)
    assert edges(events) == [("closed", "open")]


def test_prod_preset_opens_after_three() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock, failure_threshold=BreakerOptions.prod().failure_threshold)
    fail(subject, 3)
    assert state(subject) is CircuitState.OPEN
    assert BreakerOptions.prod().open_duration_s == 60.0


def test_a_success_resets_the_count_of_consecutive_failures() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 4)
    call(subject, OK)
    fail(subject, 4)
    assert state(subject) is CircuitState.CLOSED


def test_ignored_outcomes_neither_count_nor_reset() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 4)
    call(subject, IGNORE)
    fail(subject, 1)
    assert state(subject) is CircuitState.OPEN


def test_retry_in_s_counts_down_on_the_clock() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(45.0)
    with pytest.raises(CircuitOpenError) as caught:
        call(subject, OK)
    assert caught.value.retry_in_s == pytest.approx(15.0, abs=1e-3)


def test_one_probe_after_the_open_period_and_its_success_closes() -> None:
    clock = FakeClock()
    subject, events = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    probe = subject.admit()
    assert probe.probe
    assert state(subject) is CircuitState.HALF_OPEN
    with pytest.raises(CircuitOpenError, match="half-open"):  # exactly one probe
        subject.admit()
    subject.record(probe, OK)
    assert state(subject) is CircuitState.CLOSED
    assert edges(events) == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


def test_a_failed_probe_reopens_for_a_full_period() -> None:
    clock = FakeClock()
    subject, events = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    call(subject, FAIL)
    assert state(subject) is CircuitState.OPEN
    with pytest.raises(CircuitOpenError) as caught:
        subject.admit()
    assert caught.value.retry_in_s == pytest.approx(60.0)
    assert edges(events)[-1] == ("half_open", "open")


def test_an_ignored_probe_frees_the_probe_slot() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    call(subject, IGNORE)
    assert state(subject) is CircuitState.HALF_OPEN
    assert subject.admit().probe


def test_a_probe_that_never_reports_is_replaced_after_an_open_period() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    hung = subject.admit()
    clock.advance(60.0)
    replacement = subject.admit()
    assert replacement.probe
    subject.record(hung, OK)  # late: ignored
    assert state(subject) is CircuitState.HALF_OPEN
    subject.record(replacement, OK)
    assert state(subject) is CircuitState.CLOSED


def test_late_results_of_calls_started_before_the_break_are_ignored() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    slow = subject.admit()
    fail(subject, 5)
    subject.record(slow, OK)  # must not close an open breaker
    assert state(subject) is CircuitState.OPEN
    clock.advance(60.0)
    call(subject, OK)
    late = subject.admit()
    fail(subject, 4)
    subject.record(slow, FAIL)  # from an old epoch: must not count as the 5th failure
    assert state(subject) is CircuitState.CLOSED
    subject.record(late, FAIL)
    assert state(subject) is CircuitState.OPEN


def test_an_interrupt_during_the_probe_frees_the_probe() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        subject.call(interrupted, classify=outcome_of)
    assert subject.admit().probe


def test_exceptions_are_classified_and_reraised() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock, failure_threshold=1)

    def boom() -> None:
        raise OSError("reset")

    with pytest.raises(OSError, match="reset"):
        subject.call(boom, classify=outcome_of)
    assert state(subject) is CircuitState.OPEN


def test_disabled_breaker_lets_everything_through_and_counts_nothing() -> None:
    clock = FakeClock()
    subject, events = breaker(clock, enabled=False)
    fail(subject, 50)
    assert state(subject) is CircuitState.CLOSED
    assert events == []


def test_waiting_caller_sleeps_until_the_probe_and_becomes_it() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(20.0)
    result = subject.call(
        lambda: OK,
        classify=outcome_of,
        deadline=Deadline.after(300.0, clock=clock),
        wait_for_probe=True,
    )
    assert result is OK
    assert clock.sleeps == [pytest.approx(40.0)]
    assert state(subject) is CircuitState.CLOSED


def test_waiting_caller_fails_fast_when_the_probe_is_past_its_deadline() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    with pytest.raises(CircuitOpenError):
        subject.call(
            lambda: OK,
            classify=outcome_of,
            deadline=Deadline.after(30.0, clock=clock),
            wait_for_probe=True,
        )
    assert clock.sleeps == []


def test_without_wait_for_probe_a_deadline_does_not_make_it_wait() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    with pytest.raises(CircuitOpenError):
        subject.call(lambda: OK, classify=outcome_of, deadline=Deadline.never(clock=clock))


def test_waiting_caller_waits_for_another_threads_probe_verdict() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    probe_started, release_probe = threading.Event(), threading.Event()

    def probe_body() -> CallOutcome:
        probe_started.set()
        release_probe.wait(5)
        return OK

    prober = threading.Thread(target=lambda: call_with(subject, probe_body), daemon=True)
    prober.start()
    assert probe_started.wait(5)
    results: list[object] = []
    deadline = Deadline.after(300.0, clock=clock)
    waiter = threading.Thread(
        target=lambda: results.append(
            subject.call(
                lambda: "second", classify=lambda _: OK, deadline=deadline, wait_for_probe=True
            )
        ),
        daemon=True,
    )
    waiter.start()
    time.sleep(0.05)  # the waiter is parked on the condition, not spinning on fake time
    assert results == []
    release_probe.set()
    prober.join(5)
    waiter.join(5)
    assert results == ["second"]
    assert clock.sleeps == []


def test_waiting_for_a_probe_that_outlives_the_deadline_gives_up() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    subject.admit()  # a probe in flight that never reports
    deadline = Deadline.after(10.0, clock=clock)  # fixed before the waiter starts
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            subject.call(lambda: OK, classify=outcome_of, deadline=deadline, wait_for_probe=True)
        except CircuitOpenError as error:
            errors.append(error)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    time.sleep(0.02)
    clock.advance(11.0)
    waiter.join(5)
    assert len(errors) == 1


def call_with(subject: CircuitBreaker, body: Callable[[], CallOutcome]) -> None:
    subject.call(body, classify=outcome_of)


def test_a_failing_listener_is_logged_and_does_not_break_calls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    subject, events = breaker(clock, failure_threshold=1)

    def broken(_: BreakerEvent) -> None:
        raise RuntimeError("telemetry down")

    subject.add_listener(broken)
    call(subject, FAIL)
    assert state(subject) is CircuitState.OPEN
    assert len(events) == 1
    assert "breaker listener failed" in caplog.text


def test_events_carry_host_time_and_order() -> None:
    clock = FakeClock()
    subject, events = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    call(subject, OK)
    assert [event.seq for event in events] == [1, 2, 3]
    assert {event.host for event in events} == {"api.fabric.test"}
    assert events[1].at_s == pytest.approx(60.0)


def test_many_threads_never_admit_more_than_one_probe() -> None:
    clock = FakeClock()
    subject, _ = breaker(clock)
    fail(subject, 5)
    clock.advance(60.0)
    admitted: list[bool] = []
    barrier = threading.Barrier(16)

    def race() -> None:
        barrier.wait()
        with contextlib.suppress(CircuitOpenError):
            admitted.append(subject.admit().probe)

    threads = [threading.Thread(target=race, daemon=True) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert admitted == [True]


def test_registry_gives_one_breaker_per_host_and_shares_listeners() -> None:
    clock = FakeClock()
    registry = BreakerRegistry(BreakerOptions(failure_threshold=1), clock=clock)
    events: list[BreakerEvent] = []
    early = registry.for_host("API.fabric.test:443")
    registry.add_listener(events.append)
    assert registry.for_host("api.fabric.test:443") is early
    other = registry.for_host("login.test")
    assert other is not early
    call(early, FAIL)
    call(other, FAIL)
    assert [event.host for event in events] == ["api.fabric.test:443", "login.test"]
    assert registry.states() == {
        "api.fabric.test:443": CircuitState.OPEN,
        "login.test": CircuitState.OPEN,
    }


@pytest.mark.parametrize(
    "changes", [{"failure_threshold": 0}, {"open_duration_s": 0.0}], ids=["threshold", "period"]
)
def test_options_reject_nonsense(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BreakerOptions(**changes)  # type: ignore[arg-type]
