import ast
from pathlib import Path

import fabric_action.reliability


def test_reliability_package_exports_exactly_this_list() -> None:
    assert fabric_action.reliability.__all__ == [
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
    for name in fabric_action.reliability.__all__:
        module = getattr(fabric_action.reliability, name).__module__
        assert module.startswith("fabric_action.reliability._")


def test_reliability_imports_nothing_of_fabric() -> None:
    package = Path(fabric_action.reliability.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("fabric_action.fabric"), source
                assert "requests" not in node.module, source
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in {"requests", "urllib3"}, source
