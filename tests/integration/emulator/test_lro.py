"""Long-running operations of item calls: polling, results, faults and the realism profile."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from items_support import (
    assert_error,
    create_workspace,
    part,
    session_for,
    set_config,
)

from fabric_emulator.testing import RunningEmulator

NOTEBOOK = {
    "displayName": "nb_ingest",
    "type": "Notebook",
    "definition": {"parts": [part("notebook-content.py", "print(1)\n")]},
}
TIMESTAMP_WITH_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
TIMESTAMP_WITHOUT_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$")


@pytest.fixture
def workspace_id(fabric: Any) -> str:
    """A fresh workspace where the default app is Admin."""
    return create_workspace(fabric)


def _create(fabric: Any, workspace_id: str) -> Any:
    response = fabric.post(f"/v1/workspaces/{workspace_id}/items", json=NOTEBOOK)
    assert response.status_code == 202, response.text
    return response


def test_running_polls_point_at_themselves_until_the_clock_passes(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, lro_duration_s=40, lro_retry_after_s=20)
    accepted = _create(fabric, workspace_id)
    location = accepted.headers["Location"]
    assert accepted.headers["Retry-After"] == "20"

    for _ in range(2):
        running = fabric.get(location)
        assert running.status_code == 200
        assert running.json()["status"] == "Running"
        assert running.json()["percentComplete"] == 0
        assert running.headers["Location"] == location
        assert running.headers["x-ms-operation-id"] == accepted.headers["x-ms-operation-id"]
        assert running.headers["Retry-After"] == "20"
    assert_error(fabric.get(location + "/result"), 400, "OperationNotSucceeded")

    emulator.advance(40)
    done = fabric.get(location)
    body = done.json()
    assert body["status"] == "Succeeded"
    assert body["percentComplete"] == 100
    assert body["error"] is None
    assert TIMESTAMP_WITH_Z.match(body["createdTimeUtc"])
    assert done.headers["Location"] == location + "/result"
    result = fabric.get(done.headers["Location"])
    assert result.status_code == 200
    assert result.headers["Content-Type"] == "application/json"
    assert result.json()["displayName"] == "nb_ingest"
    assert result.json()["workspaceId"] == workspace_id


def test_operations_without_result_answer_operation_has_no_result(
    fabric: Any, workspace_id: str
) -> None:
    item_id = fabric.get(_create(fabric, workspace_id).headers["Location"] + "/result").json()["id"]
    update = fabric.post(
        f"/v1/workspaces/{workspace_id}/items/{item_id}/updateDefinition",
        json={"definition": {"parts": [part("notebook-content.py", "print(2)\n")]}},
    )
    assert update.status_code == 202
    state = fabric.get(update.headers["Location"])
    assert state.json()["status"] == "Succeeded"
    assert "Location" not in state.headers
    assert "x-ms-operation-id" not in state.headers
    assert_error(fabric.get(update.headers["Location"] + "/result"), 400, "OperationHasNoResult")


def test_unknown_and_foreign_operations_are_not_found(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    assert_error(
        fabric.get("/v1/operations/5e5e5e5e-0000-4000-8000-000000000001"), 404, "OperationNotFound"
    )
    location = _create(fabric, workspace_id).headers["Location"]
    stranger = session_for(emulator, "0d0d0d0d-0000-4000-8000-000000000001")
    assert_error(stranger.get(location), 404, "OperationNotFound")
    stranger.close()


def test_fault_rule_fails_the_create_operation_after_running(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    emulator.set_faults(
        [
            {
                "route": "/v1/workspaces/*/items",
                "methods": ["POST"],
                "lro_running_s": 30,
                "lro_outcome": "Failed",
            }
        ]
    )
    location = _create(fabric, workspace_id).headers["Location"]
    assert fabric.get(location).json()["status"] == "Running"

    emulator.advance(30)
    failed = fabric.get(location)
    body = failed.json()
    assert body["status"] == "Failed"
    assert body["error"]["errorCode"] == "OperationFailed"
    assert body["error"]["message"]
    assert "Location" not in failed.headers
    assert_error(fabric.get(location + "/result"), 400, "OperationNotSucceeded")
    # The work survives the failed operation, as partial work does in production.
    listed = fabric.get(f"/v1/workspaces/{workspace_id}/items").json()["value"]
    assert [item["displayName"] for item in listed] == ["nb_ingest"]


def test_fault_rule_on_other_routes_leaves_item_creation_alone(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    emulator.set_faults(
        [{"route": "/v1/workspaces/*/folders", "lro_running_s": 30, "lro_outcome": "Failed"}]
    )
    location = _create(fabric, workspace_id).headers["Location"]
    assert fabric.get(location).json()["status"] == "Succeeded"


def test_realism_polls_on_the_redirect_host_with_production_quirks(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, profile="realism", lro_duration_s=10)
    accepted = _create(fabric, workspace_id)
    assert accepted.content == b"null"
    assert accepted.headers["Content-Type"].startswith("application/json")
    location = accepted.headers["Location"]
    assert location.startswith(emulator.redirect_base_url + "/v1/operations/")
    assert urlsplit(location).netloc != urlsplit(emulator.base_url).netloc

    running = fabric.get(location)
    assert running.json()["status"] == "Running"
    assert running.json()["percentComplete"] is None
    assert TIMESTAMP_WITHOUT_Z.match(running.json()["createdTimeUtc"])
    assert running.headers["Location"] == location

    emulator.advance(10)
    done = fabric.get(location)
    assert done.json()["status"] == "Succeeded"
    assert TIMESTAMP_WITHOUT_Z.match(done.json()["lastUpdatedTimeUtc"])
    assert done.headers["Location"].startswith(emulator.redirect_base_url)
    result = fabric.get(done.headers["Location"])
    assert result.json()["displayName"] == "nb_ingest"
