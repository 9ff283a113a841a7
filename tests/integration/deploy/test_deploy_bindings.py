"""``semantic_model_binding`` end to end: planned, bound after the create, then left alone.

The repository is ``binding_support``'s: three semantic models over the emulator's
default data sources.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from binding_support import (
    GATEWAY_ID,
    LAKE_ID,
    PARAMETERS,
    SQL_ID,
    UNKNOWN_ID,
    write_binding_repository,
)
from deploy_support import Project, make_project, plan_json, writes

from fabric_emulator.testing import RunningEmulator


@pytest.fixture
def project(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> Project:
    """The three models and the binding parameters, in place of the sample."""
    made = make_project(tmp_path, emulator, fabric, monkeypatch)
    shutil.rmtree(made.items)
    made.items.mkdir()
    write_binding_repository(made.items)
    return made


def _bound(project: Project, name: str) -> list[tuple[str, str | None]]:
    model_id = project.items_by_key()["SemanticModel", name]["id"]
    response = project.fabric.get(
        f"/v1/workspaces/{project.workspace_id}/items/{model_id}/connections"
    )
    assert response.status_code == 200, response.text
    return [(r["connectionDetails"]["type"], r["id"]) for r in response.json()["value"]]


def _bind_path(project: Project, name: str) -> str:
    model_id = project.items_by_key()["SemanticModel", name]["id"]
    return f"/v1/workspaces/{project.workspace_id}/semanticModels/{model_id}/bindConnection"


def test_binds_new_models_then_redeploys_with_zero_writes(project: Project, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, log, _ = project.deploy("--report", str(report))
    assert code == 0
    assert _bound(project, "Sales Model") == [
        ("SQL", GATEWAY_ID),
        ("AzureDataLakeStorage", LAKE_ID),
    ]
    assert _bound(project, "Finance Model") == [("SQL", SQL_ID)]
    assert _bound(project, "Static Model") == []
    binds = [w for w in writes(log) if w[1].endswith("/bindConnection")]
    assert sorted(binds) == sorted(
        [("POST", _bind_path(project, "Sales Model"))] * 2
        + [("POST", _bind_path(project, "Finance Model"))]
    )
    items = {i["name"]: i for i in json.loads(report.read_text())["workspaces"][0]["items"]}
    assert [b["connection_id"] for b in items["Sales Model"]["bindings"]] == [
        GATEWAY_ID,
        LAKE_ID,
    ]
    kinds = [s["kind"] for s in items["Sales Model"]["steps"]]
    assert kinds == ["create-item", "bind-connection", "bind-connection"]
    assert f"({LAKE_ID})" in report.with_suffix(".md").read_text()

    code, log, _ = project.deploy()
    assert (code, writes(log)) == (0, [])
    reads = [e["path"] for e in log if e["path"].startswith("/v1/")]
    assert reads.count("/v1/connections") == 1


def test_a_changed_binding_makes_exactly_its_bind(project: Project, tmp_path: Path) -> None:
    assert project.deploy()[0] == 0
    parameters = project.items / "parameter.yml"
    parameters.write_text(PARAMETERS.replace(f'DEV: "{SQL_ID}"', f'DEV: "{GATEWAY_ID}"'))

    plan = tmp_path / "plan.json"
    code, log, _ = project.deploy("--dry-run", "--plan-out", str(plan))
    assert (code, writes(log)) == (0, [])
    items = {i["name"]: i for i in plan_json(plan)["workspaces"][0]["items"]}
    assert items["Finance Model"]["action"] == "unchanged"
    assert [(b["connection_id"], b["bound_to"]) for b in items["Finance Model"]["bindings"]] == [
        (GATEWAY_ID, SQL_ID)
    ]
    assert items["Sales Model"]["bindings"] == []
    assert plan_json(plan)["workspaces"][0]["warnings"] == [
        "SemanticModel/Static Model has no data source references; semantic_model_binding "
        "skipped (nothing to bind)"
    ]
    assert f"to 'Emulator SQL (gateway)' ({GATEWAY_ID})" in (tmp_path / "plan.md").read_text()

    code, log, _ = project.deploy("--plan", str(plan))
    assert code == 0
    assert writes(log) == [("POST", _bind_path(project, "Finance Model"))]
    assert _bound(project, "Finance Model") == [("SQL", GATEWAY_ID)]
    assert (project.deploy()[0], writes(project.deploy()[1])) == (0, [])


def test_an_unknown_connection_id_stops_the_deploy_at_its_line(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    parameters = project.items / "parameter.yml"
    parameters.write_text(PARAMETERS.replace(LAKE_ID, UNKNOWN_ID))
    code, log, _ = project.deploy()
    assert (code, writes(log)) == (2, [])
    err = capsys.readouterr().err
    assert f"{parameters.as_posix()}:10" in err
    assert f"connection {UNKNOWN_ID} (semantic_model_binding of Sales Model)" in err
    assert "share the connection" in err


def test_an_unknown_default_id_is_reported_once_for_all_models(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    parameters = project.items / "parameter.yml"
    parameters.write_text(PARAMETERS.replace(SQL_ID, UNKNOWN_ID))
    code, log, _ = project.deploy("--dry-run")
    assert (code, writes(log)) == (2, [])
    err = capsys.readouterr().err
    assert err.count(UNKNOWN_ID) == 1
    assert f"{parameters.as_posix()}:4" in err
    assert "(semantic_model_binding of Finance Model, Static Model)" in err


def test_a_connection_for_another_data_source_fails_loudly(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert project.deploy()[0] == 0
    capsys.readouterr()
    parameters = project.items / "parameter.yml"
    parameters.write_text(PARAMETERS.replace(f'DEV: "{SQL_ID}"', f'DEV: "{LAKE_ID}"'))
    plan = tmp_path / "plan.json"
    report = tmp_path / "report.json"
    code, log, _ = project.deploy("--plan-out", str(plan), "--report", str(report))
    assert code != 0
    warnings = plan_json(plan)["workspaces"][0]["warnings"]
    assert any("Finance Model: connection" in w and "matches none" in w for w in warnings)
    assert writes(log) == [("POST", _bind_path(project, "Finance Model"))]
    items = {i["name"]: i for i in json.loads(report.read_text())["workspaces"][0]["items"]}
    finance = items["Finance Model"]
    assert finance["status"] == "failed"
    assert "BindConnectionDetailNotFound" in finance["errors"][0]
    assert finance["request_ids"]
    assert _bound(project, "Finance Model") == [("SQL", SQL_ID)]
    # The plan's warning reaches the log (a CI annotation) and the job summary too.
    stderr = capsys.readouterr().err
    assert "fabric-action: warning: " in stderr and "Finance Model: connection" in stderr
    summary = report.with_suffix(".md").read_text()
    assert "> warning: SemanticModel/Finance Model: connection" in summary


def test_a_saved_plan_skips_a_bind_made_since(project: Project, tmp_path: Path) -> None:
    assert project.deploy()[0] == 0
    parameters = project.items / "parameter.yml"
    parameters.write_text(PARAMETERS.replace(f'DEV: "{SQL_ID}"', f'DEV: "{GATEWAY_ID}"'))
    plan = tmp_path / "plan.json"
    assert project.deploy("--dry-run", "--plan-out", str(plan))[0] == 0
    # Someone (or an interrupted run) binds it before the plan is applied.
    details = {"type": "SQL", "path": "emulator-sql.database.windows.net;SalesDb"}
    body = {
        "connectionBinding": {
            "id": GATEWAY_ID,
            "connectivityType": "OnPremisesGateway",
            "connectionDetails": details,
        }
    }
    assert project.fabric.post(_bind_path(project, "Finance Model"), json=body).status_code == 200
    code, log, _ = project.deploy("--plan", str(plan))
    assert (code, writes(log)) == (0, [])
    assert _bound(project, "Finance Model") == [("SQL", GATEWAY_ID)]
