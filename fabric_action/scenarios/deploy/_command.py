"""The ``deploy`` command: from parsed arguments to files written and an exit code.

Besides the plan and report files it publishes, through the CI adapter, the job summary
(the plan's Markdown for a dry run, the report's otherwise) and the step outputs listed
in :data:`DEPLOY_OUTPUTS`, also when a step failed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fabric_action._run_secrets import dotenv_path_for
from fabric_action.ci import CIAdapter
from fabric_action.config import load_config
from fabric_action.errors import ExitCode
from fabric_action.secrets import SecretMasker

from ._manifest import default_manifest_path
from ._plan_io import plan_markdown, write_plan
from ._report import report_markdown, write_report
from ._run import DeployOptions, DeployResult, run_deploy
from ._session import open_session

__all__ = ["DEPLOY_OUTPUTS", "DeployArguments", "deploy_outputs", "run_deploy_command"]

DEPLOY_OUTPUTS: tuple[str, ...] = (
    "status",
    "changes",
    "created",
    "updated",
    "deleted",
    "failed",
    "drift",
    "summary",
    "report",
    "plan",
)
"""Every step output ``deploy`` may set (``report`` and ``plan`` only when there is a file);
action.yml declares each of them."""


@dataclass(frozen=True, kw_only=True)
class DeployArguments:
    """The command line of ``deploy`` (see ``fabric-action deploy --help``)."""

    config_file: Path
    environment: str | None
    workspace: str | None = None
    dry_run: bool = False
    plan_out: Path | None = None
    plan: Path | None = None
    verify_live: bool = False
    manifest: Path | None = None
    report: Path | None = None
    dotenv: Path | None = None
    allow_delete: tuple[str, ...] = ()


def run_deploy_command(
    arguments: DeployArguments, ci: CIAdapter, environ: Mapping[str, str] | None = None
) -> ExitCode:
    """Plan (and unless ``--dry-run`` apply) the environment; write plan, report, summary.

    Returns:
        0 when every step succeeded (or the dry run planned), 1 when a step failed.

    Raises:
        FabricActionError: Config, auth or stale-plan problems (exit code per errors.py).
    """
    environ = os.environ if environ is None else environ
    config = load_config(arguments.config_file, arguments.environment, environ=environ)
    masker = SecretMasker(ci)
    dotenv = dotenv_path_for(arguments.config_file, arguments.dotenv)
    session = open_session(config, environ, masker=masker, mask=ci.mask, dotenv_path=dotenv)
    manifest = arguments.manifest or default_manifest_path(
        config.config_file.parent, config.environment.name
    )
    try:
        result = run_deploy(
            session,
            DeployOptions(
                manifest_path=manifest,
                workspace=arguments.workspace,
                dry_run=arguments.dry_run,
                plan_path=arguments.plan,
                verify_live=arguments.verify_live,
                delete_data_types=frozenset(arguments.allow_delete),
                warn=lambda problem: ci.warning(
                    str(problem), file=problem.file or None, line=problem.line
                ),
            ),
        )
    finally:
        session.close()
    if arguments.plan_out is not None:
        write_plan(result.plan, arguments.plan_out)
    if arguments.report is not None:
        write_report(result.report, arguments.report)
    ci.append_summary(
        plan_markdown(result.plan) if arguments.dry_run else report_markdown(result.report)
    )
    for workspace in result.plan.workspaces:
        for warning in workspace.warnings:
            ci.warning(f"{workspace.name}: {warning}")
        for drift in workspace.drift:
            ci.warning(
                f"drift: {drift.key} ({drift.item_id}) was changed in workspace "
                f"'{workspace.name}' since the last deployment"
            )
        print(
            f"{workspace.name}: {workspace.write_count} change(s) "
            f"{'planned' if arguments.dry_run else 'applied'} "
            f"({workspace.change_detection} comparison)",
            flush=True,
        )
    for name, value in deploy_outputs(result, arguments, environ).items():
        ci.set_output(name, value)
    if result.report.failed:
        ci.error(f"deploy failed: see {arguments.report or 'the report'} for the failed steps")
        return ExitCode.DEPLOYMENT_FAILED
    return ExitCode.OK


def _shown_path(path: Path, environ: Mapping[str, str]) -> str:
    """Return *path* as a later step reads it: relative to ``GITHUB_WORKSPACE`` when inside.

    In a Docker action the checkout is mounted at another path than on the runner, so a
    path inside it is only meaningful to the next step when relative.
    """
    workspace = environ.get("GITHUB_WORKSPACE", "").strip()
    if workspace and path.is_absolute() and path.is_relative_to(workspace):
        return str(path.relative_to(workspace))
    return str(path)


def deploy_outputs(
    result: DeployResult, arguments: DeployArguments, environ: Mapping[str, str]
) -> dict[str, str]:
    """Return the step outputs of a run, by name (see :data:`DEPLOY_OUTPUTS`).

    ``created``/``updated``/``deleted`` count items that were (dry run: would be) created,
    updated or moved, deleted; ``failed`` the items whose steps failed or were skipped,
    plus folders that failed; ``changes`` the writes of the plan.
    """
    document = result.report.document
    workspaces = document["workspaces"]
    items = [item for workspace in workspaces for item in workspace["items"]]
    done = "planned" if arguments.dry_run else "succeeded"

    def count(*actions: str) -> int:
        return sum(1 for i in items if i["action"] in actions and i["status"] == done)

    created, updated, deleted = count("create"), count("update", "move"), count("delete")
    failed = sum(1 for i in items if i["status"] in ("failed", "skipped")) + sum(
        len(w["folder_failures"]) for w in workspaces
    )
    drift = sum(len(w.drift) for w in result.plan.workspaces)
    changes = sum(w.write_count for w in result.plan.workspaces)
    status = str(document["status"])
    outputs = {
        "status": status,
        "changes": str(changes),
        "created": str(created),
        "updated": str(updated),
        "deleted": str(deleted),
        "failed": str(failed),
        "drift": str(drift),
        "summary": (
            f"{document['project']}/{document['environment']}: {status}, {changes} "
            f"change{'' if changes == 1 else 's'} ({created} created, {updated} updated, "
            f"{deleted} deleted), {failed} failed, {drift} drifted"
        ),
    }
    if arguments.report is not None:
        outputs["report"] = _shown_path(arguments.report, environ)
    plan = arguments.plan_out or arguments.plan
    if plan is not None:
        outputs["plan"] = _shown_path(plan, environ)
    return outputs
