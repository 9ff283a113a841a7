"""``api.calls_per_minute`` against an emulator that enforces a per-identity quota.

The sample is deployed with the emulator's fault plan limiting the identity to 10 Fabric
calls per sliding minute. Paced to ``api.calls_per_minute: 10``, the deploy never meets
a 429; with ``api.calls_per_minute: 0`` (no pacing) it meets 429s and still succeeds
on Retry-After. No real minute passes: the emulator clock is frozen and every wait of
the client (quota pacing, Retry-After, LRO polls) moves it forward, once the requests
already let through have reached the emulator (:class:`QuotaClock`).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from attributes_support import session_on
from deploy_support import Project, make_project
from test_deploy_cli import EXPECTED

from fabric_action.auth import emulator_cloud
from fabric_action.config import load_config
from fabric_action.reliability import Deadline, FakeClock, QuotaWindow
from fabric_action.scenarios.deploy import DeployOptions, DeployResult, run_deploy
from fabric_action.scenarios.deploy._session import _pipeline_options
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)

QUOTA = 10
"""Fabric calls per minute the emulator allows the identity (fewer than a deploy makes)."""


class QuotaClock(FakeClock):
    """A fake clock that moves the frozen emulator clock as real time would move for both.

    Three differences from :class:`FakeClock` (and attributes_support's ``EmulatorClock``)
    keep the client's view of the quota exact:

    * Concurrent sleeps overlap, as real ones do: a sleep moves time to where it ends,
      unless another one already moved it further (FakeClock adds them up, so two
      threads that each reserved a start 61 s ahead would both start 122 s ahead, after
      the limiter had already let their slots go).
    * Before time jumps, every request the quota window let start has reached the
      emulator: a jump is instantaneous, so a request still on its way would arrive a
      whole jump later than the limiter recorded (in real time its trip is milliseconds,
      well inside the limiter's margin).
    * The emulator clock moves first, so no thread sees this clock move before the
      emulator's has.
    """

    _SETTLE_POLLS = 2500
    """Polls of 2 ms (5 s real at most) for started requests to reach the emulator."""

    def __init__(self, emulator: RunningEmulator) -> None:
        super().__init__()
        self._emulator = emulator
        self._moving = threading.Lock()
        self._counting = threading.Lock()
        self._started = 0
        self._since_seq = 0

    def watch(self, quota: QuotaWindow, *, since_seq: int) -> None:
        """Count the requests *quota* lets start; the emulator logs them after *since_seq*."""
        acquire = quota.acquire
        self._since_seq = since_seq

        def counted(deadline: Deadline) -> float:
            waited = acquire(deadline)
            with self._counting:
                self._started += 1
            return waited

        quota.acquire = counted  # type: ignore[method-assign]

    def _settle(self) -> None:
        """Return once every started request is in the emulator's log (or after 5 s)."""
        log = self._emulator.emulator.log
        for _ in range(self._SETTLE_POLLS):
            arrived = sum(e.path.startswith("/v1") for e in log.entries(since_seq=self._since_seq))
            with self._counting:
                if arrived >= self._started:
                    return
            time.sleep(0.002)  # real: waiting for another thread's request, not for time

    def sleep(self, seconds: float) -> None:
        """Move both clocks to the end of this sleep (if not there yet), without waiting."""
        wake_s = self.monotonic() + max(seconds, 0.0)
        with self._moving:
            ahead_s = wake_s - self.monotonic()
            if ahead_s > 0:
                self._settle()
                self._emulator.advance(ahead_s)
                self.advance(ahead_s)


def _emulator_now(emulator: RunningEmulator) -> float:
    return float(emulator.control("GET", "clock")["now_epoch_s"])


def _with_quota(project: Project, calls_per_minute: int) -> None:
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(
        text.replace(
            "environments:", f"api: {{calls_per_minute: {calls_per_minute}}}\nenvironments:", 1
        ),
        encoding="utf-8",
    )


def _deploy(project: Project, tmp_path: Path) -> tuple[DeployResult, list[dict[str, Any]], float]:
    """Deploy through the CLI's session on a :class:`QuotaClock` under the emulator quota.

    Returns:
        The result, the Fabric calls the emulator logged, and the emulator seconds spent.
    """
    emulator = project.emulator
    # Installed last: it also empties the quota window of the test's own setup calls.
    emulator.set_faults([], seed=1, quota_per_minute=QUOTA)
    began_s = _emulator_now(emulator)
    mark = project.mark()
    clock = QuotaClock(emulator)
    session = session_on(project, clock)
    assert session.client.pipeline.quota is not None
    clock.watch(session.client.pipeline.quota, since_seq=project.mark())
    try:
        result = run_deploy(session, DeployOptions(manifest_path=tmp_path / "manifest.json"))
    finally:
        session.close()
    spent_s = _emulator_now(emulator) - began_s
    emulator.set_faults([])
    log = [e for e in emulator.requests_log(since=mark) if e["path"].startswith("/v1/")]
    return result, log, spent_s


def _succeeded(project: Project, result: DeployResult) -> None:
    assert [outcome.failed for outcome in result.outcomes.values()] == [[]]
    assert set(project.items_by_key()) - {("SQLEndpoint", "lh_raw")} == EXPECTED


def test_paced_to_the_quota_the_deploy_meets_no_429(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    _with_quota(project, QUOTA)

    result, log, spent_s = _deploy(project, tmp_path)

    _succeeded(project, result)
    assert len(log) > QUOTA  # the quota matters: the deploy needs more than a minute's worth
    assert [e for e in log if e["status"] == 429] == []
    windows = (len(log) - 1) // QUOTA
    assert spent_s >= 60 * windows  # it waited, on the emulator's clock, for the window to move


def test_without_pacing_the_deploy_meets_429s_and_still_succeeds(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    _with_quota(project, 0)

    result, log, _ = _deploy(project, tmp_path)

    _succeeded(project, result)
    throttled = [e for e in log if e["status"] == 429]
    assert throttled
    assert {e["error_code"] for e in throttled} == {"RequestBlocked"}


def test_the_emulator_gets_the_same_pacing_as_fabric(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    cloud = emulator_cloud(emulator.base_url, emulator.redirect_base_url)
    config = load_config(project.config, "DEV", environ={})

    default = _pipeline_options(config, cloud).rate_limit
    _with_quota(project, 0)
    off = _pipeline_options(load_config(project.config, "DEV", environ={}), cloud).rate_limit

    assert (cloud.name, default.enabled, default.calls_per_minute) == ("emulator", True, 200)
    assert off.enabled is False
