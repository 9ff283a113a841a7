"""``fabric-action deploy`` of the sample while the emulator loses responses and throttles.

20 % of POST responses are dropped after the change is applied and 20 % of all calls are
answered 429 with ``Retry-After: 1``. The CLI runs on the real clock and honours
Retry-After, so each throttle costs one real second; ``max_hits`` bounds the throttles
(and so the test's duration) while still hitting reads, creates and LRO polls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_support import make_project, writes
from test_deploy_cli import EXPECTED

from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)


def _failures(report: Path) -> list[Any]:
    """Return what failed, from the deploy report (for the assertion message)."""
    if not report.is_file():
        return ["no report written"]
    document = json.loads(report.read_text(encoding="utf-8"))
    return [
        (item["type"], item["name"], item["status"], item["errors"])
        for workspace in document["workspaces"]
        for item in workspace["items"]
        if item["status"] not in ("succeeded", "no-op")
    ] + [workspace["folder_failures"] for workspace in document["workspaces"]]


def test_first_deploy_under_faults_creates_each_item_once_then_redeploy_writes_nothing(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    emulator.set_faults(
        [
            {"route": "/v1/**", "methods": ["POST"], "drop_after_rate": 0.2},
            {"route": "/v1/**", "throttle_rate": 0.2, "retry_after_s": 1, "max_hits": 5},
        ],
        seed=7,
    )
    report = tmp_path / "report.json"
    code, log, seconds = project.deploy("--report", str(report))
    assert code == 0, _failures(report)
    injected = [name for entry in log for name in entry.get("injected") or ()]
    assert injected.count("throttled") == 5
    assert any(name != "throttled" for name in injected), injected  # responses were lost
    state = emulator.state()["fabric"]["items"].values()
    deployed = [
        (i["type"], i["display_name"])
        for i in state
        if i["workspace_id"] == project.workspace_id and i["type"] != "SQLEndpoint"
    ]
    assert sorted(deployed) == sorted(EXPECTED)  # each once: no duplicate after a lost response
    folders = [
        f
        for f in emulator.state()["fabric"]["folders"].values()
        if f["workspace_id"] == project.workspace_id
    ]
    assert len(folders) == len({(f.get("parent_folder_id"), f["display_name"]) for f in folders})

    emulator.set_faults([])
    code, log, _ = project.deploy()
    assert (code, writes(log)) == (0, [])
    assert seconds < 20
