"""The deployment report: JSON for machines, Markdown for the CI job summary.

Every item of every workspace plan is listed with its action, ids, outcome and the
duration of its steps; a failure carries Fabric's requestId for a support ticket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._apply import WorkspaceOutcome
from ._attributes import AttributeWaitRecord
from ._executor import StepKind, StepRecord
from ._model import DeployPlan, ItemAction

__all__ = ["DeployReport", "build_report", "report_markdown"]


@dataclass(frozen=True, kw_only=True)
class DeployReport:
    """What a deploy run did.

    Attributes:
        document: The JSON report.
        failed: Whether any step failed or was skipped.
    """

    document: dict[str, Any] = field(default_factory=dict)
    failed: bool = False


def _status(outcome: WorkspaceOutcome | None, task_ids: list[str]) -> str:
    if outcome is None:
        return "planned"
    states = [outcome.outcomes[t].status.value for t in task_ids if t in outcome.outcomes]
    for state in ("failed", "skipped"):
        if state in states:
            return state
    return "succeeded" if states else "no-op"


def _errors(
    outcome: WorkspaceOutcome | None, tasks: list[str], steps: list[StepRecord]
) -> list[str]:
    """Return why an item failed: its failed steps, then tasks that failed before a step.

    A task fails without a failed step when it could not even start one (rendering
    needed an attribute that never provisioned), or is skipped when what it needs failed.
    """
    errors = [s.error for s in steps if s.status == "failed" and s.error]
    if outcome is None:
        return errors
    for task in tasks:
        ended = outcome.outcomes.get(task)
        if ended is None or ended.error is None or ended.status.value not in ("failed", "skipped"):
            continue
        text = str(ended.error)
        if text not in errors:
            errors.append(text)
    return errors


def _waits(
    records: list[StepRecord], waits: tuple[AttributeWaitRecord, ...]
) -> list[dict[str, Any]]:
    """Return the run's provisioning waits: attributes awaited, Environment publishes."""
    rows: list[dict[str, Any]] = [
        {
            "workspace_id": w.workspace_id,
            "item": f"{w.item.item_type}/{w.item.display_name}",
            "item_id": w.item_id,
            "what": w.attribute,
            "waited_s": round(w.waited_s, 3),
            "outcome": w.outcome,
        }
        for w in waits
    ]
    rows += [
        {
            "workspace_id": r.step.workspace_id,
            "item": r.step.target,
            "item_id": r.step.item_id,
            "what": "environment publish",
            "waited_s": round(r.duration_s, 3),
            "outcome": r.status,
        }
        for r in records
        if r.step.kind is StepKind.PUBLISH_ENVIRONMENT
    ]
    return rows


def build_report(
    plan: DeployPlan,
    outcomes: dict[str, WorkspaceOutcome],
    records: list[StepRecord],
    *,
    dry_run: bool,
    duration_s: float,
    waits: tuple[AttributeWaitRecord, ...] = (),
) -> DeployReport:
    """Return the report of a run (``outcomes`` by workspace key; empty for a dry run).

    ``waits`` are the attribute provisioning waits of the run; with the Environment
    publishes they are listed under ``waits`` (seconds waited, outcome).
    """
    by_target: dict[tuple[str, str], list[StepRecord]] = {}
    for record in records:
        by_target.setdefault((record.step.workspace_id, record.step.target), []).append(record)
    failed = False
    workspaces = []
    for workspace in plan.workspaces:
        outcome = outcomes.get(workspace.key)
        items = []
        for change in workspace.items:
            kinds = ("item", "activate", "publish", "bind", "delete")
            tasks = [f"{kind}:{change.key}" for kind in kinds]
            steps = by_target.get((workspace.workspace_id, change.key), [])
            status = _status(outcome, tasks) if not dry_run else "planned"
            failed = failed or status in ("failed", "skipped")
            item_id = (
                outcome.item_ids.get(change.key, change.item_id) if outcome else change.item_id
            )
            items.append(
                {
                    "type": change.item_type,
                    "name": change.display_name,
                    "action": change.action.value,
                    "id": item_id,
                    "status": status,
                    "duration_s": round(sum(s.duration_s for s in steps), 3),
                    "steps": [
                        {
                            "kind": s.step.kind.value,
                            "status": s.status,
                            "duration_s": round(s.duration_s, 3),
                            "operation_id": s.operation_id,
                            "request_id": s.request_id,
                            "error": s.error,
                        }
                        for s in steps
                    ],
                    "request_ids": [
                        s.request_id for s in steps if s.status == "failed" and s.request_id
                    ],
                    "errors": _errors(outcome, tasks, steps),
                    "reason": change.reason,
                    "bindings": [binding.to_json() for binding in change.bindings],
                }
            )
        folder_failures = [
            t for t in (outcome.failed if outcome else []) if t.startswith(("folder:", "rmdir:"))
        ]
        failed = failed or bool(folder_failures)
        workspaces.append(
            {
                "key": workspace.key,
                "name": workspace.name,
                "id": workspace.workspace_id,
                "change_detection": workspace.change_detection,
                "writes_planned": workspace.write_count,
                "items": items,
                "folders": [f.to_json() for f in workspace.folders],
                "folder_failures": folder_failures,
                "drift": [d.to_json() for d in workspace.drift],
                "warnings": list(workspace.warnings),
            }
        )
    document = {
        "project": plan.project,
        "environment": plan.environment,
        "dry_run": dry_run,
        "status": "failed" if failed else ("planned" if dry_run else "succeeded"),
        "duration_s": round(duration_s, 3),
        "workspaces": workspaces,
        "waits": _waits(records, waits),
    }
    return DeployReport(document=document, failed=failed)


def report_markdown(report: DeployReport) -> str:
    """Return the job-summary Markdown of a report."""
    doc = report.document
    lines = [
        f"### fabric-action deploy: {doc['project']} / {doc['environment']} — {doc['status']}",
        "",
    ]
    for workspace in doc["workspaces"]:
        counts: dict[str, int] = {}
        for item in workspace["items"]:
            counts[item["action"]] = counts.get(item["action"], 0) + 1
        summary = ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
        lines += [
            f"**{workspace['name']}** ({workspace['change_detection']}): {summary}",
            "",
            "| item | action | status | s | requestIds |",
            "|---|---|---|---|---|",
        ]
        for item in workspace["items"]:
            if (
                item["action"] == ItemAction.UNCHANGED.value
                and item["status"] in ("no-op", "planned")
                and not item.get("bindings")
            ):
                continue
            lines.append(
                f"| {item['type']} `{item['name']}` | {item['action']} | {item['status']} | "
                f"{item['duration_s']:g} | {' '.join(item['request_ids'])} |"
            )
        for item in workspace["items"]:
            for binding in item.get("bindings", []):
                lines.append(
                    f"\n> bind: {item['type']} `{item['name']}` {binding['type']} "
                    f"{binding['path']} to {binding['connection_name'] or 'connection'} "
                    f"({binding['connection_id']})"
                )
        for drift in workspace["drift"]:
            lines.append(f"\n> drift: {drift['key']} was changed in the workspace")
        for warning in workspace["warnings"]:
            lines.append(f"\n> warning: {warning}")
        lines.append("")
    names = {w["id"]: w["name"] for w in doc["workspaces"]}
    waits = doc.get("waits", [])
    if waits:
        lines += ["**Provisioning waits**", ""]
        for wait in waits:
            where = names.get(wait["workspace_id"], wait["workspace_id"])
            lines.append(
                f"- {wait['what']} of {wait['item']} in {where}: {wait['waited_s']:g} s, "
                f"{wait['outcome']}"
            )
        lines.append("")
    return "\n".join(lines)


def write_report(report: DeployReport, path: Path) -> Path:
    """Write the JSON report and its Markdown next to it; return the Markdown path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.document, indent=2) + "\n", encoding="utf-8")
    markdown = path.with_suffix(".md")
    markdown.write_text(report_markdown(report), encoding="utf-8")
    return markdown
