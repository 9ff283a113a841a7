"""Cross-workspace references (``$workspace.<name>...``) in ``fabric-action deploy``.

A copy of ``examples/sales-analytics`` (local environment) whose reporting model names
the engineering lakehouse's SQL endpoint across workspaces, with the reporting workspace
listed first in the config: the run deploys engineering first, and the model holds the
endpoint of the lakehouse it just created.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import finish, writes

from fabric_action.cli import main
from fabric_emulator.testing import RunningEmulator

pytestmark = pytest.mark.timeout(60)

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "sales-analytics"
ENGINEERING = "Sales Engineering (local)"
STAND_IN = '"sales-engineering-local.datawarehouse.fabric.microsoft.com"'


def _copy_example(tmp_path: Path, endpoint_value: str) -> Path:
    root = tmp_path / "sales-analytics"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".env", ".fabric-action"))
    shutil.copy(root / ".env.example", root / ".env")
    parameters = root / "workspaces" / "reporting" / "parameter.yml"
    text = parameters.read_text(encoding="utf-8")
    text = text.replace(STAND_IN, f'"{endpoint_value}"', 1)
    parameters.write_text(text, encoding="utf-8")
    config = root / "fabric-action.yml"
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    local = document["environments"]["local"]["workspaces"]
    # Reporting first: the run must still deploy engineering (which it references) first.
    document["environments"]["local"]["workspaces"] = {
        "reporting": local["reporting"],
        "engineering": local["engineering"],
    }
    document.pop("$schema", None)
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _prepare(emulator: RunningEmulator, root: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("local_emulator", root / "local_emulator.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ids = module.prepare(emulator.base_url, str(emulator.ca_path), root / "fabric-action.yml")
    monkeypatch.setenv("FABRIC_ACTION_CLOUD", f"emulator:{emulator.base_url}")
    monkeypatch.setenv("FABRIC_ACTION_CLOUD_REDIRECT_URL", emulator.redirect_base_url)
    monkeypatch.setenv("FABRIC_ACTION_CA_BUNDLE", str(emulator.ca_path))
    for name in ("GITHUB_ACTIONS", "TF_BUILD", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return ids


def _deploy(emulator: RunningEmulator, root: Path) -> tuple[int, list[dict[str, Any]]]:
    log = emulator.requests_log()
    mark = int(log[-1]["seq"]) if log else 0
    config = str(root / "fabric-action.yml")
    code = main(["deploy", "--config", config, "--environment", "local"])
    return code, emulator.requests_log(since=mark)


def _item_id(emulator: RunningEmulator, workspace_id: str, item_type: str, name: str) -> str:
    items = emulator.state()["fabric"]["items"].values()
    return str(
        next(
            i["id"]
            for i in items
            if (i["workspace_id"], i["type"], i["display_name"]) == (workspace_id, item_type, name)
        )
    )


def test_model_reads_the_sql_endpoint_of_a_lakehouse_in_another_workspace(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = f"$workspace.{ENGINEERING}.$items.Lakehouse.lh_sales.$sqlendpoint"
    root = _copy_example(tmp_path, reference)
    ids = _prepare(emulator, root, monkeypatch)

    code, log = _deploy(emulator, root)
    assert code == 0
    lakehouse_id = _item_id(emulator, ids["engineering"], "Lakehouse", "lh_sales")
    lakehouse = fabric.get(f"/v1/workspaces/{ids['engineering']}/lakehouses/{lakehouse_id}")
    endpoint = lakehouse.json()["properties"]["sqlEndpointProperties"]["connectionString"]
    assert endpoint
    model_id = _item_id(emulator, ids["reporting"], "SemanticModel", "Sales Analytics")
    response = fabric.post(f"/v1/workspaces/{ids['reporting']}/items/{model_id}/getDefinition")
    parts = {
        p["path"]: base64.b64decode(p["payload"]).decode("utf-8")
        for p in finish(fabric, response)["definition"]["parts"]
    }
    assert f'"{endpoint}"' in parts["definition/expressions.tmdl"]
    # Engineering (referenced) was created before reporting, though listed after it.
    created = [e["path"] for e in log if e["method"] == "POST" and e["path"].endswith("/items")]
    workspaces = [re.search(r"/workspaces/([^/]+)/", path)[1] for path in created]  # type: ignore[index]
    assert workspaces.index(ids["reporting"]) > max(
        i for i, w in enumerate(workspaces) if w == ids["engineering"]
    )
    # One workspace listing per run, not one per reference.
    listings = [e for e in log if e["method"] == "GET" and e["path"] == "/v1/workspaces"]
    assert len(listings) == 1

    code, log = _deploy(emulator, root)
    assert (code, writes(log)) == (0, [])


def test_workspace_id_of_an_existing_workspace_outside_the_environment(
    tmp_path: Path, emulator: RunningEmulator, fabric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy_example(tmp_path, "$workspace.Shared Data.$id")
    ids = _prepare(emulator, root, monkeypatch)
    capacity = fabric.get("/v1/capacities").json()["value"][0]["id"]
    other = fabric.post(
        "/v1/workspaces", json={"displayName": "Shared Data", "capacityId": capacity}
    )
    assert other.status_code == 201, other.text

    assert _deploy(emulator, root)[0] == 0
    model_id = _item_id(emulator, ids["reporting"], "SemanticModel", "Sales Analytics")
    response = fabric.post(f"/v1/workspaces/{ids['reporting']}/items/{model_id}/getDefinition")
    parts = finish(fabric, response)["definition"]["parts"]
    text = next(
        base64.b64decode(p["payload"]).decode("utf-8")
        for p in parts
        if p["path"] == "definition/expressions.tmdl"
    )
    assert f'"{other.json()["id"]}"' in text


def test_a_missing_workspace_is_named_with_the_visible_ones(
    tmp_path: Path,
    emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _copy_example(tmp_path, "$workspace.Nowhere.$items.Lakehouse.lh_sales.$sqlendpoint")
    _prepare(emulator, root, monkeypatch)
    code, log = _deploy(emulator, root)
    assert (code, writes(log)) == (2, [])
    err = capsys.readouterr().err
    assert "no workspace named 'Nowhere' is visible to the deploying identity" in err
    assert f"'{ENGINEERING}'" in err and "'Sales Reporting (local)'" in err
    assert err.count("find_replace[0]:") == 1, err
