"""The ``deploy`` command: from parsed arguments to files written and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fabric_action._run_secrets import dotenv_path_for
from fabric_action.ci import CIAdapter
from fabric_action.config import load_config
from fabric_action.errors import ExitCode
from fabric_action.secrets import SecretMasker

from ._manifest import default_manifest_path
from ._plan_io import write_plan
from ._report import report_markdown, write_report
from ._run import DeployOptions, run_deploy
from ._session import open_session

__all__ = ["DeployArguments", "run_deploy_command"]


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
            ),
        )
    finally:
        session.close()
    if arguments.plan_out is not None:
        write_plan(result.plan, arguments.plan_out)
    if arguments.report is not None:
        write_report(result.report, arguments.report)
    markdown = report_markdown(result.report)
    summary = getattr(ci, "append_summary", None)
    if callable(summary):
        summary(markdown)
    for workspace in result.plan.workspaces:
        for drift in workspace.drift:
            print(
                f"fabric-action: drift: {drift.key} ({drift.item_id}) was changed in "
                f"workspace '{workspace.name}' since the last deployment",
                file=sys.stderr,
            )
        print(
            f"{workspace.name}: {workspace.write_count} change(s) "
            f"{'planned' if arguments.dry_run else 'applied'} "
            f"({workspace.change_detection} comparison)",
            flush=True,
        )
    if result.report.failed:
        ci.error(f"deploy failed: see {arguments.report or 'the report'} for the failed steps")
        return ExitCode.DEPLOYMENT_FAILED
    return ExitCode.OK
