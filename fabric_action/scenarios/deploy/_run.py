"""One deploy run: plan every workspace of the environment, then apply (or stop there).

``scenario.plan()`` then ``scenario.apply(plan)`` of DESIGN.md's "One run, end to end".
The workspace must exist (creating it, its capacity and roles is the workspace
scenario's job); its items and folders are made to match the repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fabric_action.config import ChangeDetection, Workspace
from fabric_action.errors import ConfigError

from ._apply import WorkspaceOutcome, apply_workspace_plan
from ._desired import DesiredWorkspace, load_desired_workspace
from ._executor import StepExecutor, StepHooks, StepRecord
from ._live import DeployResolver, LiveWorkspace, read_live_workspace
from ._manifest import Manifest
from ._model import DeployPlan, WorkspacePlan
from ._plan import LIVE, MANIFEST, PlanContext, PlanOptions, plan_workspace
from ._plan_io import check_plan_current, read_plan
from ._report import DeployReport, build_report
from ._scheduler import GraphScheduler
from ._session import DeploySession

__all__ = ["DeployOptions", "DeployResult", "run_deploy"]


@dataclass(frozen=True, kw_only=True)
class DeployOptions:
    """What one run is asked to do.

    Attributes:
        manifest_path: The manifest file.
        workspace: Only this workspace (its key or display name); None: all.
        dry_run: Plan only.
        plan_path: Apply this saved plan (refused when stale).
        verify_live: Compare with ``getDefinition`` and report drift.
        delete_data_types: Data-bearing types whose orphans may be deleted.
        hooks: Step hooks (a transaction journal), default none.
        max_workers: Threads starting steps (default 8).
    """

    manifest_path: Path
    workspace: str | None = None
    dry_run: bool = False
    plan_path: Path | None = None
    verify_live: bool = False
    delete_data_types: frozenset[str] = frozenset()
    hooks: StepHooks | None = None
    max_workers: int = 8


@dataclass(kw_only=True)
class DeployResult:
    """What the run produced.

    Attributes:
        plan: The plan (computed, or read from ``plan_path``).
        report: The report.
        outcomes: By workspace key, what applying did (empty for a dry run).
    """

    plan: DeployPlan
    report: DeployReport
    outcomes: dict[str, WorkspaceOutcome] = field(default_factory=dict)


def _selected(session: DeploySession, name: str | None) -> tuple[Workspace, ...]:
    workspaces = session.config.environment.workspaces
    if name is None:
        return workspaces
    chosen = tuple(w for w in workspaces if name in (w.key, w.name))
    if not chosen:
        known = ", ".join(w.key for w in workspaces)
        raise ConfigError(f"--workspace {name!r}: no such workspace in the environment ({known})")
    return chosen


def _detection(
    session: DeploySession, options: DeployOptions, manifest: Manifest, ws_id: str
) -> str:
    policy = session.config.environment.policy.change_detection
    if options.verify_live or policy is ChangeDetection.LIVE or not manifest.has_workspace(ws_id):
        return LIVE
    return MANIFEST


@dataclass(kw_only=True)
class _Target:
    desired: DesiredWorkspace
    live: LiveWorkspace
    plan: WorkspacePlan
    context: PlanContext


def _target(
    session: DeploySession,
    spec: Workspace,
    options: DeployOptions,
    manifest: Manifest,
    saved: DeployPlan | None,
) -> _Target:
    client = session.client
    found = client.workspaces.find(spec.name)
    if found is None:
        raise ConfigError(
            f"workspace '{spec.name}' ({spec.key}) does not exist: create it first (creating "
            "workspaces, capacity and roles from the config comes with the workspace scenario)"
        )
    desired = load_desired_workspace(spec, session.config.environment.name)
    live = read_live_workspace(client, found.id, found.display_name)

    def resolver(planning: bool) -> DeployResolver:
        return DeployResolver(
            client, live, repository=desired.repository, planning=planning, clock=session.clock
        )

    if saved is not None and options.plan_path is not None:
        plan = next((w for w in saved.workspaces if w.key == spec.key), None)
        if plan is None:
            raise ConfigError(f"{options.plan_path}: the plan has no workspace {spec.key!r}")
        check_plan_current(
            plan,
            repository=desired.fingerprint,
            workspace=live.fingerprint(),
            path=options.plan_path,
        )
        return _Target(desired=desired, live=live, plan=plan, context=PlanContext())
    plan_options = PlanOptions(
        change_detection=_detection(session, options, manifest, found.id),
        manifest_hashes=manifest.hashes(found.id),
        delete_data_types=options.delete_data_types,
    )
    plan, context = plan_workspace(client, desired, live, plan_options, resolver_factory=resolver)
    return _Target(desired=desired, live=live, plan=plan, context=context)


def run_deploy(session: DeploySession, options: DeployOptions) -> DeployResult:
    """Plan, then apply unless ``dry_run``; update the manifest after applying.

    Raises:
        ConfigError: A workspace is missing, the repository or parameters are invalid,
            or a saved plan is stale (:class:`StalePlanError`).
    """
    clock = session.clock
    began = clock.monotonic()
    config = session.config
    saved = read_plan(options.plan_path) if options.plan_path is not None else None
    if saved is not None and saved.environment != config.environment.name:
        raise ConfigError(
            f"{options.plan_path}: the plan is for environment "
            f"{saved.environment!r}, not {config.environment.name!r}"
        )
    manifest = Manifest.load(options.manifest_path)
    targets = [
        _target(session, spec, options, manifest, saved)
        for spec in _selected(session, options.workspace)
    ]
    plan = DeployPlan(
        project=config.project,
        environment=config.environment.name,
        workspaces=tuple(t.plan for t in targets),
    )
    outcomes: dict[str, WorkspaceOutcome] = {}
    records: list[StepRecord] = []
    if not options.dry_run:
        scheduler = GraphScheduler(max_workers=options.max_workers)
        for target in targets:
            executor = StepExecutor(
                session.client,
                clock=clock,
                hooks=options.hooks,
                prior_definitions=target.context.prior_definitions,
            )
            resolver = DeployResolver(
                session.client,
                target.live,
                repository=target.desired.repository,
                planning=False,
                clock=clock,
            )
            ws_id = target.plan.workspace_id
            outcome = apply_workspace_plan(
                session.client,
                target.desired,
                target.plan,
                executor=executor,
                resolver=resolver,
                scheduler=scheduler,
                manifest_hashes=manifest.hashes(ws_id),
            )
            outcomes[target.plan.key] = outcome
            records += executor.records
            manifest.record(ws_id, outcome.hashes)
        manifest.save()
    report = build_report(
        plan, outcomes, records, dry_run=options.dry_run, duration_s=clock.monotonic() - began
    )
    return DeployResult(plan=plan, report=report, outcomes=outcomes)
