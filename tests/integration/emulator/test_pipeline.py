"""The request pipeline over real HTTPS: control API, faults, errors, request log."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from fabric_emulator import Context
from fabric_emulator._http import Response
from fabric_emulator._router import Surface
from fabric_emulator._tokens import FABRIC_AUDIENCE, mint_access_token
from fabric_emulator.testing import RunningEmulator, running_emulator

TIMEOUT = (5.0, 10.0)


def _counter_routes(emulator: RunningEmulator) -> dict[str, int]:
    """Register a test-only mutating Fabric route that counts applied changes."""
    applied = {"count": 0}

    def bump(_: Context) -> Response:
        applied["count"] += 1
        return Response.json(201, {"count": applied["count"]})

    emulator.emulator.router.add("POST", "/v1/test/counter", bump, surface=Surface.FABRIC)
    return applied


def _token(emulator: RunningEmulator, *, lifetime_s: int = 3599) -> str:
    app = emulator.emulator.directory.apps[emulator.client_id]
    return mint_access_token(
        emulator.emulator.keys,
        issuer_base="https://sts.windows.net",
        tenant_id=emulator.emulator.directory.tenant_id,
        audience=FABRIC_AUDIENCE,
        object_id=app.object_id,
        app_id=app.client_id,
        now_epoch_s=emulator.emulator.clock.now(),
        lifetime_s=lifetime_s,
    )


def _post(emulator: RunningEmulator, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {_token(emulator)}"}
    return emulator.session.post(
        emulator.base_url + path, headers=headers, timeout=TIMEOUT, **kwargs
    )


def test_health_and_common_headers(emulator: RunningEmulator) -> None:
    response = emulator.session.get(emulator.base_url + "/_emulator/health", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["RequestId"]


def test_unknown_path_is_entity_not_found_with_error_header(emulator: RunningEmulator) -> None:
    response = emulator.session.get(emulator.base_url + "/v1/nowhere", timeout=TIMEOUT)
    assert response.status_code == 404
    body = response.json()
    assert body["errorCode"] == "EntityNotFound"
    assert body["requestId"] == response.headers["RequestId"]
    assert response.headers["x-ms-public-api-error-code"] == "EntityNotFound"


def test_wrong_method_is_405_with_allow(emulator: RunningEmulator) -> None:
    response = emulator.session.delete(emulator.base_url + "/_emulator/health", timeout=TIMEOUT)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"


def test_fabric_route_requires_a_token(emulator: RunningEmulator) -> None:
    _counter_routes(emulator)
    response = emulator.session.post(emulator.base_url + "/v1/test/counter", timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.headers["x-ms-public-api-error-code"] == "TokenIsMissing"


def test_injected_throttle_carries_retry_after_and_request_blocked(
    emulator: RunningEmulator,
) -> None:
    applied = _counter_routes(emulator)
    emulator.set_faults([{"route": "/v1/test/**", "throttle_rate": 1.0, "retry_after_s": 7}])
    response = _post(emulator, "/v1/test/counter")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["errorCode"] == "RequestBlocked"
    assert applied["count"] == 0
    entry = emulator.requests_log()[-1]
    assert entry["injected"] == ["throttled"] and entry["retry_after"] == "7"


def test_drop_before_applies_nothing_and_drop_after_applies_the_change(
    emulator: RunningEmulator,
) -> None:
    applied = _counter_routes(emulator)
    emulator.set_faults([{"route": "/v1/test/counter", "drop_before_rate": 1.0}])
    with pytest.raises(requests.ConnectionError):
        _post(emulator, "/v1/test/counter")
    assert applied["count"] == 0
    emulator.set_faults([{"route": "/v1/test/counter", "drop_after_rate": 1.0}])
    with pytest.raises(requests.ConnectionError):
        _post(emulator, "/v1/test/counter")
    assert applied["count"] == 1
    counter_calls = [e for e in emulator.requests_log() if e["path"] == "/v1/test/counter"]
    assert [(e["status"], e["injected"]) for e in counter_calls] == [
        (0, ["drop_before"]),
        (0, ["drop_after"]),
    ]


def test_quota_throttles_per_identity_on_the_emulator_clock(emulator: RunningEmulator) -> None:
    _counter_routes(emulator)
    emulator.set_faults([], quota_per_minute=2)
    statuses = [_post(emulator, "/v1/test/counter").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    emulator.advance(61)
    assert _post(emulator, "/v1/test/counter").status_code == 201


def test_same_seed_gives_same_fault_sequence_over_http(emulator: RunningEmulator) -> None:
    _counter_routes(emulator)

    def run() -> list[int]:
        emulator.set_faults(
            [{"route": "/v1/test/counter", "throttle_rate": 0.3, "error_rate": 0.3}], seed=42
        )
        return [_post(emulator, "/v1/test/counter").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {429, 201} <= set(first)


def test_latency_is_applied(emulator: RunningEmulator) -> None:
    _counter_routes(emulator)
    emulator.set_faults([{"route": "/v1/**", "latency_ms": 300}])
    started = time.monotonic()
    assert _post(emulator, "/v1/test/counter").status_code == 201
    assert time.monotonic() - started >= 0.3


def test_stalled_server_trips_the_client_read_timeout(emulator: RunningEmulator) -> None:
    _counter_routes(emulator)
    emulator.set_faults([{"route": "/v1/**", "latency_ms": 1500}])
    with pytest.raises(requests.ReadTimeout):
        emulator.session.post(emulator.base_url + "/v1/test/counter", timeout=(2.0, 0.3))


def test_expired_token_after_clock_advance(emulator: RunningEmulator) -> None:
    _counter_routes(emulator)
    token = _token(emulator, lifetime_s=60)
    headers = {"Authorization": f"Bearer {token}"}
    url = emulator.base_url + "/v1/test/counter"
    assert emulator.session.post(url, headers=headers, timeout=TIMEOUT).status_code == 201
    emulator.advance(61)
    expired = emulator.session.post(url, headers=headers, timeout=TIMEOUT)
    assert expired.status_code == 401
    assert expired.headers["x-ms-public-api-error-code"] == "TokenExpired"


def test_control_api_validates_its_input(emulator: RunningEmulator) -> None:
    base = emulator.base_url + "/_emulator/"
    bad = [
        emulator.session.put(base + "faults", json={"rules": [{"oops": 1}]}, timeout=TIMEOUT),
        emulator.session.put(base + "faults", json={"bogus": 1}, timeout=TIMEOUT),
        emulator.session.post(base + "clock", json={"advance_s": -5}, timeout=TIMEOUT),
        emulator.session.post(base + "clock", json={"when": 1}, timeout=TIMEOUT),
        emulator.session.patch(base + "config", json={"nope": 1}, timeout=TIMEOUT),
        emulator.session.get(base + "requests?since=x", timeout=TIMEOUT),
        emulator.session.post(base + "seed", data="[1]", timeout=TIMEOUT),
        emulator.session.post(base + "seed", data="{not json", timeout=TIMEOUT),
    ]
    assert [r.status_code for r in bad] == [400] * len(bad)
    assert all(r.json()["errorCode"] in {"InvalidRequest"} for r in bad)


def test_control_api_round_trips(emulator: RunningEmulator) -> None:
    before = emulator.control("GET", "clock")["now_epoch_s"]
    assert emulator.control("POST", "clock", {"advance_s": 10})["now_epoch_s"] == before + 10
    assert emulator.control("PATCH", "config", {"page_size": 5})["page_size"] == 5
    assert emulator.control("GET", "config")["page_size"] == 5
    emulator.set_faults([{"error_rate": 0.5}], quota_per_minute=9)
    assert emulator.control("GET", "faults")["quota_per_minute"] == 9
    assert emulator.control("DELETE", "faults")["rules"] == []
    assert emulator.requests_log()
    emulator.control("DELETE", "requests")
    assert [e["path"] for e in emulator.requests_log()] == ["/_emulator/requests"]
    state = emulator.state()
    assert state["directory"]["tenant"] == "emulator"
    assert len(state["fabric"]["capacities"]) == 1
    emulator.control("POST", "reset")


def test_plain_http_listener() -> None:
    with running_emulator(tls=False) as plain:
        assert plain.base_url.startswith("http://")
        response = plain.session.get(plain.base_url + "/_emulator/health", timeout=TIMEOUT)
        assert response.status_code == 200
        assert plain.ca_path is None


def test_redirect_listener_serves_the_same_emulator(emulator: RunningEmulator) -> None:
    response = emulator.session.get(
        emulator.redirect_base_url + "/_emulator/health", timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert emulator.requests_log()[-1]["listener"] == "redirect"


def test_command_line_serves_https_and_prints_its_ca(tmp_path: Path) -> None:
    """``python -m fabric_emulator`` starts, prints where its CA is, and answers health."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fabric_emulator", "--port", "0", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        base_url = lines[0].rsplit(" ", 1)[-1].strip()
        ca_path = lines[2].split(":", 1)[1].strip()
        assert Path(ca_path).is_file()
        session = requests.Session()
        session.trust_env = False
        response = session.get(base_url + "/_emulator/health", verify=ca_path, timeout=TIMEOUT)
        assert response.status_code == 200
        session.close()
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()


def test_state_file_keeps_state_across_restarts(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with running_emulator(state_dir=tmp_path, state_file=state_file) as first:
        first.control("POST", "seed", {"fabric": {"capacities": {}}})
        first.emulator.save_state()
    assert json.loads(state_file.read_text())["fabric"]["capacities"] == {}
    with running_emulator(state_dir=tmp_path, state_file=state_file) as second:
        assert second.state()["fabric"]["capacities"] == {}


def test_faults_on_entra_routes_use_entra_error_bodies(emulator: RunningEmulator) -> None:
    emulator.set_faults(
        [{"route": "/*/oauth2/v2.0/token", "throttle_rate": 1.0, "retry_after_s": 3}]
    )
    response = emulator.session.post(
        f"{emulator.authority}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["error"] == "temporarily_unavailable"
    emulator.set_faults(
        [{"route": "/*/oauth2/v2.0/token", "error_rate": 1.0, "error_statuses": [500]}]
    )
    failed = emulator.session.post(
        f"{emulator.authority}/oauth2/v2.0/token", data={}, timeout=TIMEOUT
    )
    assert failed.status_code == 500 and failed.json()["error"] == "server_error"
