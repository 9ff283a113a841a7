"""Save a plan (JSON and Markdown), read it back, and refuse it once it is stale.

A saved plan pins two fingerprints per workspace: the repository's (everything
rendering reads) and the workspace's (its item and folder listing). Applying it
re-computes both; if either differs, the plan no longer describes what would happen and
is refused with :class:`StalePlanError` (exit 2) rather than applied.
"""

from __future__ import annotations

import json
from pathlib import Path

from fabric_action.errors import ConfigError

from ._model import PLAN_FORMAT_VERSION, DeployPlan, FolderAction, ItemAction, WorkspacePlan

__all__ = ["StalePlanError", "check_plan_current", "plan_markdown", "read_plan", "write_plan"]


class StalePlanError(ConfigError):
    """A saved plan no longer matches the repository or the workspace."""


def write_plan(plan: DeployPlan, path: Path) -> Path:
    """Write ``plan`` as JSON at *path* and as Markdown next to it; return the Markdown path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan.to_json(), indent=2) + "\n", encoding="utf-8")
    markdown = path.with_suffix(".md")
    markdown.write_text(plan_markdown(plan), encoding="utf-8")
    return markdown


def read_plan(path: Path) -> DeployPlan:
    """Read a plan written by :func:`write_plan`.

    Raises:
        ConfigError: The file is missing or is not a plan of this format.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != PLAN_FORMAT_VERSION:
            raise ValueError(f"format {document.get('format')!r} is not {PLAN_FORMAT_VERSION}")
        return DeployPlan.from_json(document)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{path}: not a fabric-action plan ({exc}); make one with --dry-run --plan-out"
        ) from exc


def check_plan_current(
    saved: WorkspacePlan, *, repository: str, workspace: str, path: Path
) -> None:
    """Refuse *saved* unless both fingerprints still hold.

    Raises:
        StalePlanError: Naming what changed and what to do.
    """
    changed = []
    if saved.repository_fingerprint != repository:
        changed.append("the repository content (items, parameters or environment)")
    if saved.workspace_fingerprint != workspace:
        changed.append(f"the workspace '{saved.name}' (its items or folders)")
    if changed:
        raise StalePlanError(
            f"{path}: the plan is out of date: {' and '.join(changed)} changed since it was "
            "made; make a new plan with --dry-run --plan-out and review it"
        )


_SYMBOL = {
    ItemAction.CREATE: "+", ItemAction.UPDATE: "~", ItemAction.MOVE: "→",
    ItemAction.UNCHANGED: "=", ItemAction.DELETE: "-", ItemAction.KEEP_ORPHAN: "!",
}  # fmt: skip


def plan_markdown(plan: DeployPlan) -> str:
    """Return a Markdown rendering of *plan* (for review and PR comments)."""
    lines = [f"# fabric-action plan: {plan.project} / {plan.environment}", ""]
    for workspace in plan.workspaces:
        lines += [
            f"## Workspace `{workspace.name}` ({workspace.workspace_id})",
            "",
            f"Change detection: {workspace.change_detection}. Writes planned: "
            f"{workspace.write_count}.",
            "",
            "| | item | action | folder | reason |",
            "|---|---|---|---|---|",
        ]
        for item in workspace.items:
            extra = []
            if item.value_set:
                extra.append(f"activate value set '{item.value_set}'")
            if item.publish:
                extra.append("publish")
            extra += [binding.describe() for binding in item.bindings]
            reason = "; ".join([item.reason, *extra]) if item.reason else "; ".join(extra)
            lines.append(
                f"| {_SYMBOL[item.action]} | {item.item_type} `{item.display_name}` | "
                f"{item.action.value} | {item.folder_path or '/'} | {reason} |"
            )
        folders = [f for f in workspace.folders if f.action is not FolderAction.UNCHANGED]
        if folders:
            lines += ["", "Folders: " + ", ".join(f"{f.action.value} `{f.path}`" for f in folders)]
        if workspace.drift:
            lines += ["", "**Drift** (changed in the workspace since the last deployment):"]
            lines += [f"- {d.key} ({d.item_id})" for d in workspace.drift]
        lines += (
            ["", *[f"> warning: {w}" for w in workspace.warnings]] if workspace.warnings else []
        )
        lines.append("")
    return "\n".join(lines)
