"""``deploy`` as a GitHub Action step and an Azure Pipelines step, against the emulator.

The CLI runs in-process with the variables the runner (or agent) sets: inputs as
``INPUT_<NAME>``, ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY`` files, or ``TF_BUILD`` and
``AGENT_TEMPDIRECTORY``. What the platform would read back is checked: the step outputs,
the job summary (the plan's Markdown for a dry run, the report's otherwise), and that the
client secret appears only in the mask command.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from deploy_support import make_project

from fabric_action.cli import main
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)

SECRET = "emulator-secret"
ITEMS = 7
FOLDERS = 3
SUMMARY_LINE = re.compile(
    r"sales/DEV: (?P<status>\w+), (?P<changes>\d+) changes \((?P<created>\d+) created, "
    r"(?P<updated>\d+) updated, (?P<deleted>\d+) deleted\), (?P<failed>\d+) failed, "
    r"(?P<drift>\d+) drifted"
)


def github_outputs(path: Path) -> dict[str, str]:
    """Read GITHUB_OUTPUT heredoc records (the unit tests prove the exact framing)."""
    text = path.read_text(encoding="utf-8")
    records = re.findall(r"^([\w-]+)<<(ghadelimiter_[0-9a-f-]+)\n(.*?)\n\2$", text, re.M | re.S)
    return {name: value for name, _, value in records}


def azure_outputs(stdout: str) -> dict[str, str]:
    pattern = r"^##vso\[task\.setvariable variable=([\w-]+);isOutput=true\](.*)$"
    return dict(re.findall(pattern, stdout, re.M))


def clear_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CONFIG", "ENVIRONMENT", "DRYRUN", "PLAN", "PLANOUT", "REPORT", "VERIFYLIVE"):
        monkeypatch.delenv(f"INPUT_{name}", raising=False)
    for name in ("WORKSPACE", "MANIFEST", "ALLOWDELETE"):
        monkeypatch.delenv(f"INPUT_{name}", raising=False)


def test_github_action_dry_run_then_apply_sets_outputs_and_summary(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    commands = tmp_path / "file_commands"
    commands.mkdir()
    clear_inputs(monkeypatch)
    monkeypatch.chdir(project.root)  # the Docker action's --workdir
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project.root))
    monkeypatch.setenv("INPUT_CONFIG", "fabric-action.yml")
    monkeypatch.setenv("INPUT_ENVIRONMENT", "DEV")

    # Step 1: a dry run that saves the plan.
    plan_output, plan_summary = commands / "set_output_1", commands / "step_summary_1"
    monkeypatch.setenv("GITHUB_OUTPUT", str(plan_output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(plan_summary))
    monkeypatch.setenv("INPUT_DRYRUN", "true")
    monkeypatch.setenv("INPUT_PLANOUT", "plan/dev.json")
    assert main(["deploy"]) == 0

    outputs = github_outputs(plan_output)
    assert {k: v for k, v in outputs.items() if k != "summary"} == {
        "status": "planned",
        "changes": str(ITEMS + FOLDERS),
        "created": str(ITEMS),
        "updated": "0",
        "deleted": "0",
        "failed": "0",
        "drift": "0",
        "plan": "plan/dev.json",
    }
    assert outputs["summary"] == (
        f"sales/DEV: planned, {ITEMS + FOLDERS} changes ({ITEMS} created, 0 updated, "
        "0 deleted), 0 failed, 0 drifted"
    )
    plan_md = (project.root / "plan/dev.md").read_text(encoding="utf-8")
    assert plan_summary.read_text(encoding="utf-8").rstrip("\n") == plan_md.rstrip("\n")
    assert plan_md.startswith("# fabric-action plan: sales / DEV")
    first_out = capsys.readouterr().out

    # Step 2: apply exactly that plan, with a report.
    apply_output, apply_summary = commands / "set_output_2", commands / "step_summary_2"
    monkeypatch.setenv("GITHUB_OUTPUT", str(apply_output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(apply_summary))
    monkeypatch.setenv("INPUT_DRYRUN", "false")
    monkeypatch.delenv("INPUT_PLANOUT")
    monkeypatch.setenv("INPUT_PLAN", "plan/dev.json")
    monkeypatch.setenv("INPUT_REPORT", "report/dev.json")
    assert main(["deploy"]) == 0

    outputs = github_outputs(apply_output)
    assert outputs["status"] == "succeeded"
    assert (outputs["changes"], outputs["created"], outputs["failed"]) == (
        str(ITEMS + FOLDERS),
        str(ITEMS),
        "0",
    )
    assert (outputs["report"], outputs["plan"]) == ("report/dev.json", "plan/dev.json")
    assert SUMMARY_LINE.fullmatch(outputs["summary"])
    report_md = (project.root / "report/dev.md").read_text(encoding="utf-8")
    assert apply_summary.read_text(encoding="utf-8").rstrip("\n") == report_md.rstrip("\n")
    assert "fabric-action deploy: sales / DEV" in report_md
    second_out = capsys.readouterr().out

    # The client secret is registered with the masker first, and appears nowhere else.
    for out in (first_out, second_out):
        assert out.startswith(f"::add-mask ::{SECRET}\n")
        assert out.count(SECRET) == 1
    for path in commands.iterdir():
        assert SECRET not in path.read_text(encoding="utf-8")


def test_github_action_failed_step_still_sets_outputs(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    clear_inputs(monkeypatch)
    output, summary = tmp_path / "set_output", tmp_path / "step_summary"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    emulator.set_faults(
        [
            {
                "route": "/v1/workspaces/*/**",
                "methods": ["POST"],
                "error_rate": 1.0,
                "error_statuses": [400],
            }
        ]
    )
    report = tmp_path / "report.json"

    code, _, _ = project.deploy("--report", str(report))

    assert code == 1
    outputs = github_outputs(output)
    document = json.loads(report.read_text(encoding="utf-8"))
    items = [i for w in document["workspaces"] for i in w["items"]]
    failed_items = [i for i in items if i["status"] in ("failed", "skipped")]
    failed_folders = [f for w in document["workspaces"] for f in w["folder_failures"]]
    assert outputs["status"] == "failed"
    assert outputs["failed"] == str(len(failed_items) + len(failed_folders)) != "0"
    assert outputs["created"] == "0"
    assert outputs["report"] == str(report)
    assert "— failed" in summary.read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert f"::error ::deploy failed: see {report}" in out


def test_azure_pipelines_step_sets_output_variables_and_uploads_the_summary(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    clear_inputs(monkeypatch)
    agent_temp = tmp_path / "agent_temp"
    agent_temp.mkdir()
    monkeypatch.setenv("TF_BUILD", "True")
    monkeypatch.setenv("AGENT_TEMPDIRECTORY", str(agent_temp))
    report = tmp_path / "report" / "dev.json"

    code, _, _ = project.deploy("--report", str(report))

    assert code == 0
    out, err = capsys.readouterr()
    outputs = azure_outputs(out)
    assert {k: v for k, v in outputs.items() if k != "summary"} == {
        "status": "succeeded",
        "changes": str(ITEMS + FOLDERS),
        "created": str(ITEMS),
        "updated": "0",
        "deleted": "0",
        "failed": "0",
        "drift": "0",
        "report": str(report),
    }
    assert SUMMARY_LINE.fullmatch(outputs["summary"])
    uploads = re.findall(r"^##vso\[task\.uploadsummary\](.*)$", out, re.M)
    assert len(uploads) == 1
    uploaded = Path(uploads[0])
    assert uploaded.parent == agent_temp
    assert uploaded.read_text(encoding="utf-8").rstrip("\n") == (
        report.with_suffix(".md").read_text(encoding="utf-8").rstrip("\n")
    )
    assert out.startswith(f"##vso[task.setsecret]{SECRET}\n")
    assert (out + err).count(SECRET) == 1
    assert SECRET not in uploaded.read_text(encoding="utf-8")
