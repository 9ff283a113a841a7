"""``examples/sales-analytics``: valid for every environment, and deployable as shipped.

The example's ``fabric-action.yml`` validates for ``dev`` and ``prod`` (with the
variables CI sets, here dummy GUIDs) and for ``local``; its parameter files pass
fabric-cicd 1.4.0's own validator; and ``fabric-action deploy --environment local``
puts exactly the repository's items, folders and per-environment values into two
workspaces of the emulator, then finds nothing left to write.

The example is copied to ``tmp_path`` (a deploy writes its manifest beside the config),
with ``.env`` made from ``.env.example`` and the emulator prepared by the example's
``local_emulator.py``, as its README tells a user to.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from fabric_action.cli import build_parser, main
from fabric_emulator import EmulatorConfig
from fabric_emulator.testing import RunningEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sales-analytics"
PIPELINES = (
    ROOT / "examples" / "github" / "deploy.yml",
    ROOT / "examples" / "azure-devops" / "azure-pipelines.yml",
)
CONFIG_TEXT = yaml.safe_load((EXAMPLE / "fabric-action.yml").read_text(encoding="utf-8"))
LOCAL = CONFIG_TEXT["environments"]["local"]
CI_VARIABLES = {
    "AZURE_TENANT_ID": "11111111-1111-4111-8111-111111111111",
    "AZURE_CLIENT_ID": "22222222-2222-4222-8222-222222222222",
    "FABRIC_DEV_CAPACITY_ID": "33333333-3333-4333-8333-333333333333",
    "FABRIC_PROD_CAPACITY_ID": "44444444-4444-4444-8444-444444444444",
}
CI_MARKERS = ("GITHUB_ACTIONS", "TF_BUILD", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})

# Item -> the workspace folder it lives in, per workspace key.
EXPECTED = {
    "engineering": {
        ("VariableLibrary", "vl_sales_settings"): "/Shared",
        ("Environment", "env_sales_spark"): "/Shared",
        ("Lakehouse", "lh_sales"): "/Ingestion/Bronze",
        ("Notebook", "nb_ingest_orders"): "/Ingestion/Bronze",
        ("Notebook", "nb_build_sales_model"): "/Transform/Silver",
        ("DataPipeline", "pl_sales_daily"): "/Orchestration",
    },
    "reporting": {
        ("SemanticModel", "Sales Analytics"): "/Models/Sales",
        ("Report", "Sales Overview"): "/Reports/Executive",
    },
}
SANDBOX_IDS = ("830b309f-f0ca-49f7-8be8-03812a666544", "76447a32-c264-4be9-87a7-e26a11c88ccc")


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """LRO polls answer with ``Retry-After: 0``: the CLI's real clock never waits."""
    return EmulatorConfig(lro_retry_after_s=0)


@pytest.fixture(autouse=True)
def outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as on a laptop: outputs to stdout, no runner files."""
    for name in (*CI_MARKERS, *CI_VARIABLES):
        monkeypatch.delenv(name, raising=False)


def writes(log: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return the write calls to Fabric (getDefinition is a POST that only reads)."""
    return [
        (entry["method"], entry["path"])
        for entry in log
        if entry["path"].startswith("/v1/")
        and entry["method"] in WRITE_METHODS
        and not entry["path"].endswith("/getDefinition")
    ]


def finish(fabric: Any, response: Any) -> Any:
    """Follow a 202 to its result."""
    if response.status_code != 202:
        assert response.status_code in (200, 201), response.text
        return response.json() if response.content else None
    location = response.headers["Location"]
    for _ in range(100):
        state = fabric.get(location)
        if state.json()["status"] == "Succeeded":
            result = state.headers.get("Location")
            return fabric.get(result).json() if result else None
        location = state.headers.get("Location", location)
    raise AssertionError("operation did not finish")


@dataclass
class Deployed:
    """One workspace of the emulator after the deploy: ids and folder paths of its items."""

    fabric: Any
    workspace_id: str
    ids: dict[tuple[str, str], str]
    folders: dict[tuple[str, str], str]

    def parts(self, key: tuple[str, str]) -> dict[str, str]:
        """``getDefinition`` of an item, as ``{path: text}``."""
        response = self.fabric.post(
            f"/v1/workspaces/{self.workspace_id}/items/{self.ids[key]}/getDefinition"
        )
        body = finish(self.fabric, response)
        return {
            p["path"]: base64.b64decode(p["payload"]).decode("utf-8")
            for p in body["definition"]["parts"]
        }


def read_workspace(emulator: RunningEmulator, fabric: Any, workspace_id: str) -> Deployed:
    """Read the emulator's state of one workspace."""
    state = emulator.state()["fabric"]
    folders = {f["id"]: f for f in state["folders"].values() if f["workspace_id"] == workspace_id}

    def path(folder_id: str | None) -> str:
        if not folder_id:
            return ""
        folder = folders[folder_id]
        return f"{path(folder.get('parent_folder_id'))}/{folder['display_name']}"

    items = [i for i in state["items"].values() if i["workspace_id"] == workspace_id]
    # The SQL analytics endpoint a lakehouse brings along is Fabric's, not the repository's.
    items = [i for i in items if i["type"] != "SQLEndpoint"]
    return Deployed(
        fabric=fabric,
        workspace_id=workspace_id,
        ids={(i["type"], i["display_name"]): i["id"] for i in items},
        folders={(i["type"], i["display_name"]): path(i.get("folder_id")) for i in items},
    )


def load_local_emulator() -> ModuleType:
    """Import ``examples/sales-analytics/local_emulator.py`` (not a package)."""
    spec = importlib.util.spec_from_file_location("local_emulator", EXAMPLE / "local_emulator.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cli(*arguments: str) -> int:
    return main(list(arguments))


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_dev_and_prod_validate_with_the_variables_ci_sets(
    environment: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(EXAMPLE / "fabric-action.yml")
    assert run_cli("validate", "--config", config, "--environment", environment) == 2
    missing = capsys.readouterr().err
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", f"FABRIC_{environment.upper()}_CAPACITY_ID"):
        assert f"environment variable {name} is not set" in missing

    for name, value in CI_VARIABLES.items():
        monkeypatch.setenv(name, value)
    assert run_cli("validate", "--config", config, "--environment", environment) == 0
    out = capsys.readouterr().out
    assert f"valid for environment '{environment}' (tier {environment}, 2 workspaces)" in out
    assert "valid=true" in out


def test_parameter_files_pass_fabric_cicd_validation(fabric_cicd: ModuleType) -> None:
    from fabric_cicd._parameter._utils import validate_parameter_file  # noqa: PLC0415

    for workspace in ("engineering", "reporting"):
        for environment in CONFIG_TEXT["environments"]:
            assert validate_parameter_file(
                str(EXAMPLE / "workspaces" / workspace), environment=environment
            ), (workspace, environment)


def _scripts(node: Any) -> list[str]:
    """Every shell script of a workflow or pipeline (``run``, ``script``, ``inlineScript``)."""
    if isinstance(node, list):
        return [text for value in node for text in _scripts(value)]
    if not isinstance(node, dict):
        return []
    found = [v for k, v in node.items() if k in ("run", "script", "inlineScript")]
    return found + [t for k, v in node.items() if k not in ("run", "script") for t in _scripts(v)]


def test_pipelines_use_only_action_inputs_and_cli_options_that_exist() -> None:
    inputs = set(yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"])
    parser = build_parser()
    commands = []
    for pipeline in PIPELINES:
        document = yaml.safe_load(pipeline.read_text(encoding="utf-8"))
        steps = [step for job in document.get("jobs", {}).values() for step in job["steps"]]
        for step in steps:
            if step.get("uses", "").startswith("contoso/fabric-action@"):
                assert set(step["with"]) <= inputs, step
                commands.append(f"fabric-action {step['with']['command']}")
        for script in _scripts(document):
            joined = re.sub(r"\\\n\s*", " ", script)
            commands += [line.strip() for line in joined.splitlines() if "fabric-action " in line]
    commands = [c for c in commands if c.startswith("fabric-action ")]
    assert len(commands) == 2 + 2 + 5  # action steps, GitHub run steps, Azure DevOps scripts
    for command in commands:
        parser.parse_args(shlex.split(re.sub(r"\$\((\w|\.)+\)", "X", command))[1:])


def test_local_deploys_both_workspaces_into_the_emulator_then_writes_nothing(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The repository as a user has it: the example, `cp .env.example .env`, git.
    root = tmp_path / "sales-analytics"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".env", ".fabric-action"))
    shutil.copy(root / ".env.example", root / ".env")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    ignored = subprocess.run(
        ["git", "-C", str(root), "check-ignore", ".env", ".fabric-action/manifest-local.json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout.split() == [".env", ".fabric-action/manifest-local.json"]
    config = str(root / "fabric-action.yml")

    # The emulator, prepared as the README says: the app under the local environment's
    # client id, the two workspaces on its capacity (created over REST; deploy needs them).
    workspace_ids = load_local_emulator().prepare(emulator.base_url, str(emulator.ca_path))
    assert set(workspace_ids) == set(EXPECTED)
    assert workspace_ids == load_local_emulator().prepare(emulator.base_url, str(emulator.ca_path))
    directory = emulator.state()["directory"]
    assert LOCAL["auth"]["client_id"] in directory["apps"]
    monkeypatch.setenv("FABRIC_ACTION_CLOUD", f"emulator:{emulator.base_url}")
    monkeypatch.setenv("FABRIC_ACTION_CLOUD_REDIRECT_URL", emulator.redirect_base_url)
    monkeypatch.setenv("FABRIC_ACTION_CA_BUNDLE", str(emulator.ca_path))

    assert run_cli("validate", "--config", config, "--environment", "local", "--show") == 0
    shown = capsys.readouterr().out
    assert "*** (secret fabric-client-secret, source: .env" in shown
    assert "emulator-secret" not in shown

    def deploy(*extra: str) -> tuple[int, list[dict[str, Any]]]:
        log = emulator.requests_log()
        mark = int(log[-1]["seq"]) if log else 0
        code = run_cli("deploy", "--config", config, "--environment", "local", *extra)
        return code, emulator.requests_log(since=mark)

    # A dry run plans every item of both workspaces and writes nothing.
    plan = tmp_path / "plan" / "local.json"
    code, log = deploy("--dry-run", "--plan-out", str(plan))
    assert (code, writes(log)) == (0, [])
    planned = json.loads(plan.read_text(encoding="utf-8"))["workspaces"]
    assert {w["key"]: {(i["type"], i["name"]) for i in w["items"]} for w in planned} == {
        key: set(items) for key, items in EXPECTED.items()
    }

    report = tmp_path / "report" / "local.json"
    code, log = deploy("--report", str(report))
    assert code == 0, report.read_text(encoding="utf-8")
    outcome = json.loads(report.read_text(encoding="utf-8"))
    assert outcome["status"] == "succeeded"
    assert {i["action"] for w in outcome["workspaces"] for i in w["items"]} == {"create"}

    engineering = read_workspace(emulator, fabric, workspace_ids["engineering"])
    reporting = read_workspace(emulator, fabric, workspace_ids["reporting"])
    assert engineering.folders == EXPECTED["engineering"]
    assert reporting.folders == EXPECTED["reporting"]
    eng, ids = engineering.workspace_id, engineering.ids

    # Notebooks: the deployed lakehouse, workspace and Spark environment; local Key Vault.
    for name in ("nb_ingest_orders", "nb_build_sales_model"):
        notebook = engineering.parts(("Notebook", name))["notebook-content.py"]
        assert f'"default_lakehouse": "{ids["Lakehouse", "lh_sales"]}"' in notebook
        assert f'"default_lakehouse_workspace_id": "{eng}"' in notebook
        assert f'"environmentId": "{ids["Environment", "env_sales_spark"]}"' in notebook
        assert f'"workspaceId": "{eng}"' in notebook
        assert not any(sandbox in notebook for sandbox in SANDBOX_IDS)
    ingest = engineering.parts(("Notebook", "nb_ingest_orders"))["notebook-content.py"]
    assert 'KEY_VAULT = "https://kv-sales-local.vault.azure.net/"' in ingest

    # The pipeline runs the two deployed notebooks, with local's parameter values.
    pipeline = json.loads(
        engineering.parts(("DataPipeline", "pl_sales_daily"))["pipeline-content.json"]
    )["properties"]
    activities = {a["name"]: a for a in pipeline["activities"]}
    assert {
        name: (a["typeProperties"]["notebookId"], a["typeProperties"]["workspaceId"])
        for name, a in activities.items()
    } == {
        "Ingest orders": (ids["Notebook", "nb_ingest_orders"], eng),
        "Build sales model": (ids["Notebook", "nb_build_sales_model"], eng),
    }
    assert activities["Ingest orders"]["policy"]["retry"] == 0
    assert pipeline["parameters"]["target_env"]["defaultValue"] == "local"

    library = fabric.get(
        f"/v1/workspaces/{eng}/variableLibraries/{ids['VariableLibrary', 'vl_sales_settings']}"
    ).json()
    assert library["properties"]["activeValueSetName"] == "local"
    environment = fabric.get(
        f"/v1/workspaces/{eng}/environments/{ids['Environment', 'env_sales_spark']}"
    ).json()
    assert environment["properties"]["publishDetails"]["state"] == "Success"

    # Reporting: the model reads local's endpoint; the report is bound to the deployed model.
    model = reporting.parts(("SemanticModel", "Sales Analytics"))
    expressions = model["definition/expressions.tmdl"]
    assert '"sales-engineering-local.datawarehouse.fabric.microsoft.com"' in expressions
    assert "sandbox" not in expressions
    pbir = json.loads(reporting.parts(("Report", "Sales Overview"))["definition.pbir"])
    binding = pbir["datasetReference"]["byConnection"]
    assert binding["pbiModelDatabaseName"] == reporting.ids["SemanticModel", "Sales Analytics"]

    # Nothing changed: the second deploy only reads.
    code, log = deploy()
    assert (code, writes(log)) == (0, [])
    assert (root / ".fabric-action" / "manifest-local.json").is_file()
