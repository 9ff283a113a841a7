"""fabric-action and fabric-cicd 1.4.0 bind the same models to the same connections.

Both deploy ``binding_support``'s repository (``semantic_model_binding`` with a default
and a model bound to two connections) into two workspaces of one emulator; each model's
data source references then name the same connections on both sides. fabric-cicd also
re-binds on an unchanged redeploy; fabric-action writes nothing.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from azure.identity import ClientSecretCredential

from fabric_emulator import EmulatorConfig
from fabric_emulator.testing import RunningEmulator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration/deploy"))
from binding_support import write_binding_repository
from deploy_support import make_project, writes

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """LRO polls answer at once."""
    return EmulatorConfig(lro_retry_after_s=0)


def _bindings(fabric: Any, emulator: RunningEmulator, workspace_id: str) -> dict[str, Any]:
    items = emulator.state()["fabric"]["items"].values()
    found = {}
    for item in items:
        if item["workspace_id"] == workspace_id and item["type"] == "SemanticModel":
            path = f"/v1/workspaces/{workspace_id}/items/{item['id']}/connections"
            found[item["display_name"]] = fabric.get(path).json()["value"]
    return found


def test_same_bindings_as_fabric_cicd(
    tmp_path: Path,
    emulator: RunningEmulator,
    fabric: Any,
    monkeypatch: pytest.MonkeyPatch,
    fabric_cicd: ModuleType,
) -> None:
    ours = make_project(tmp_path, emulator, fabric, monkeypatch)
    shutil.rmtree(ours.items)
    ours.items.mkdir()
    write_binding_repository(ours.items)
    assert ours.deploy()[0] == 0
    _, again, _ = ours.deploy()
    assert writes(again) == []

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
    their_writes = []
    for _ in range(2):
        mark = ours.mark()
        workspace = fabric_cicd.FabricWorkspace(
            workspace_id=theirs_id,
            repository_directory=str(ours.items),
            item_type_in_scope=["SemanticModel"],
            environment="DEV",
            token_credential=credential,
        )
        fabric_cicd.publish_all_items(workspace)
        their_writes.append(writes(emulator.requests_log(since=mark)))
    credential.close()

    ours_bound = _bindings(fabric, emulator, ours.workspace_id)
    theirs_bound = _bindings(fabric, emulator, theirs_id)
    assert ours_bound == theirs_bound
    assert [r["id"] for r in ours_bound["Sales Model"]] != [None, None]
    # fabric-cicd binds again on an unchanged repository (3 binds, plus its updates).
    assert len([w for w in their_writes[1] if w[1].endswith("/bindConnection")]) == 3
