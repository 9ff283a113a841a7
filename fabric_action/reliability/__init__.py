"""Reliability building blocks that know nothing of Fabric: clock, retry, breaker, limits."""

from ._circuit_breaker import (
    Admission,
    BreakerEvent,
    BreakerOptions,
    BreakerRegistry,
    CallOutcome,
    CircuitBreaker,
    CircuitState,
)
from ._clock import Clock, FakeClock, SystemClock, wait_for_notify
from ._concurrency import AdaptiveConcurrencyLimit, ConcurrencyOptions, LimitSignal, Slot
from ._deadline import Deadline
from ._rate_limit import QuotaWindow, RateLimitOptions
from ._retry import Classification, Retrier, RetryEvent, RetryOptions, Verdict
from ._retry_after import parse_retry_after

__all__ = [
    "AdaptiveConcurrencyLimit",
    "Admission",
    "BreakerEvent",
    "BreakerOptions",
    "BreakerRegistry",
    "CallOutcome",
    "CircuitBreaker",
    "CircuitState",
    "Classification",
    "Clock",
    "ConcurrencyOptions",
    "Deadline",
    "FakeClock",
    "LimitSignal",
    "QuotaWindow",
    "RateLimitOptions",
    "Retrier",
    "RetryEvent",
    "RetryOptions",
    "Slot",
    "SystemClock",
    "Verdict",
    "parse_retry_after",
    "wait_for_notify",
]
