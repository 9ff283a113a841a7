"""fabric-action deploy and fabric-cicd 1.4.0 deploy the sample alike, with fewer calls.

Both deploy ``examples/fabric-cicd-sample/workspace`` (parameters for DEV) into two
empty workspaces of the same emulator; every deployed definition, with each side's own
ids put back to neutral names, must be identical. The calls each made are printed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from azure.identity import ClientSecretCredential

from fabric_emulator import EmulatorConfig
from fabric_emulator.testing import RunningEmulator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration/deploy"))
from deploy_support import SAMPLE, make_project, writes

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """LRO polls answer at once: both clients then spend no time sleeping on Retry-After."""
    return EmulatorConfig(lro_retry_after_s=0)


def _neutral(
    fabric: Any,
    project_items: dict[tuple[str, str], dict[str, Any]],
    workspace_id: str,
    definitions: dict[tuple[str, str], dict[str, str]],
) -> dict[Any, dict[str, str]]:
    """Replace each side's own ids and SQL endpoints with names, so the sides compare."""
    swaps = {item["id"]: f"<{key[0]}:{key[1]}>" for key, item in project_items.items()}
    swaps[workspace_id] = "<workspace>"
    for key, item in project_items.items():
        if key[0] == "Lakehouse":
            body = fabric.get(f"/v1/workspaces/{workspace_id}/lakehouses/{item['id']}").json()
            endpoint = body["properties"]["sqlEndpointProperties"]["connectionString"]
            swaps[endpoint] = f"<sql endpoint of {key[1]}>"
    neutral = {}
    for key, parts in definitions.items():
        out = {}
        for path, original in parts.items():
            text = original
            for old, new in swaps.items():
                text = text.replace(old, new)
            out[path] = text
        neutral[key] = out
    return neutral


def test_same_definitions_as_fabric_cicd_with_fewer_calls(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    fabric_cicd: ModuleType,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ours = make_project(tmp_path, emulator, fabric, monkeypatch)
    code, our_log, our_s = ours.deploy()
    assert code == 0
    _, our_again, our_again_s = ours.deploy()

    capacity = fabric.get("/v1/capacities").json()["value"][0]["id"]
    theirs_id = fabric.post(
        "/v1/workspaces", json={"displayName": "cicd", "capacityId": capacity}
    ).json()["id"]
    monkeypatch.setattr(fabric_cicd.constants, "DEFAULT_API_ROOT_URL", emulator.base_url)
    monkeypatch.setattr(fabric_cicd.constants, "FABRIC_API_ROOT_URL", emulator.base_url)
    monkeypatch.setenv("FABRIC_CICD_RETRY_DELAY_OVERRIDE_SECONDS", "0")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
    credential = ClientSecretCredential(
        tenant_id=emulator.tenant,
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        authority=emulator.base_url,
        disable_instance_discovery=True,
    )
    runs = []
    for _ in range(2):
        mark = ours.mark()
        began = time.perf_counter()
        workspace = fabric_cicd.FabricWorkspace(
            workspace_id=theirs_id,
            repository_directory=str(SAMPLE),
            environment="DEV",
            token_credential=credential,
        )
        fabric_cicd.publish_all_items(workspace)
        runs.append((emulator.requests_log(since=mark), time.perf_counter() - began))
    credential.close()

    state = emulator.state()["fabric"]["items"].values()
    our_items = {
        (i["type"], i["display_name"]): i for i in state if i["workspace_id"] == ours.workspace_id
    }
    their_items = {
        (i["type"], i["display_name"]): i for i in state if i["workspace_id"] == theirs_id
    }
    assert set(our_items) == set(their_items)
    shells = {"Lakehouse"}
    our_defs = {k: ours.definition(i["id"]) for k, i in our_items.items() if k[0] not in shells}
    ours.workspace_id, saved = theirs_id, ours.workspace_id
    their_defs = {k: ours.definition(i["id"]) for k, i in their_items.items() if k[0] not in shells}
    ours.workspace_id = saved
    assert _neutral(fabric, our_items, saved, our_defs) == _neutral(
        fabric, their_items, theirs_id, their_defs
    )
    for key in our_items:
        assert our_items[key]["description"] == their_items[key]["description"]
        assert our_items[key]["creation_payload"] == their_items[key]["creation_payload"]

    def fabric_calls(log: list[dict[str, Any]]) -> int:
        return len([e for e in log if e["path"].startswith("/v1/")])

    with capsys.disabled():
        print(
            f"\nsample deploy, first: fabric-action {fabric_calls(our_log)} calls "
            f"{our_s:.2f} s, fabric-cicd {fabric_calls(runs[0][0])} calls {runs[0][1]:.2f} s; "
            f"unchanged: fabric-action {fabric_calls(our_again)} calls "
            f"({len(writes(our_again))} writes) {our_again_s:.2f} s, fabric-cicd "
            f"{fabric_calls(runs[1][0])} calls ({len(writes(runs[1][0]))} writes) "
            f"{runs[1][1]:.2f} s"
        )
    assert fabric_calls(our_log) < fabric_calls(runs[0][0])
    assert writes(our_again) == []
