"""Seeded, deterministic fault injection per route pattern."""

from __future__ import annotations

import math
import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from fabric_emulator._router import split_path

_TRANSIENT_STATUSES = (500, 502, 503, 504)


class LroOutcome(StrEnum):
    """How a long-running operation ends when a fault rule says so."""

    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    UNDEFINED = "Undefined"


class Injected(StrEnum):
    """What a fault rule did to one request (recorded in the request log)."""

    THROTTLED = "throttled"
    QUOTA = "quota"
    ERROR = "error"
    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"
    LATENCY = "latency"


@dataclass(kw_only=True)
class FaultRule:
    """One fault rule; rates are probabilities in [0, 1] drawn from the rule's own RNG.

    Attributes:
        route: Path pattern; ``*`` matches one segment, ``**`` any number (default ``/**``).
        methods: HTTP methods the rule applies to (default: all).
        latency_ms: Real delay before answering, in milliseconds (default 0).
        throttle_rate: Share of requests answered 429 ``RequestBlocked`` (default 0).
        retry_after_s: ``Retry-After`` of an injected 429, whole seconds (default 1).
        error_rate: Share answered with one of ``error_statuses`` (default 0).
        error_statuses: Statuses an injected error picks from (default 500/502/503/504).
        drop_before_rate: Share whose connection is closed before the change is applied.
        drop_after_rate: Share whose change is applied, then the connection closed.
        lro_running_s: Extra emulator seconds an LRO started by a matching request
            stays Running (default 0).
        lro_outcome: How such an LRO ends (default: succeeds).
        max_hits: Stop firing after this many injected faults (default: unlimited).
    """

    route: str = "/**"
    methods: list[str] | None = None
    latency_ms: int = 0
    throttle_rate: float = 0.0
    retry_after_s: int = 1
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: list(_TRANSIENT_STATUSES))
    drop_before_rate: float = 0.0
    drop_after_rate: float = 0.0
    lro_running_s: float = 0.0
    lro_outcome: LroOutcome = LroOutcome.SUCCEEDED
    max_hits: int | None = None

    def __post_init__(self) -> None:
        for name in ("throttle_rate", "error_rate", "drop_before_rate", "drop_after_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency_ms < 0 or self.retry_after_s < 0 or self.lro_running_s < 0:
            raise ValueError("latency_ms, retry_after_s and lro_running_s must be >= 0")
        if any(status < 400 or status > 599 for status in self.error_statuses):
            raise ValueError("error_statuses must be HTTP error statuses")
        self.lro_outcome = LroOutcome(self.lro_outcome)
        self._regex = _compile_route(self.route)

    def applies_to(self, method: str, path: str) -> bool:
        """Return whether this rule covers the request."""
        if self.methods and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return self._regex.match("/" + "/".join(split_path(path))) is not None

    def to_json(self) -> dict[str, Any]:
        """Describe the rule for the control API."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        """Build a rule from JSON, rejecting unknown keys with a clear message."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault rule keys {unknown}; known: {sorted(known)}")
        return cls(**data)


def _compile_route(pattern: str) -> re.Pattern[str]:
    parts = []
    for segment in split_path(pattern):
        if segment == "**":
            parts.append("(?:/[^/]+)*")
        elif segment == "*":
            parts.append("/[^/]+")
        else:
            parts.append("/" + re.escape(segment))
    return re.compile("^" + "".join(parts) + "/?$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class FaultDecision:
    """What to do to one request, decided before it reaches its handler."""

    latency_ms: int = 0
    status: int | None = None
    retry_after_s: int | None = None
    error_code: str | None = None
    drop_before: bool = False
    drop_after: bool = False
    lro_running_s: float = 0.0
    lro_outcome: LroOutcome = LroOutcome.SUCCEEDED
    injected: tuple[Injected, ...] = ()


@dataclass(kw_only=True)
class _RuleState:
    rule: FaultRule
    rng: random.Random
    hits: int = 0


class FaultPlan:
    """The active fault rules plus the optional per-identity quota.

    Each rule owns a ``random.Random`` seeded from the plan seed and its position, and
    draws a fixed number of values for every request it covers, so the same seed and the
    same request sequence always give the same faults.
    """

    def __init__(self, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rules: list[_RuleState] = []
        self._quota_per_minute: int | None = None
        self._quota_window_s = 60.0
        self._calls: dict[str, deque[float]] = {}

    def configure(
        self,
        rules: list[FaultRule],
        *,
        seed: int | None = None,
        quota_per_minute: int | None = None,
        quota_window_s: float = 60.0,
    ) -> None:
        """Replace every rule (and the quota) and restart the random sequences."""
        if quota_per_minute is not None and quota_per_minute < 1:
            raise ValueError("quota_per_minute must be >= 1 (or null to turn it off)")
        with self._lock:
            if seed is not None:
                self._seed = seed
            self._rules = [
                _RuleState(rule=rule, rng=random.Random(f"{self._seed}:{index}"))
                for index, rule in enumerate(rules)
            ]
            self._quota_per_minute = quota_per_minute
            self._quota_window_s = quota_window_s
            self._calls = {}

    def clear(self) -> None:
        """Remove every rule and the quota."""
        self.configure([], quota_per_minute=None)

    def decide(self, method: str, path: str) -> FaultDecision:
        """Draw this request's faults from every matching rule, first match wins per kind."""
        with self._lock:
            latency = 0
            status: int | None = None
            retry_after: int | None = None
            error_code: str | None = None
            drop_before = drop_after = False
            lro_running_s = 0.0
            lro_outcome = LroOutcome.SUCCEEDED
            injected: list[Injected] = []
            for state in self._rules:
                rule = state.rule
                if not rule.applies_to(method, path):
                    continue
                draws = [state.rng.random() for _ in range(4)]
                pick = state.rng.randrange(len(rule.error_statuses) or 1)
                exhausted = rule.max_hits is not None and state.hits >= rule.max_hits
                latency = max(latency, rule.latency_ms)
                lro_running_s = max(lro_running_s, rule.lro_running_s)
                if rule.lro_outcome is not LroOutcome.SUCCEEDED:
                    lro_outcome = rule.lro_outcome
                if exhausted or status is not None or drop_before or drop_after:
                    continue
                if draws[0] < rule.throttle_rate:
                    status, retry_after, error_code = 429, rule.retry_after_s, "RequestBlocked"
                    injected.append(Injected.THROTTLED)
                elif draws[1] < rule.error_rate:
                    status = rule.error_statuses[pick]
                    error_code = "InternalServerError" if status == 500 else "ServiceUnavailable"
                    injected.append(Injected.ERROR)
                elif draws[2] < rule.drop_before_rate:
                    drop_before = True
                    injected.append(Injected.DROP_BEFORE)
                elif draws[3] < rule.drop_after_rate:
                    drop_after = True
                    injected.append(Injected.DROP_AFTER)
                else:
                    continue
                state.hits += 1
            if latency:
                injected.append(Injected.LATENCY)
            return FaultDecision(
                latency_ms=latency,
                status=status,
                retry_after_s=retry_after,
                error_code=error_code,
                drop_before=drop_before,
                drop_after=drop_after,
                lro_running_s=lro_running_s,
                lro_outcome=lro_outcome,
                injected=tuple(injected),
            )

    def check_quota(self, identity_key: str, now_s: float) -> int | None:
        """Count a call against the identity's sliding window; return Retry-After if over."""
        with self._lock:
            if self._quota_per_minute is None:
                return None
            window = self._calls.setdefault(identity_key, deque())
            while window and window[0] <= now_s - self._quota_window_s:
                window.popleft()
            if len(window) >= self._quota_per_minute:
                return max(1, math.ceil(window[0] + self._quota_window_s - now_s))
            window.append(now_s)
            return None

    def to_json(self) -> dict[str, Any]:
        """Describe the plan for the control API."""
        with self._lock:
            return {
                "seed": self._seed,
                "quota_per_minute": self._quota_per_minute,
                "quota_window_s": self._quota_window_s,
                "rules": [{**state.rule.to_json(), "hits": state.hits} for state in self._rules],
            }


def fault_rule_fields() -> list[str]:
    """Return the names a fault rule accepts (for help texts)."""
    return [f.name for f in fields(FaultRule)]
