"""The breaker against a ten-line reference model, over random call sequences (hypothesis)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from fabric_action.errors import CircuitOpenError
from fabric_action.reliability import (
    Admission,
    BreakerEvent,
    BreakerOptions,
    CallOutcome,
    CircuitBreaker,
    CircuitState,
    FakeClock,
)

THRESHOLD, PERIOD_S = 3, 60.0
ALLOWED_EDGES = {
    (CircuitState.CLOSED, CircuitState.OPEN),
    (CircuitState.OPEN, CircuitState.HALF_OPEN),
    (CircuitState.HALF_OPEN, CircuitState.CLOSED),
    (CircuitState.HALF_OPEN, CircuitState.OPEN),
}


class Model:
    """The specification, as plainly as it can be written."""

    def __init__(self) -> None:
        self.state, self.failures, self.until, self.epoch = "closed", 0, 0.0, 0

    def admit(self, now: float) -> tuple[int, bool] | None:
        if self.state == "closed":
            return (self.epoch, False)
        if now < self.until:
            return None  # open, or half-open with a live probe
        self.state, self.epoch, self.until = "half_open", self.epoch + 1, now + PERIOD_S
        return (self.epoch, True)

    def record(self, ticket: tuple[int, bool], outcome: str, now: float) -> None:
        if ticket[0] != self.epoch or (outcome == "ignored" and not ticket[1]):
            return
        if self.state == "closed":
            self.failures = self.failures + 1 if outcome == "failure" else 0
            if self.failures >= THRESHOLD:
                self.state, self.until, self.epoch = "open", now + PERIOD_S, self.epoch + 1
        elif outcome == "ignored":
            self.until = now
        elif outcome == "success":
            self.state, self.failures, self.epoch = "closed", 0, self.epoch + 1
        else:
            self.state, self.until, self.epoch = "open", now + PERIOD_S, self.epoch + 1


class BreakerMachine(RuleBasedStateMachine):
    calls = Bundle("calls")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.events: list[BreakerEvent] = []
        self.breaker = CircuitBreaker(
            "host",
            BreakerOptions(failure_threshold=THRESHOLD, open_duration_s=PERIOD_S),
            clock=self.clock,
            listeners=[self.events.append],
        )
        self.model = Model()
        self.live_probe: tuple[Admission, float] | None = None

    @rule(target=calls)
    def start_call(self) -> tuple[Admission, tuple[int, bool]] | None:
        now = self.clock.monotonic()
        state_before, open_until = self.breaker.state, self.model.until
        expected = self.model.admit(now)
        try:
            admission = self.breaker.admit()
        except CircuitOpenError as rejected:
            assert expected is None, "the breaker rejected what the model admits"
            assert rejected.retry_in_s > 0
            return None
        assert expected is not None, f"admitted while {state_before} (model says reject)"
        assert admission.probe == expected[1]
        if state_before is CircuitState.OPEN:  # nothing admitted while OPEN
            assert now >= open_until and admission.probe
        if admission.probe:  # one probe at a time (a silent one is replaced after a period)
            if self.live_probe is not None:
                assert now - self.live_probe[1] >= PERIOD_S - 1e-9
            self.live_probe = (admission, now)
        return (admission, expected)

    @rule(
        call=calls,
        outcome=st.sampled_from([CallOutcome.SUCCESS, CallOutcome.FAILURE, CallOutcome.IGNORED]),
    )
    def finish_call(
        self, call: tuple[Admission, tuple[int, bool]] | None, outcome: CallOutcome
    ) -> None:
        if call is None:
            return
        admission, ticket = call
        now = self.clock.monotonic()
        self.breaker.record(admission, outcome)
        self.model.record(ticket, outcome.value, now)
        if self.live_probe is not None and self.live_probe[0] == admission:
            self.live_probe = None

    @rule(seconds=st.sampled_from([0.5, 10.0, 30.0, 59.9, 60.0, 61.0]))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def same_state_as_the_model(self) -> None:
        assert self.breaker.state.value == self.model.state

    @invariant()
    def only_allowed_edges(self) -> None:
        for event in self.events:
            assert (event.old, event.new) in ALLOWED_EDGES
        for earlier, later in zip(self.events, self.events[1:], strict=False):
            assert earlier.new == later.old


BreakerMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
test_breaker_matches_reference_model = BreakerMachine.TestCase
