"""What we send and what getDefinition returns hash the same, in both emulator profiles.

Every item of examples/fabric-cicd-sample is created in the emulator through its REST
API, its rendered definition is sent with ``updateDefinition?updateMetadata=true``, and
``getDefinition`` (a 202 long-running operation, followed to its result) is compared with
what was sent: raw they differ (regenerated ``.platform``, stamped pipeline, realism's
re-indented JSON), normalised they hash the same.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from fabric_action.items import (
    MappingResolver,
    definition_hash,
    load_parameters,
    normalise_definition,
    parts_from_wire,
    read_repository,
    render_item,
)

SAMPLE = Path(__file__).resolve().parents[3] / "examples/fabric-cicd-sample/workspace"


def _finish(fabric: Any, response: Any) -> Any:
    """Return the result of a call, following a 202 operation to its end."""
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
            result = state.headers.get("Location")
            return fabric.get(result).json() if result else None
        assert status in ("NotStarted", "Running"), state.text
        assert time.monotonic() < deadline
        location = state.headers["Location"]


def _deploy_sample(fabric: Any) -> tuple[str, dict[str, Any], dict[tuple[str, str], str]]:
    """Create the sample's items and send their rendered definitions; return what was sent."""
    workspace = fabric.post("/v1/workspaces", json={"displayName": "Items normalise"}).json()["id"]
    repository = read_repository(SAMPLE)
    parameters = load_parameters(SAMPLE, environment="PROD", repository=repository)
    ids: dict[tuple[str, str], str] = {}
    for item in repository.items:
        body = {
            "displayName": item.display_name,
            "type": item.item_type,
            "description": item.description,
        }
        created = _finish(fabric, fabric.post(f"/v1/workspaces/{workspace}/items", json=body))
        ids[item.item_type, item.display_name] = created["id"]
    values = {(None, t, n, "id"): i for (t, n), i in ids.items()}
    values[None, "Lakehouse", "lh_raw", "sqlendpoint"] = (
        "prod-lh-raw.datawarehouse.fabric.microsoft.com"
    )
    resolver = MappingResolver(
        target_workspace_id=workspace, target_workspace_name="Items", items=values
    )
    sent = {}
    for item in repository.items:
        rendered = render_item(
            item, repository=repository, resolver=resolver, parameters=parameters
        )
        item_id = ids[item.item_type, item.display_name]
        url = f"/v1/workspaces/{workspace}/items/{item_id}/updateDefinition?updateMetadata=true"
        _finish(fabric, fabric.post(url, json={"definition": rendered.definition()}))
        sent[item.item_type, item.display_name] = rendered
    return workspace, sent, ids


@pytest.mark.parametrize("profile", ["default", "realism"])
def test_sent_and_returned_definitions_hash_the_same(fabric, emulator, profile):
    emulator.emulator.update_config({"profile": profile})
    workspace, sent, ids = _deploy_sample(fabric)
    assert len(sent) == 7
    for key, rendered in sent.items():
        url = f"/v1/workspaces/{workspace}/items/{ids[key]}/getDefinition"
        returned = parts_from_wire(_finish(fabric, fabric.post(url))["definition"]["parts"])
        item_type = key[0]
        assert {p.path: p.data for p in returned} != {p.path: p.data for p in rendered.parts}, key
        assert normalise_definition(item_type, returned) == normalise_definition(
            item_type, rendered.parts
        ), key
        assert definition_hash(item_type, returned) == definition_hash(item_type, rendered.parts), (
            key
        )


def test_a_real_change_changes_the_hash(fabric, emulator):
    emulator.emulator.update_config({"profile": "realism"})
    workspace, sent, ids = _deploy_sample(fabric)
    key = ("DataPipeline", "pl_daily_ingest")
    url = f"/v1/workspaces/{workspace}/items/{ids[key]}/getDefinition"
    before = parts_from_wire(_finish(fabric, fabric.post(url))["definition"]["parts"])
    pipeline = next(p for p in sent[key].parts if p.path == "pipeline-content.json")
    changed = pipeline.text.replace('"retry": 1', '"retry": 2')
    parts = [p for p in sent[key].parts if p.path != "pipeline-content.json"]
    parts.append(type(pipeline).from_text("pipeline-content.json", changed))
    definition = {"parts": [p.to_wire() for p in parts]}
    _finish(
        fabric,
        fabric.post(
            f"/v1/workspaces/{workspace}/items/{ids[key]}/updateDefinition",
            json={"definition": definition},
        ),
    )
    after = parts_from_wire(_finish(fabric, fabric.post(url))["definition"]["parts"])
    assert definition_hash(key[0], after) != definition_hash(key[0], before)
    assert definition_hash(key[0], after) == definition_hash(key[0], parts)
