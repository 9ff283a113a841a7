"""Unit tests of the deploy scenario's pure parts: scheduler, manifest, plan files, cloud."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fabric_action.errors import ConfigError, DeploymentError
from fabric_action.fabric import Lro
from fabric_action.scenarios.deploy import (
    DeployPlan,
    FolderAction,
    FolderChange,
    GraphScheduler,
    ItemAction,
    ItemChange,
    Manifest,
    StalePlanError,
    Task,
    TaskStatus,
    WorkspacePlan,
    check_plan_current,
    cloud_from_environ,
    plan_markdown,
    read_plan,
    write_plan,
)
from fabric_action.tiers import Tier


def _task(task_id: str, *deps: str, start: object = None, priority: int = 0) -> Task:
    return Task(
        task_id=task_id,
        depends_on=frozenset(deps),
        start=start or (lambda: None),  # type: ignore[arg-type]
        priority=priority,
    )


def test_scheduler_runs_dependents_after_their_dependencies_and_skips_after_failure() -> None:
    order: list[str] = []
    lock = threading.Lock()

    def record(name: str, fail: bool = False):  # type: ignore[no-untyped-def]
        def start() -> None:
            with lock:
                order.append(name)
            if fail:
                raise DeploymentError(f"{name} broke")

        return start

    outcomes = GraphScheduler(max_workers=2).run(
        [
            _task("a", start=record("a")),
            _task("b", "a", start=record("b")),
            _task("c", "b", "unknown", start=record("c")),
            _task("x", start=record("x", fail=True)),
            _task("y", "x", start=record("y")),
            _task("z", "y", start=record("z")),
        ]
    )
    assert order.index("a") < order.index("b") < order.index("c")
    assert {k: v.status for k, v in outcomes.items()} == {
        "a": TaskStatus.SUCCEEDED,
        "b": TaskStatus.SUCCEEDED,
        "c": TaskStatus.SUCCEEDED,
        "x": TaskStatus.FAILED,
        "y": TaskStatus.SKIPPED,
        "z": TaskStatus.SKIPPED,
    }
    assert "y" not in order and "z" not in order
    assert "x did not succeed" in str(outcomes["y"].error)


def test_scheduler_starts_the_longest_chain_first_then_by_priority() -> None:
    order: list[str] = []

    def record(name: str):  # type: ignore[no-untyped-def]
        return lambda: order.append(name)

    outcomes = GraphScheduler(max_workers=1).run(
        [
            _task("leaf1", start=record("leaf1")),
            _task("leaf2", start=record("leaf2"), priority=1),
            _task("end", "mid", start=record("end")),
            _task("mid", "root", start=record("mid")),
            _task("root", start=record("root"), priority=9),  # last by type, first by path
            _task("side", "root", start=record("side"), priority=3),
        ]
    )
    assert {o.status for o in outcomes.values()} == {TaskStatus.SUCCEEDED}
    # root heads a chain of two; once it is done, mid (a chain of one) overtakes the
    # leaves that were ready before it; ties go by priority, then by the order given.
    assert order == ["root", "mid", "leaf1", "end", "leaf2", "side"]


def test_scheduler_awaits_lro_handles_without_a_worker_and_reports_cycles() -> None:
    pending: Lro[int] = Lro(what="op")
    failing: Lro[int] = Lro(what="bad")
    started: list[str] = []

    def later() -> None:
        started.append("later")
        pending.set_result(1)
        failing.set_exception(DeploymentError("lro failed"))

    outcomes = GraphScheduler(max_workers=1).run(
        [
            _task("op", start=lambda: pending),
            _task("bad", start=lambda: failing),
            _task("later", start=later, priority=5),
            _task("after", "op", start=lambda: started.append("after")),  # type: ignore[func-returns-value]
            _task("p", "q"),
            _task("q", "p"),
        ]
    )
    assert outcomes["op"].status is TaskStatus.SUCCEEDED
    assert outcomes["bad"].status is TaskStatus.FAILED
    assert started == ["later", "after"]
    assert outcomes["p"].status is TaskStatus.FAILED and "cycle" in str(outcomes["p"].error)
    with pytest.raises(ValueError, match="unique"):
        GraphScheduler().run([_task("a"), _task("a")])
    with pytest.raises(ValueError, match="max_workers"):
        GraphScheduler(max_workers=0)


def test_manifest_round_trip_and_refuses_a_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "m" / "manifest.json"
    manifest = Manifest.load(path)
    assert not manifest.existed and not manifest.has_workspace("w")
    manifest.record("w", {"i2": "sha256:b", "i1": "sha256:a"})
    manifest.save()
    again = Manifest.load(path)
    assert again.existed and dict(again.hashes("w")) == {"i1": "sha256:a", "i2": "sha256:b"}
    assert list(path.parent.iterdir()) == [path]  # no temporary left behind
    path.write_text('{"format": 9}')
    with pytest.raises(ConfigError, match="not a fabric-action manifest"):
        Manifest.load(path)
    path.write_text("not json")
    with pytest.raises(ConfigError):
        Manifest.load(path)


def _plan() -> DeployPlan:
    workspace = WorkspacePlan(
        key="sales",
        name="Sales",
        workspace_id="w1",
        change_detection="manifest",
        repository_fingerprint="sha256:r",
        workspace_fingerprint="sha256:w",
        folders=(
            FolderChange(path="/A", action=FolderAction.CREATE),
            FolderChange(path="/Old", action=FolderAction.DELETE, folder_id="f"),
        ),
        items=(
            ItemChange(
                item_type="Notebook",
                display_name="nb",
                action=ItemAction.CREATE,
                folder_path="/A",
                value_set="DEV",
                publish=True,
                reason="new",
            ),
            ItemChange(
                item_type="Lakehouse",
                display_name="lh",
                action=ItemAction.KEEP_ORPHAN,
                item_id="i",
                reason="holds data",
            ),
        ),
        warnings=("something",),
    )
    return DeployPlan(project="p", environment="DEV", workspaces=(workspace,))


def test_plan_files_round_trip_render_and_refuse_when_stale(tmp_path: Path) -> None:
    plan = _plan()
    markdown = write_plan(plan, tmp_path / "plan.json")
    assert read_plan(tmp_path / "plan.json") == plan
    text = markdown.read_text()
    assert "| + | Notebook `nb` | create | /A | new; activate value set 'DEV'; publish |" in text
    assert "delete `/Old`" in text and "> warning: something" in text
    assert plan.workspaces[0].write_count == 3
    assert plan_markdown(plan) == text
    saved = plan.workspaces[0]
    check_plan_current(saved, repository="sha256:r", workspace="sha256:w", path=tmp_path)
    with pytest.raises(StalePlanError, match=r"repository content .* and the workspace 'Sales'"):
        check_plan_current(saved, repository="x", workspace="y", path=tmp_path)
    (tmp_path / "bad.json").write_text('{"format": 2}')
    with pytest.raises(ConfigError, match="not a fabric-action plan"):
        read_plan(tmp_path / "bad.json")


def test_cloud_selection_from_the_environment() -> None:
    assert cloud_from_environ({}, Tier.LOCAL).name == "public"
    cloud = cloud_from_environ(
        {
            "FABRIC_ACTION_CLOUD": "emulator:https://127.0.0.1:9",
            "FABRIC_ACTION_CA_BUNDLE": "/ca.pem",
        },
        Tier.LOCAL,
    )
    assert (cloud.name, cloud.fabric_api_base, cloud.ca_bundle_path) == (
        "emulator",
        "https://127.0.0.1:9/v1",
        "/ca.pem",
    )
    with pytest.raises(ConfigError, match="prod"):
        cloud_from_environ({"FABRIC_ACTION_CLOUD": "emulator:https://127.0.0.1:9"}, Tier.PROD)
    with pytest.raises(ConfigError, match="use 'public'"):
        cloud_from_environ({"FABRIC_ACTION_CLOUD": "moon"}, Tier.LOCAL)
    with pytest.raises(ConfigError):
        cloud_from_environ({"FABRIC_ACTION_CLOUD": "emulator:ftp://x"}, Tier.LOCAL)
