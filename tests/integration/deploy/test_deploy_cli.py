"""``fabric-action deploy`` against the emulator, end to end through ``cli.main``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_support import WORKSPACE_NAME, finish, make_project, plan_json, writes

from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)

EXPECTED = {
    ("VariableLibrary", "vl_sales_settings"),
    ("Lakehouse", "lh_raw"),
    ("Environment", "env_spark"),
    ("Notebook", "nb_ingest_sales"),
    ("SemanticModel", "Sales Model"),
    ("Report", "Sales Report"),
    ("DataPipeline", "pl_daily_ingest"),
}


def test_deploys_the_sample_rewired_then_redeploys_with_zero_writes(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    report_path = tmp_path / "report.json"
    code, log, _ = project.deploy("--report", str(report_path))
    assert code == 0, report_path.read_text()
    items = project.items_by_key()
    assert set(items) == EXPECTED
    ids = {key: item["id"] for key, item in items.items()}
    ws = project.workspace_id

    notebook = project.definition(ids["Notebook", "nb_ingest_sales"])["notebook-content.py"]
    assert ids["Lakehouse", "lh_raw"] in notebook
    assert ids["Environment", "env_spark"] in notebook
    assert "abfss://landing@stsalesdev.dfs.core.windows.net/sales" in notebook
    assert "b13145dc-7c9e-4977-ac55-cdd908b70030" not in notebook
    pipeline = json.loads(
        project.definition(ids["DataPipeline", "pl_daily_ingest"])["pipeline-content.json"]
    )
    activity = pipeline["properties"]["activities"][0]["typeProperties"]
    assert activity["notebookId"] == ids["Notebook", "nb_ingest_sales"]
    assert activity["workspaceId"] == ws
    assert pipeline["properties"]["parameters"]["target_env"]["defaultValue"] == "dev"
    report = project.definition(ids["Report", "Sales Report"])
    reference = json.loads(report["definition.pbir"])["datasetReference"]
    assert reference["byConnection"]["pbiModelDatabaseName"] == ids["SemanticModel", "Sales Model"]
    lakehouse = fabric.get(f"/v1/workspaces/{ws}/lakehouses/{ids['Lakehouse', 'lh_raw']}").json()
    endpoint = lakehouse["properties"]["sqlEndpointProperties"]["connectionString"]
    assert lakehouse["properties"]["defaultSchema"] == "dbo"
    model = project.definition(ids["SemanticModel", "Sales Model"])
    assert f'Sql.Database("{endpoint}", "lh_raw")' in model["definition/tables/Sales.tmdl"]
    library = fabric.get(
        f"/v1/workspaces/{ws}/variableLibraries/{ids['VariableLibrary', 'vl_sales_settings']}"
    )
    assert library.json()["properties"]["activeValueSetName"] == "DEV"
    environment = fabric.get(f"/v1/workspaces/{ws}/environments/{ids['Environment', 'env_spark']}")
    assert environment.json()["properties"]["publishDetails"]["state"] == "Success"
    # Folders before items, an item after what it references, orphans none.
    created = [
        e["path"]
        for e in log
        if e["method"] == "POST" and e["path"].endswith(("/items", "/folders"))
    ]
    assert len(created) == 3 + 7
    # Creates that ran as operations find their item in a shared listing, not /result:
    # the only result fetched is the Environment publish's.
    results = [e for e in log if e["method"] == "GET" and e["path"].endswith("/result")]
    assert len(results) <= 1
    document = json.loads(report_path.read_text())
    assert {i["action"] for i in document["workspaces"][0]["items"]} == {"create"}
    assert all(i["status"] == "succeeded" and i["id"] for i in document["workspaces"][0]["items"])
    assert (tmp_path / "report.md").is_file()
    manifest = json.loads((project.root / ".fabric-action/manifest-DEV.json").read_text())
    assert set(manifest["workspaces"][ws]) == set(ids.values())

    code, log, _ = project.deploy()
    assert (code, writes(log)) == (0, [])
    code, log, _ = project.deploy("--verify-live", "--report", str(report_path))
    assert (code, writes(log)) == (0, [])
    assert json.loads(report_path.read_text())["workspaces"][0]["drift"] == []

    # One notebook changes: exactly its writes.
    source = project.items / "Ingestion/Raw/nb_ingest_sales.Notebook/notebook-content.py"
    source.write_text(source.read_text() + "\nprint('changed')\n")
    code, log, _ = project.deploy()
    assert code == 0
    notebook_id = ids["Notebook", "nb_ingest_sales"]
    assert writes(log) == [("POST", f"/v1/workspaces/{ws}/items/{notebook_id}/updateDefinition")]
    assert "print('changed')" in project.definition(notebook_id)["notebook-content.py"]


def test_drift_is_reported_with_verify_live(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    assert project.deploy()[0] == 0
    ws = project.workspace_id
    item_id = project.items_by_key()["Notebook", "nb_ingest_sales"]["id"]
    parts = [
        {
            "path": "notebook-content.py",
            "payloadType": "InlineBase64",
            "payload": "IyBGYWJyaWMgbm90ZWJvb2sgc291cmNlCnByaW50KDIpCg==",
        }
    ]
    edited = fabric.post(
        f"/v1/workspaces/{ws}/items/{item_id}/updateDefinition",
        json={"definition": {"parts": parts}},
    )
    finish(fabric, edited)
    # The manifest alone cannot see it; live comparison reports it and restores the item.
    code, log, _ = project.deploy()
    assert (code, writes(log)) == (0, [])
    report = tmp_path / "report.json"
    code, log, _ = project.deploy("--verify-live", "--report", str(report))
    assert code == 0
    drift = json.loads(report.read_text())["workspaces"][0]["drift"]
    assert [d["key"] for d in drift] == ["Notebook/nb_ingest_sales"]
    assert "drift: Notebook/nb_ingest_sales" in capsys.readouterr().err
    assert writes(log) == [("POST", f"/v1/workspaces/{ws}/items/{item_id}/updateDefinition")]


def test_saved_plan_applies_exactly_and_is_refused_when_stale(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    plan = tmp_path / "plan.json"
    code, log, _ = project.deploy("--dry-run", "--plan-out", str(plan))
    assert (code, writes(log)) == (0, [])
    assert "nb_ingest_sales" in (tmp_path / "plan.md").read_text()
    saved = plan_json(plan)
    assert {i["action"] for i in saved["workspaces"][0]["items"]} == {"create"}

    # The workspace changes (a folder appears): refused, nothing written.
    extra = fabric.post(
        f"/v1/workspaces/{project.workspace_id}/folders", json={"displayName": "Scratch"}
    )
    assert extra.status_code == 201
    code, log, _ = project.deploy("--plan", str(plan))
    assert (code, writes(log)) == (2, [])
    fabric.delete(f"/v1/workspaces/{project.workspace_id}/folders/{extra.json()['id']}")

    # The repository changes: refused.
    parameters = project.items / "parameter.yml"
    original = parameters.read_text()
    parameters.write_text(original.replace('"stsalesdev"', '"stsalesdev2"'))
    code, log, _ = project.deploy("--plan", str(plan))
    assert (code, writes(log)) == (2, [])
    parameters.write_text(original)

    code, log, _ = project.deploy("--plan", str(plan))
    assert code == 0
    assert {(i["type"], i["name"]) for i in saved["workspaces"][0]["items"]} == set(
        project.items_by_key()
    )
    assert len([w for w in writes(log) if w[1].endswith(("/items", "/folders"))]) == 10


def test_orphans_are_deleted_last_but_never_data_unless_allowed(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    ws = project.workspace_id
    folder = fabric.post(f"/v1/workspaces/{ws}/folders", json={"displayName": "Archive"}).json()[
        "id"
    ]
    for body in (
        {"displayName": "nb_old", "type": "Notebook", "folderId": folder},
        {"displayName": "lh_old", "type": "Lakehouse"},
    ):
        finish(fabric, fabric.post(f"/v1/workspaces/{ws}/items", json=body))
    report = tmp_path / "report.json"
    assert project.deploy("--report", str(report))[0] == 0
    remaining = project.items_by_key()
    assert ("Notebook", "nb_old") not in remaining
    assert ("Lakehouse", "lh_old") in remaining
    actions = {
        i["name"]: i["action"] for i in json.loads(report.read_text())["workspaces"][0]["items"]
    }
    assert actions["nb_old"] == "delete" and actions["lh_old"] == "keep-orphan"
    folders = {
        f["display_name"]
        for f in emulator.state()["fabric"]["folders"].values()
        if f["workspace_id"] == ws
    }
    assert "Archive" not in folders
    code, log, _ = project.deploy("--allow-delete", "Lakehouse")
    assert code == 0
    lakehouse_id = remaining["Lakehouse", "lh_old"]["id"]
    assert writes(log) == [("DELETE", f"/v1/workspaces/{ws}/items/{lakehouse_id}")]


def test_missing_workspace_is_a_config_error(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    fabric.delete(f"/v1/workspaces/{project.workspace_id}")
    code, log, _ = project.deploy()
    assert (code, writes(log)) == (2, [])
    assert f"workspace '{WORKSPACE_NAME}' (sales) does not exist" in capsys.readouterr().err


def test_a_source_id_no_rule_rewrites_stops_the_deploy_before_any_write(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    source_lakehouse = "b13145dc-7c9e-4977-ac55-cdd908b70030"  # a find_value of parameter.yml
    pipeline = project.items / "Orchestration/pl_daily_ingest.DataPipeline/pipeline-content.json"
    if not pipeline.is_file():
        pipeline = next(project.items.rglob("pipeline-content.json"))
    document = json.loads(pipeline.read_text(encoding="utf-8"))
    document["properties"]["description"] = f"reads lakehouse {source_lakehouse}"
    pipeline.write_text(json.dumps(document, indent=2), encoding="utf-8")
    # The find_replace rule names only notebooks, so the pipeline keeps the source id.
    parameters = (project.items / "parameter.yml").read_text(encoding="utf-8")
    assert source_lakehouse in parameters

    code, log, _ = project.deploy()
    err = capsys.readouterr().err
    assert (code, writes(log)) == (2, []), err
    line = next(
        number
        for number, text in enumerate(pipeline.read_text(encoding="utf-8").splitlines(), 1)
        if source_lakehouse in text
    )
    assert f"{pipeline.relative_to(project.root).as_posix()}:{line}" in err or (
        f"{pipeline.as_posix()}:{line}" in err
    ), err
    assert f"{source_lakehouse} is " in err and "no rule rewrites it" in err


def test_an_unknown_id_is_a_warning_annotated_at_its_line_and_the_deploy_goes_on(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path, emulator, fabric, monkeypatch)
    unknown = "5f0c7a52-2b8e-4d0c-9a51-7c0f3e1d2a44"  # of no workspace, rewritten by no rule
    notebook = next(project.items.rglob("notebook-content.py"))
    notebook.write_text(
        notebook.read_text(encoding="utf-8") + f"\n# table in {unknown}\n", encoding="utf-8"
    )
    line = notebook.read_text(encoding="utf-8").splitlines().index(f"# table in {unknown}") + 1
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project.root))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))

    code, log, _ = project.deploy()
    out = capsys.readouterr().out
    assert code == 0 and writes(log), out
    where = notebook.relative_to(project.root).as_posix()
    annotations = [text for text in out.splitlines() if text.startswith("::warning ")]
    assert any(
        text.startswith(f"::warning file={where},line={line}::") and unknown in text
        for text in annotations
    ), annotations
