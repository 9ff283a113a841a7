"""Reliability building blocks that know nothing of Fabric: clock, retry, breaker, limits."""

from ._clock import Clock, FakeClock, SystemClock

__all__ = ["Clock", "FakeClock", "SystemClock"]
