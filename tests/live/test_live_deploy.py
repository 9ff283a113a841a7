"""The deploy scenarios end to end against a real tenant (or an emulator), in order.

Each test continues from the state the previous one left: first deploy, unchanged
redeploy, one changed notebook, a saved plan, drift, cleanup. The items are deleted at
the end even when a test fails (the ``live_items`` fixture's teardown).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_support import (
    ENVIRONMENT,
    LiveRepository,
    LiveTarget,
    WriteCounter,
    live_target,
    run_deploy,
    write_repository,
)

from fabric_action._run_secrets import dotenv_path_for
from fabric_action.ci import detect_ci_adapter
from fabric_action.config import load_config
from fabric_action.fabric import Definition, DefinitionPart, FabricClient
from fabric_action.scenarios.deploy import DeploySession, open_session
from fabric_action.secrets import SecretMasker

pytestmark = [pytest.mark.live, pytest.mark.timeout(1800)]

UPDATE_DEFINITION = "updateDefinition"


@pytest.fixture(scope="module")
def target() -> LiveTarget:
    """The identity and workspace from the environment (refused without the prefix)."""
    return live_target(os.environ)


@pytest.fixture(scope="module")
def repository(target: LiveTarget, tmp_path_factory: pytest.TempPathFactory) -> LiveRepository:
    """This run's repository, in a temporary folder."""
    return write_repository(tmp_path_factory.mktemp("live") / "repo", target)


@pytest.fixture(scope="module")
def session(repository: LiveRepository) -> Iterator[DeploySession]:
    """A Fabric client signed in exactly as deploy signs in (same config, same code)."""
    config = load_config(repository.config, ENVIRONMENT, environ=os.environ)
    ci = detect_ci_adapter(os.environ)
    opened = open_session(
        config,
        os.environ,
        masker=SecretMasker(ci),
        mask=ci.mask,
        dotenv_path=dotenv_path_for(repository.config),
    )
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def workspace_id(session: DeploySession, target: LiveTarget) -> str:
    """The workspace's id (it must exist: the suite never creates workspaces)."""
    workspace = session.client.workspaces.find(target.workspace)
    if workspace is None:
        pytest.fail(
            f"workspace {target.workspace!r} does not exist or the service principal "
            f"{target.client_id} cannot see it: create it and make the principal Admin",
            pytrace=False,
        )
    return workspace.id


@pytest.fixture(scope="module")
def counter(session: DeploySession) -> WriteCounter:
    """Counts the deploy's writes on the client side."""
    return WriteCounter(session.cloud.fabric_api_base)


@pytest.fixture(scope="module")
def live_items(
    session: DeploySession, workspace_id: str, repository: LiveRepository
) -> Iterator[dict[str, str]]:
    """Ids of this run's items by name, filled by the first deploy; deleted at the end."""
    created: dict[str, str] = {}
    yield created
    _delete_run_items(session.client, workspace_id, repository)


def _run_items(client: FabricClient, workspace_id: str, repository: LiveRepository) -> list[Any]:
    return [
        i for i in client.items.list(workspace_id) if i.display_name.startswith(repository.prefix)
    ]


def _delete_run_items(client: FabricClient, workspace_id: str, repository: LiveRepository) -> None:
    """Delete this run's items only (the pipeline first: it references the notebook)."""
    items = _run_items(client, workspace_id, repository)
    for item in sorted(items, key=lambda i: i.type != "DataPipeline"):
        client.items.delete(workspace_id, item.id)


def _definition(client: FabricClient, workspace_id: str, item_id: str) -> dict[str, str]:
    definition = client.items.get_definition(workspace_id, item_id)
    return {part.path: part.content.decode("utf-8") for part in definition.parts}


def _update_path(workspace_id: str, item_id: str) -> str:
    return f"/v1/workspaces/{workspace_id}/items/{item_id}/{UPDATE_DEFINITION}"


def _changed_actions(report: dict[str, Any]) -> dict[str, str]:
    items = report["workspaces"][0]["items"]
    return {i["name"]: i["action"] for i in items if i["action"] != "unchanged"}


def test_first_deploy_creates_the_items_and_rewires_the_pipeline(
    repository: LiveRepository,
    session: DeploySession,
    workspace_id: str,
    counter: WriteCounter,
    live_items: dict[str, str],
    tmp_path: Path,
) -> None:
    run = run_deploy(repository, counter, tmp_path / "report.json")

    assert run.code == 0, json.dumps(run.report, indent=2)
    items = run.items()
    assert {name: i["action"] for name, i in items.items()} == {
        repository.notebook: "create",
        repository.pipeline: "create",
    }
    live_items.update({name: i["id"] for name, i in items.items()})
    listed = {
        i.display_name: (i.type, i.id) for i in _run_items(session.client, workspace_id, repository)
    }
    assert listed == {
        repository.notebook: ("Notebook", live_items[repository.notebook]),
        repository.pipeline: ("DataPipeline", live_items[repository.pipeline]),
    }
    # Two creates (more only if the service throttled one and it was sent again).
    assert len([w for w in run.writes if w[1].endswith("/items")]) >= 2
    notebook = _definition(session.client, workspace_id, live_items[repository.notebook])
    assert "fabric-action live test" in notebook["notebook-content.py"]
    pipeline = json.loads(
        _definition(session.client, workspace_id, live_items[repository.pipeline])[
            "pipeline-content.json"
        ]
    )
    activity = pipeline["properties"]["activities"][0]["typeProperties"]
    assert activity["notebookId"] == live_items[repository.notebook]
    assert activity["workspaceId"] == workspace_id


def test_an_unchanged_redeploy_writes_nothing(
    repository: LiveRepository, counter: WriteCounter, live_items: dict[str, str], tmp_path: Path
) -> None:
    assert live_items, "the first deploy did not run"

    run = run_deploy(repository, counter, tmp_path / "report.json")

    assert (run.code, run.writes) == (0, [])
    assert run.report["workspaces"][0]["writes_planned"] == 0
    assert _changed_actions(run.report) == {}


def test_one_changed_notebook_writes_only_that_notebook(
    repository: LiveRepository,
    session: DeploySession,
    workspace_id: str,
    counter: WriteCounter,
    live_items: dict[str, str],
    tmp_path: Path,
) -> None:
    source = repository.notebook_source
    source.write_text(source.read_text() + "\nprint('changed once')\n")

    run = run_deploy(repository, counter, tmp_path / "report.json")

    notebook_id = live_items[repository.notebook]
    assert run.code == 0, json.dumps(run.report, indent=2)
    assert set(run.writes) == {("POST", _update_path(workspace_id, notebook_id))}
    assert _changed_actions(run.report) == {repository.notebook: "update"}
    content = _definition(session.client, workspace_id, notebook_id)["notebook-content.py"]
    assert "changed once" in content


def test_a_saved_plan_writes_nothing_then_applies_exactly(
    repository: LiveRepository,
    session: DeploySession,
    workspace_id: str,
    counter: WriteCounter,
    live_items: dict[str, str],
    tmp_path: Path,
) -> None:
    source = repository.notebook_source
    source.write_text(source.read_text() + "\nprint('changed by plan')\n")
    plan = tmp_path / "plan.json"

    planned = run_deploy(
        repository, counter, tmp_path / "dry.json", "--dry-run", "--plan-out", str(plan)
    )
    applied = run_deploy(repository, counter, tmp_path / "report.json", "--plan", str(plan))

    assert (planned.code, planned.writes) == (0, [])
    saved = json.loads(plan.read_text())
    assert {i["name"]: i["action"] for i in saved["workspaces"][0]["items"]} == {
        repository.notebook: "update",
        repository.pipeline: "unchanged",
    }
    notebook_id = live_items[repository.notebook]
    assert applied.code == 0, json.dumps(applied.report, indent=2)
    assert set(applied.writes) == {("POST", _update_path(workspace_id, notebook_id))}
    content = _definition(session.client, workspace_id, notebook_id)["notebook-content.py"]
    assert "changed by plan" in content


def test_drift_is_detected_and_repaired_with_verify_live(
    repository: LiveRepository,
    session: DeploySession,
    workspace_id: str,
    counter: WriteCounter,
    live_items: dict[str, str],
    tmp_path: Path,
) -> None:
    notebook_id = live_items[repository.notebook]
    edited = repository.notebook_source.read_text() + "\nprint('edited in the portal')\n"
    session.client.items.update_definition(
        workspace_id,
        notebook_id,
        Definition(parts=(DefinitionPart.from_bytes("notebook-content.py", edited.encode()),)),
    )

    blind = run_deploy(repository, counter, tmp_path / "blind.json")
    verified = run_deploy(repository, counter, tmp_path / "report.json", "--verify-live")

    assert (blind.code, blind.writes) == (0, [])  # the manifest alone cannot see it
    assert verified.code == 0, json.dumps(verified.report, indent=2)
    drift = verified.report["workspaces"][0]["drift"]
    assert [d["key"] for d in drift] == [f"Notebook/{repository.notebook}"]
    assert set(verified.writes) == {("POST", _update_path(workspace_id, notebook_id))}
    content = _definition(session.client, workspace_id, notebook_id)["notebook-content.py"]
    assert "edited in the portal" not in content


def test_cleanup_deletes_every_item_the_run_created(
    repository: LiveRepository,
    session: DeploySession,
    workspace_id: str,
    live_items: dict[str, str],
) -> None:
    assert live_items, "the first deploy did not run"

    _delete_run_items(session.client, workspace_id, repository)

    assert _run_items(session.client, workspace_id, repository) == []
