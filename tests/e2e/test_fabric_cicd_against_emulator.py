"""Microsoft's fabric-cicd 1.4.0 deploys examples/fabric-cicd-sample into the emulator.

fabric-cicd is the peer baseline: if the emulator serves it the way Fabric does, it
creates the folders and items, rewrites logical ids, workspace ids and parameters,
binds the report to the model, activates the variable library's value set and removes
what the repository no longer holds. Each case checks the outcome through the emulator
(REST ``getDefinition``, typed endpoints and ``GET /_emulator/state``), then publishes
the unchanged repository again and checks that nothing moved.

How fabric-cicd is pointed at the emulator: its module constants
``DEFAULT_API_ROOT_URL``/``FABRIC_API_ROOT_URL`` are assigned after import and before
``FabricWorkspace`` is built (the env vars of the same names only accept https URLs on
Microsoft's hosts, checked at import), ``REQUESTS_CA_BUNDLE`` names the
emulator's CA (fabric-cicd calls ``requests.request``, which reads it), and the
credential is azure-identity's ``ClientSecretCredential`` with the emulator as its
authority, so every token comes from the emulator's Entra token endpoint.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential

from fabric_emulator import EmulatorConfig, Profile
from fabric_emulator.testing import RunningEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

SAMPLE_REPOSITORY = Path(__file__).resolve().parents[2] / "examples/fabric-cicd-sample/workspace"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
SANDBOX_WORKSPACE_ID = "1c5bef57-6285-420b-a061-3ecb79400b5a"
SANDBOX_LAKEHOUSE_ID = "b13145dc-7c9e-4977-ac55-cdd908b70030"
SANDBOX_SQL_ENDPOINT = "sandbox-lh-raw.datawarehouse.fabric.microsoft.com"

EXPECTED_ITEMS = {
    ("VariableLibrary", "vl_sales_settings"): "/",
    ("Lakehouse", "lh_raw"): "/Ingestion/Raw",
    ("Environment", "env_spark"): "/Ingestion",
    ("Notebook", "nb_ingest_sales"): "/Ingestion/Raw",
    ("SemanticModel", "Sales Model"): "/Reporting",
    ("Report", "Sales Report"): "/Reporting",
    ("DataPipeline", "pl_daily_ingest"): "/Ingestion",
}
"""(type, displayName) -> workspace folder path, as the sample repository lays them out."""

EXPECTED_FOLDERS = {"/Ingestion", "/Ingestion/Raw", "/Reporting"}
DEFINITION_TYPES = {t for t, _ in EXPECTED_ITEMS} - {"Lakehouse"}
"""Types fabric-cicd deploys with a definition (Lakehouse is shell-only)."""

LAKEHOUSE_SKIP_WARNING = "Skipping unpublish for Lakehouse items"
"""The one warning fabric-cicd gives here: data items are only removed behind a flag."""


@dataclass(frozen=True)
class Case:
    """One way of running the emulator under fabric-cicd."""

    name: str
    environment: str
    config: EmulatorConfig
    clock_scale: float = 0.0
    """Emulator seconds per real second (0: frozen; LROs then end at their first poll)."""


CASES = [
    Case("default-PROD", "PROD", EmulatorConfig()),
    Case("realism-PROD", "PROD", EmulatorConfig(profile=Profile.REALISM)),
    Case(
        "realism-DEV-running-LROs",
        "DEV",
        EmulatorConfig(
            profile=Profile.REALISM,
            # LROs, SQL endpoint provisioning and environment publishes stay Running for
            # a while; at 200x that is 50 ms, 300 ms and 150 ms of real polling.
            lro_duration_s=10.0,
            sql_endpoint_provisioning_s=60.0,
            environment_publish_s=30.0,
            # The clock runs 200x: a default 1-hour token would expire within 18 real
            # seconds, and fabric-cicd retries a 401 TokenExpired with no time limit
            # while azure-identity keeps handing out its cached (real-time valid) token.
            token_lifetime_s=86_400,
        ),
        clock_scale=200.0,
    ),
]


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    """The case under test."""
    param: Case = request.param
    return param


@pytest.fixture
def emulator_config(case: Case) -> EmulatorConfig:
    """Start the ``emulator`` fixture with the case's settings."""
    return case.config


@pytest.fixture
def credential(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ClientSecretCredential]:
    """azure-identity's client-secret credential against the emulator's Entra."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
    token_credential = ClientSecretCredential(
        tenant_id=emulator.tenant,
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        authority=emulator.base_url,
        disable_instance_discovery=True,
    )
    yield token_credential
    token_credential.close()


@pytest.fixture
def cicd(
    fabric_cicd: ModuleType, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """fabric-cicd aimed at the emulator (Route A), polling without sleeping."""
    monkeypatch.setattr(fabric_cicd.constants, "DEFAULT_API_ROOT_URL", emulator.base_url)
    monkeypatch.setattr(fabric_cicd.constants, "FABRIC_API_ROOT_URL", emulator.base_url)
    monkeypatch.setenv("FABRIC_CICD_RETRY_DELAY_OVERRIDE_SECONDS", "0")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
    return fabric_cicd


# -- REST helpers --------------------------------------------------------------------


def _finish(fabric: Any, response: requests.Response) -> Any:
    """Return the JSON result of a call, following a 202 LRO to its end (30 s at most)."""
    if response.status_code != 202:
        assert response.status_code in (200, 201), response.text
        return response.json() if response.content else None
    location = response.headers["Location"]
    deadline = time.monotonic() + 30.0
    while True:
        state = fabric.get(location)
        assert state.status_code == 200, state.text
        status = state.json()["status"]
        if status == "Succeeded":
            result_url = state.headers.get("Location")
            return fabric.get(result_url).json() if result_url else None
        assert status in ("NotStarted", "Running"), state.text
        assert time.monotonic() < deadline, f"operation {location} still {status}"
        location = state.headers["Location"]
        time.sleep(0.01)


def _part(path: str, text: str) -> dict[str, str]:
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return {"path": path, "payload": payload, "payloadType": "InlineBase64"}


def _definition(fabric: Any, workspace_id: str, item_id: str) -> dict[str, str]:
    """``getDefinition`` through REST, as ``{part path: text}``."""
    response = fabric.post(f"/v1/workspaces/{workspace_id}/items/{item_id}/getDefinition")
    parts = _finish(fabric, response)["definition"]["parts"]
    return {part["path"]: base64.b64decode(part["payload"]).decode("utf-8") for part in parts}


def _meta_header(notebook_source: str) -> dict[str, Any]:
    """Parse a Fabric notebook's first ``# META`` block (its kernel and dependencies)."""
    lines = notebook_source.splitlines()
    start = lines.index("# META {")
    end = lines.index("# META }", start)
    return dict(
        json.loads("\n".join(line.removeprefix("# META") for line in lines[start : end + 1]))
    )


def _repository_parts() -> dict[tuple[str, str], set[str]]:
    """The definition parts fabric-cicd should send: each item folder's files.

    ``.platform`` is not stored by the service; a Lakehouse is deployed as a shell.
    """
    parts = {}
    for platform in SAMPLE_REPOSITORY.rglob(".platform"):
        metadata = json.loads(platform.read_text(encoding="utf-8"))["metadata"]
        files = {
            path.relative_to(platform.parent).as_posix()
            for path in platform.parent.rglob("*")
            if path.is_file() and path.name != ".platform"
        }
        shell = metadata["type"] not in DEFINITION_TYPES
        parts[metadata["type"], metadata["displayName"]] = set() if shell else files
    return parts


# -- the workspace as the emulator holds it -------------------------------------------


def _folder_paths(state: dict[str, Any], workspace_id: str) -> dict[str | None, str]:
    folders = {
        folder_id: folder
        for folder_id, folder in state["fabric"]["folders"].items()
        if folder["workspace_id"] == workspace_id
    }

    def path(folder_id: str) -> str:
        folder = folders[folder_id]
        parent = folder["parent_folder_id"]
        return (path(parent) if parent else "") + "/" + folder["display_name"]

    return {None: "/", **{folder_id: path(folder_id) for folder_id in folders}}


def _snapshot(emulator: RunningEmulator, workspace_id: str) -> dict[str, Any]:
    """The workspace's folders and items from ``GET /_emulator/state``, time stamps left out."""
    state = emulator.state()
    paths = _folder_paths(state, workspace_id)
    items = {}
    for item in state["fabric"]["items"].values():
        if item["workspace_id"] != workspace_id:
            continue
        items[(item["type"], item["display_name"])] = {
            "id": item["id"],
            "description": item["description"],
            "folder": paths[item["folder_id"]],
            "format": item["definition_format"],
            "parts": {
                part["path"]: base64.b64decode(part["payload"]).decode("utf-8")
                for part in item["parts"]
            },
            "activeValueSetName": item["properties"].get("activeValueSetName"),
            "creationPayload": item["creation_payload"],
        }
    return {
        "folders": sorted(path for folder_id, path in paths.items() if folder_id),
        "items": items,
        "deleted": sorted(
            (deleted["type"], deleted["display_name"])
            for deleted in state["fabric"]["deleted_items"]
            if deleted["workspace_id"] == workspace_id
        ),
    }


# -- the scenario ---------------------------------------------------------------------


@dataclass
class Scenario:
    """A workspace made through REST, holding what an earlier deployment left behind."""

    emulator: RunningEmulator
    fabric: Any
    workspace_id: str
    environment: str
    realism: bool
    orphans: set[tuple[str, str]] = field(default_factory=set)
    """Items the repository no longer holds: fabric-cicd must remove them."""
    drifted: dict[tuple[str, str], str] = field(default_factory=dict)
    """Items the repository holds, moved and edited in the portal since: key -> id."""

    def log_mark(self) -> int:
        entries = self.emulator.requests_log()
        return int(entries[-1]["seq"]) if entries else 0

    def create_item(self, body: dict[str, Any]) -> str:
        response = self.fabric.post(f"/v1/workspaces/{self.workspace_id}/items", json=body)
        return str(_finish(self.fabric, response)["id"])


@pytest.fixture
def scenario(emulator: RunningEmulator, fabric: Any, case: Case) -> Scenario:
    """Create the target workspace on the default capacity, with items in an /Archive folder.

    In /Archive: an orphan notebook, and the repository's variable library with an old
    definition (fabric-cicd must update it in place and move it back to the root). At
    the root: an orphan pipeline (fabric-cicd reads its definition to order deletions).
    """
    if case.clock_scale:
        emulator.control("POST", "clock", {"scale": case.clock_scale})
    capacity_id = fabric.get("/v1/capacities").json()["value"][0]["id"]
    created = fabric.post(
        "/v1/workspaces",
        json={"displayName": f"Sales Analytics ({case.environment})", "capacityId": capacity_id},
    )
    assert created.status_code == 201, created.text
    scenario = Scenario(
        emulator=emulator,
        fabric=fabric,
        workspace_id=created.json()["id"],
        environment=case.environment,
        realism=case.config.realism,
    )
    folder = fabric.post(
        f"/v1/workspaces/{scenario.workspace_id}/folders", json={"displayName": "Archive"}
    )
    assert folder.status_code == 201, folder.text
    archive = folder.json()["id"]
    notebook = {"displayName": "nb_legacy_export", "type": "Notebook", "folderId": archive}
    notebook["definition"] = {
        "parts": [_part("notebook-content.py", "# Fabric notebook source\n\nprint(1)\n")]
    }
    pipeline = {"displayName": "pl_legacy_refresh", "type": "DataPipeline"}
    pipeline["definition"] = {
        "parts": [_part("pipeline-content.json", '{"properties": {"activities": []}}')]
    }
    library = {"displayName": "vl_sales_settings", "type": "VariableLibrary", "folderId": archive}
    library["definition"] = {
        "parts": [_part("variables.json", '{"variables": [{"name": "old", "type": "String"}]}')]
    }
    for body in (notebook, pipeline):
        scenario.create_item(body)
        scenario.orphans.add((body["type"], body["displayName"]))
    scenario.drifted["VariableLibrary", "vl_sales_settings"] = scenario.create_item(library)
    return scenario


def _deploy(cicd: ModuleType, scenario: Scenario, credential: Any) -> list[dict[str, Any]]:
    """Run fabric-cicd as a CI job would; return the requests it made."""
    mark = scenario.log_mark()
    workspace = cicd.FabricWorkspace(
        workspace_id=scenario.workspace_id,
        repository_directory=str(SAMPLE_REPOSITORY),
        environment=scenario.environment,
        token_credential=credential,
    )
    cicd.publish_all_items(workspace)
    cicd.unpublish_all_orphan_items(workspace)
    return scenario.emulator.requests_log(since=mark)


def _check_requests(log: list[dict[str, Any]], case: Case, *, first_run: bool) -> None:
    """Every call succeeded, carried the app's token, and LROs were polled where expected."""
    fabric_calls = [entry for entry in log if entry["path"].startswith("/v1/")]
    token_calls = [entry for entry in log if entry["path"].endswith("/oauth2/v2.0/token")]
    # fabric-cicd asks the credential once, when FabricWorkspace is built; azure-identity
    # then serves its cached token, so only the first run reaches the token endpoint.
    assert [entry["status"] for entry in token_calls] == ([200] if first_run else [])
    failures = [
        (e["method"], e["path"], e["status"], e["error_code"]) for e in log if e["status"] >= 400
    ]
    assert failures == []
    assert {entry["identity"] for entry in fabric_calls} == {"fabric-action-dev"}
    polls = [entry for entry in fabric_calls if entry["path"].startswith("/v1/operations/")]
    assert polls, "fabric-cicd never polled an LRO"
    expected_listener = "redirect" if case.config.realism else "main"
    assert {entry["listener"] for entry in polls} == {expected_listener}
    running_polls = [entry for entry in polls if entry["retry_after"] is not None]
    # fabric-cicd reads the environments' publish state before publishing them and,
    # after all other items, until no publish is Running.
    publish = next(e for e in fabric_calls if e["path"].endswith("/staging/publish"))
    publish_state_reads = [e for e in fabric_calls if e["path"].endswith("/environments/")]
    if case.config.lro_duration_s:
        assert running_polls, "no poll found an LRO Running"
        if first_run:
            assert _sql_endpoint_polls(fabric_calls) > 1, "never saw the SQL endpoint provision"
        # Whether the publish still runs when the other items are done depends on this
        # machine's speed; what must hold is that the last read saw it ended (emulator
        # time; 1 s is 5 ms of real time at 200x, the slack between arrival and answer).
        publish_ends_s = publish["at_s"] + case.config.environment_publish_s
        assert publish_state_reads[-1]["at_s"] >= publish_ends_s - 1.0
    else:
        assert running_polls == []
        assert len(publish_state_reads) == 2


def _sql_endpoint_polls(fabric_calls: list[dict[str, Any]]) -> int:
    """How often fabric-cicd read the new lakehouse before doing anything else.

    The lakehouse is the one shell item, created with 201; fabric-cicd then reads
    ``lakehouses/{id}`` until its SQL endpoint is provisioned.
    """
    created = next(
        index
        for index, entry in enumerate(fabric_calls)
        if entry["method"] == "POST" and entry["path"].endswith("/items") and entry["status"] == 201
    )
    polls = 0
    for entry in fabric_calls[created + 1 :]:
        if "/lakehouses/" not in entry["path"]:
            break
        polls += 1
    return polls


def _check_content(scenario: Scenario, snapshot: dict[str, Any]) -> None:
    """The deployed definitions carry the target's ids and the environment's values."""
    fabric, workspace_id = scenario.fabric, scenario.workspace_id
    env = scenario.environment
    ids = {key: value["id"] for key, value in snapshot["items"].items()}
    lakehouse_id = ids["Lakehouse", "lh_raw"]
    ws = f"/v1/workspaces/{workspace_id}"

    # The profile is really on: production answers 202 with a literal ``null`` body.
    accepted = fabric.post(f"{ws}/items/{ids['Notebook', 'nb_ingest_sales']}/getDefinition")
    assert accepted.status_code == 202
    assert accepted.text == ("null" if scenario.realism else "")
    _finish(fabric, accepted)

    notebook = _definition(fabric, workspace_id, ids["Notebook", "nb_ingest_sales"])
    source = notebook["notebook-content.py"]
    dependencies = _meta_header(source)["dependencies"]
    assert dependencies["lakehouse"] == {
        "default_lakehouse": lakehouse_id,
        "default_lakehouse_name": "lh_raw",
        "default_lakehouse_workspace_id": workspace_id,
        "known_lakehouses": [{"id": lakehouse_id}],
    }
    assert dependencies["environment"] == {
        "environmentId": ids["Environment", "env_spark"],
        "workspaceId": workspace_id,
    }
    assert f"abfss://landing@stsales{env.lower()}.dfs.core.windows.net/sales" in source

    pipeline = json.loads(
        _definition(fabric, workspace_id, ids["DataPipeline", "pl_daily_ingest"])[
            "pipeline-content.json"
        ]
    )
    activity = pipeline["properties"]["activities"][0]
    assert activity["type"] == "TridentNotebook"
    assert activity["typeProperties"]["notebookId"] == ids["Notebook", "nb_ingest_sales"]
    assert activity["typeProperties"]["workspaceId"] == workspace_id
    assert pipeline["properties"]["parameters"]["target_env"]["defaultValue"] == env.lower()

    model_id = ids["SemanticModel", "Sales Model"]
    report = _definition(fabric, workspace_id, ids["Report", "Sales Report"])
    reference = json.loads(report["definition.pbir"])["datasetReference"]
    assert list(reference) == ["byConnection"]
    assert reference["byConnection"]["pbiModelDatabaseName"] == model_id
    assert reference["byConnection"]["connectionType"] == "pbiServiceXmlaStyleLive"
    assert "sections" in json.loads(report["report.json"])

    lakehouse = fabric.get(f"{ws}/lakehouses/{lakehouse_id}").json()["properties"]
    assert lakehouse["defaultSchema"] == "dbo"  # lakehouse.metadata.json -> enableSchemas
    sql_endpoint = lakehouse["sqlEndpointProperties"]["connectionString"]
    model = _definition(fabric, workspace_id, model_id)
    assert f'Sql.Database("{sql_endpoint}", "lh_raw")' in model["definition/tables/Sales.tmdl"]
    assert {"definition.pbism", "definition/database.tmdl", "definition/model.tmdl"} <= set(model)

    library = fabric.get(f"{ws}/variableLibraries/{ids['VariableLibrary', 'vl_sales_settings']}")
    assert library.json()["properties"]["activeValueSetName"] == env
    environment = fabric.get(f"{ws}/environments/{ids['Environment', 'env_spark']}").json()
    assert environment["properties"]["publishDetails"]["state"] == "Success"

    # Nothing of the sandbox and no placeholder survives in any deployed part
    # (.platform is not stored: the service regenerates it, with a zero logicalId).
    repository_ids = {
        json.loads(platform.read_text(encoding="utf-8"))["config"]["logicalId"]
        for platform in SAMPLE_REPOSITORY.rglob(".platform")
    }
    leftovers = {ZERO_GUID, SANDBOX_WORKSPACE_ID, SANDBOX_LAKEHOUSE_ID, SANDBOX_SQL_ENDPOINT}
    leftovers |= repository_ids
    for key, item in snapshot["items"].items():
        # The variable library's default value set keeps the sandbox's values, by design.
        unwanted = leftovers if key[0] == "VariableLibrary" else leftovers | {"stsalessandbox"}
        for path, text in item["parts"].items():
            found = sorted(value for value in unwanted if value in text)
            assert found == [], f"{key} {path} still holds {found}"


def test_fabric_cicd_deploys_the_sample_repository(
    cicd: ModuleType,
    scenario: Scenario,
    credential: ClientSecretCredential,
    case: Case,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="fabric_cicd")
    first_log = _deploy(cicd, scenario, credential)

    snapshot = _snapshot(scenario.emulator, scenario.workspace_id)
    assert {key: item["folder"] for key, item in snapshot["items"].items()} == EXPECTED_ITEMS
    assert set(snapshot["folders"]) == EXPECTED_FOLDERS  # the emptied /Archive is gone
    # The drifted item was updated in place and moved back; the orphans went to the
    # recycle bin (fabric-cicd soft-deletes by default).
    assert {key: snapshot["items"][key]["id"] for key in scenario.drifted} == scenario.drifted
    assert {key: set(item["parts"]) for key, item in snapshot["items"].items()} == (
        _repository_parts()
    )
    assert scenario.orphans == {
        ("Notebook", "nb_legacy_export"),
        ("DataPipeline", "pl_legacy_refresh"),
    }
    assert set(snapshot["deleted"]) == scenario.orphans
    assert snapshot["items"]["Notebook", "nb_ingest_sales"]["description"] == (
        "Loads the daily sales extract into lh_raw"
    )
    _check_requests(first_log, case, first_run=True)
    _check_content(scenario, snapshot)

    # A second run of the unchanged repository re-posts every definition and changes nothing.
    second_log = _deploy(cicd, scenario, credential)
    assert _snapshot(scenario.emulator, scenario.workspace_id) == snapshot
    _check_requests(second_log, case, first_run=False)
    items_path = f"/v1/workspaces/{scenario.workspace_id}/items"
    assert [e for e in second_log if e["method"] == "POST" and e["path"] == items_path] == []
    assert [e for e in second_log if e["method"] == "DELETE"] == []
    updated = {e["path"] for e in second_log if e["path"].endswith("/updateDefinition")}
    assert updated == {
        f"{items_path}/{snapshot['items'][key]['id']}/updateDefinition"
        for key in EXPECTED_ITEMS
        if key[0] in DEFINITION_TYPES
    }

    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("fabric_cicd") and record.levelno >= logging.WARNING
    ]
    assert warnings, "fabric-cicd 1.4.0 warns that it leaves lakehouses alone"
    assert all(message.startswith(LAKEHOUSE_SKIP_WARNING) for message in warnings), warnings
