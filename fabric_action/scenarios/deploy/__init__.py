"""The deploy scenario: plan the repository's items against each workspace, then apply.

::

    session = open_session(config, os.environ, masker=..., mask=ci.mask, dotenv_path=...)
    result = run_deploy(session, DeployOptions(manifest_path=path, dry_run=True))
    write_plan(result.plan, Path("plan.json"))      # plan.json + plan.md
    run_deploy(session, DeployOptions(manifest_path=path, plan_path=Path("plan.json")))

Pieces: :func:`load_desired_workspace` (repository side), :func:`read_live_workspace`
(workspace side), :func:`plan_workspace` (the comparison), :class:`StepExecutor` (every
mutation, with :class:`StepHooks` for a journal), :class:`GraphScheduler` (dependency
order without holding workers on LROs), :func:`apply_workspace_plan`, :class:`Manifest`.
"""

from ._apply import WorkspaceOutcome, apply_workspace_plan
from ._desired import (
    DATA_BEARING_TYPES,
    SHELL_ONLY_TYPES,
    TYPE_ORDER,
    DesiredWorkspace,
    load_desired_workspace,
)
from ._executor import NoHooks, Step, StepExecutor, StepHooks, StepKind, StepRecord
from ._live import DeployResolver, LiveWorkspace, ProvisioningWait, read_live_workspace
from ._manifest import Manifest, default_manifest_path
from ._model import (
    DeployPlan,
    Drift,
    FolderAction,
    FolderChange,
    ItemAction,
    ItemChange,
    WorkspacePlan,
)
from ._plan import PlanContext, PlanOptions, plan_workspace
from ._plan_io import StalePlanError, check_plan_current, plan_markdown, read_plan, write_plan
from ._report import DeployReport, build_report, report_markdown, write_report
from ._run import DeployOptions, DeployResult, run_deploy
from ._scheduler import GraphScheduler, Task, TaskOutcome, TaskStatus
from ._session import CLOUD_VARIABLE, DeploySession, cloud_from_environ, open_session

__all__ = [
    "CLOUD_VARIABLE",
    "DATA_BEARING_TYPES",
    "SHELL_ONLY_TYPES",
    "TYPE_ORDER",
    "DeployOptions",
    "DeployPlan",
    "DeployReport",
    "DeployResolver",
    "DeployResult",
    "DeploySession",
    "DesiredWorkspace",
    "Drift",
    "FolderAction",
    "FolderChange",
    "GraphScheduler",
    "ItemAction",
    "ItemChange",
    "LiveWorkspace",
    "Manifest",
    "NoHooks",
    "PlanContext",
    "PlanOptions",
    "ProvisioningWait",
    "StalePlanError",
    "Step",
    "StepExecutor",
    "StepHooks",
    "StepKind",
    "StepRecord",
    "Task",
    "TaskOutcome",
    "TaskStatus",
    "WorkspaceOutcome",
    "WorkspacePlan",
    "apply_workspace_plan",
    "build_report",
    "check_plan_current",
    "cloud_from_environ",
    "default_manifest_path",
    "load_desired_workspace",
    "open_session",
    "plan_markdown",
    "plan_workspace",
    "read_live_workspace",
    "read_plan",
    "report_markdown",
    "run_deploy",
    "write_plan",
    "write_report",
]
