"""Unit tests of the emulator core: clock, router, config, fault plan, request log."""

from __future__ import annotations

import pytest

from fabric_emulator import EmulatorClock, EmulatorConfig, FaultRule, Profile
from fabric_emulator._clock import format_fabric_timestamp
from fabric_emulator._faults import FaultPlan, Injected, LroOutcome
from fabric_emulator._http import Headers, Request, Response
from fabric_emulator._router import Router, Surface


def _ok(_: object) -> Response:
    return Response.json(200, {})


class TestClock:
    def test_frozen_clock_moves_only_when_advanced(self) -> None:
        clock = EmulatorClock(start_epoch_s=1000.0, scale=0.0)
        assert clock.now() == 1000.0
        assert clock.advance(59.5) == 1059.5
        assert clock.now() == 1059.5

    def test_never_moves_backwards(self) -> None:
        clock = EmulatorClock(start_epoch_s=10.0, scale=0.0)
        with pytest.raises(ValueError, match="forward"):
            clock.advance(-1)
        with pytest.raises(ValueError, match="scale"):
            clock.set_scale(-2)

    def test_scale_change_keeps_current_time(self) -> None:
        clock = EmulatorClock(start_epoch_s=500.0, scale=0.0)
        clock.set_scale(0.0)
        assert clock.now() == 500.0
        assert clock.snapshot() == {"now_epoch_s": 500.0, "scale": 0.0}
        assert clock.scale == 0.0
        assert clock.now_datetime().timestamp() == 500.0

    def test_fabric_timestamps_have_seven_digits_and_optional_zone(self) -> None:
        assert format_fabric_timestamp(0.25) == "1970-01-01T00:00:00.2500000Z"
        assert format_fabric_timestamp(0.25, with_zone=False) == "1970-01-01T00:00:00.2500000"


class TestRouter:
    def test_literal_segments_win_over_parameters(self) -> None:
        router = Router()
        router.add("GET", "/v1/workspaces/{workspaceId}", _ok, surface=Surface.FABRIC)
        router.add("GET", "/v1/workspaces/special", _ok, surface=Surface.CONTROL)
        found = router.lookup("GET", "/v1/workspaces/special")
        assert found.route is not None and found.route.surface is Surface.CONTROL
        found = router.lookup("GET", "/v1/workspaces/abc/")
        assert found.route is not None and found.params == {"workspaceId": "abc"}

    def test_literals_match_case_insensitively(self) -> None:
        router = Router()
        router.add(
            "PATCH", "/v1/workspaces/{ws}/VariableLibraries/{id}", _ok, surface=Surface.FABRIC
        )
        found = router.lookup("PATCH", "/v1/workspaces/w/variablelibraries/i")
        assert found.route is not None and found.params == {"ws": "w", "id": "i"}

    def test_wrong_method_reports_allowed_methods(self) -> None:
        router = Router()
        router.add("GET", "/x/{id}", _ok, surface=Surface.FABRIC)
        router.add("DELETE", "/x/{id}", _ok, surface=Surface.FABRIC)
        found = router.lookup("PUT", "/x/1")
        assert found.route is None and found.allowed_methods == {"GET", "DELETE"}
        assert router.lookup("GET", "/y").allowed_methods == frozenset()

    def test_mutating_defaults_from_method(self) -> None:
        router = Router()
        router.add("GET", "/a", _ok, surface=Surface.FABRIC)
        router.add("POST", "/b", _ok, surface=Surface.FABRIC)
        router.add("POST", "/c", _ok, surface=Surface.FABRIC, mutating=False)
        flags = {route.pattern: route.mutating for route in router.routes}
        assert flags == {"/a": False, "/b": True, "/c": False}


class TestHttp:
    def test_headers_are_case_insensitive_and_keep_spelling(self) -> None:
        headers = Headers({"Content-Type": "a"})
        headers["content-type"] = "b"
        assert headers["CONTENT-TYPE"] == "b"
        assert headers.to_dict() == {"content-type": "b"}
        del headers["Content-Type"]
        assert "content-type" not in headers and headers.get("x", "d") == "d"

    def test_query_flags_accept_any_case(self) -> None:
        request = Request(method="POST", path="/", query_string="updateMetadata=True&beta=FALSE")
        assert request.query_flag("updatemetadata") is True
        assert request.query_flag("beta") is False
        assert request.query_flag("absent") is False


class TestConfig:
    def test_updated_coerces_and_rejects(self) -> None:
        config = EmulatorConfig().updated({"profile": "realism", "page_size": "3"})
        assert config.profile is Profile.REALISM and config.page_size == 3 and config.realism
        with pytest.raises(ValueError, match="unknown emulator setting"):
            config.updated({"nope": 1})
        with pytest.raises(ValueError, match="boolean"):
            config.updated({"item_create_lro": "yes"})


class TestFaultPlan:
    def _sequence(self, seed: int) -> list[tuple[int | None, bool, bool]]:
        plan = FaultPlan(seed=seed)
        plan.configure(
            [FaultRule(route="/v1/**", throttle_rate=0.2, error_rate=0.2, drop_after_rate=0.2)]
        )
        decisions = [plan.decide("POST", f"/v1/workspaces/{n}/items") for n in range(200)]
        return [(d.status, d.drop_before, d.drop_after) for d in decisions]

    def test_same_seed_same_faults(self) -> None:
        assert self._sequence(7) == self._sequence(7)
        assert self._sequence(7) != self._sequence(8)

    def test_rates_are_roughly_honoured(self) -> None:
        sequence = self._sequence(1)
        throttled = sum(1 for status, _, _ in sequence if status == 429)
        assert 20 <= throttled <= 60

    def test_route_patterns_and_methods(self) -> None:
        rule = FaultRule(route="/v1/workspaces/*/items", methods=["post"])
        assert rule.applies_to("POST", "/v1/workspaces/abc/items/")
        assert not rule.applies_to("GET", "/v1/workspaces/abc/items")
        assert not rule.applies_to("POST", "/v1/workspaces/abc/items/def")
        assert FaultRule(route="/v1/**").applies_to("GET", "/v1/a/b/c")

    def test_max_hits_limits_injections(self) -> None:
        plan = FaultPlan()
        plan.configure([FaultRule(error_rate=1.0, error_statuses=[503], max_hits=2)])
        statuses = [plan.decide("GET", "/v1/x").status for _ in range(4)]
        assert statuses == [503, 503, None, None]
        assert plan.to_json()["rules"][0]["hits"] == 2

    def test_lro_outcome_and_latency_are_reported(self) -> None:
        plan = FaultPlan()
        plan.configure([FaultRule(latency_ms=5, lro_running_s=30, lro_outcome=LroOutcome.FAILED)])
        decision = plan.decide("POST", "/v1/workspaces/w/items")
        assert decision.lro_outcome is LroOutcome.FAILED and decision.lro_running_s == 30
        assert decision.injected == (Injected.LATENCY,)

    def test_invalid_rules_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="between 0 and 1"):
            FaultRule(error_rate=1.5)
        with pytest.raises(ValueError, match="HTTP error"):
            FaultRule(error_statuses=[200])
        with pytest.raises(ValueError, match="unknown fault rule keys"):
            FaultRule.from_json({"rate": 1})
        with pytest.raises(ValueError, match=">= 1"):
            FaultPlan().configure([], quota_per_minute=0)

    def test_quota_is_a_sliding_window_per_identity(self) -> None:
        plan = FaultPlan()
        plan.configure([], quota_per_minute=3)
        assert [plan.check_quota("a", t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
        assert plan.check_quota("a", 30.0) == 30
        assert plan.check_quota("b", 30.0) is None
        assert plan.check_quota("a", 60.5) is None
