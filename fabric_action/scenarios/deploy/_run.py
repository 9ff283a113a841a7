"""One deploy run: plan every workspace of the environment, then apply (or stop there).

``scenario.plan()`` then ``scenario.apply(plan)`` of DESIGN.md's "One run, end to end".
The workspace must exist (creating it, its capacity and roles is the workspace
scenario's job); its items and folders are made to match the repository.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fabric_action.config import ChangeDetection, Workspace
from fabric_action.errors import ConfigError, ConfigProblem
from fabric_action.items import ParameterSet, check_reference_coverage
from fabric_action.items._dynamic_variables import (
    WORKSPACE_PREFIX,
    DynamicVariableError,
    parse_dynamic_variable,
)
from fabric_action.items._problems import GUID_PATTERN

from ._apply import WorkspaceOutcome, apply_workspace_plan
from ._bindings import TenantConnections
from ._desired import DesiredWorkspace, load_desired_workspace
from ._executor import StepExecutor, StepHooks, StepRecord
from ._live import DeployResolver, LiveWorkspace, WorkspaceDirectory, read_live_workspace
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
        warn: Receives each preflight warning (a problem with its item path and line);
            default: printed on stderr.
    """

    manifest_path: Path
    workspace: str | None = None
    dry_run: bool = False
    plan_path: Path | None = None
    verify_live: bool = False
    delete_data_types: frozenset[str] = frozenset()
    hooks: StepHooks | None = None
    max_workers: int = 8
    warn: Callable[[ConfigProblem], None] | None = None


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
    spec: Workspace
    desired: DesiredWorkspace
    live: LiveWorkspace
    planning: DeployResolver
    plan: WorkspacePlan | None = None
    context: PlanContext = field(default_factory=PlanContext)


def _read_target(session: DeploySession, spec: Workspace, directory: WorkspaceDirectory) -> _Target:
    client = session.client
    found = directory.find(spec.name)
    if found is None:
        raise ConfigError(
            f"workspace '{spec.name}' ({spec.key}) does not exist: create it first (creating "
            "workspaces, capacity and roles from the config comes with the workspace scenario)"
        )
    desired = load_desired_workspace(spec, session.config.environment.name)
    live = read_live_workspace(client, found.id, found.display_name)
    planning = DeployResolver(
        client,
        live,
        repository=desired.repository,
        planning=True,
        clock=session.clock,
        directory=directory,
    )
    return _Target(spec=spec, desired=desired, live=live, planning=planning)


def _referenced_workspaces(parameters: ParameterSet) -> set[str]:
    """Return the (case-folded) workspace names the rules' ``$workspace.<name>`` values name."""
    values: list[object] = []
    for find_rule in parameters.find_replace:
        values += [find_rule.find_value, *find_rule.replace_value.values()]
    for key_rule in parameters.key_value_replace:
        values += list(key_rule.replace_value.values())
    names: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not value.startswith(WORKSPACE_PREFIX):
            continue
        try:
            variable = parse_dynamic_variable(value)
        except DynamicVariableError:
            continue  # reported when the item is rendered
        if variable.workspace_name is not None:
            names.add(variable.workspace_name.casefold())
    return names


def _dependency_order(targets: list[_Target]) -> list[_Target]:
    """Order targets so a workspace another one references is deployed before it.

    Config order otherwise; a cycle keeps config order for the workspaces in it (their
    cross references then resolve only to items that exist before the run).
    """
    by_name = {t.live.name.casefold(): t for t in targets}
    needs = {
        t.live.name.casefold(): {
            n
            for n in _referenced_workspaces(t.desired.parameters)
            if n in by_name and n != t.live.name.casefold()
        }
        for t in targets
    }
    ordered: list[_Target] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return
        visiting.add(name)
        for needed in sorted(needs[name], key=lambda n: targets.index(by_name[n])):
            visit(needed)
        visiting.discard(name)
        done.add(name)
        ordered.append(by_name[name])

    for target in targets:
        visit(target.live.name.casefold())
    return ordered


def _plan_target(
    session: DeploySession,
    target: _Target,
    options: DeployOptions,
    manifest: Manifest,
    saved: DeployPlan | None,
    *,
    connections: TenantConnections,
) -> None:
    spec, desired, live = target.spec, target.desired, target.live
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
        target.plan = plan
        return
    plan_options = PlanOptions(
        change_detection=_detection(session, options, manifest, live.workspace_id),
        manifest_hashes=manifest.hashes(live.workspace_id),
        delete_data_types=options.delete_data_types,
        connections=connections,
    )
    target.plan, target.context = plan_workspace(
        session.client,
        desired,
        live,
        plan_options,
        resolver_factory=lambda planning: target.planning,
    )


_WORKSPACE_ID_KEY = re.compile(
    r"(?:default_lakehouse_workspace_id|workspaceId|workspace_id)[\"']?\s*[:=]\s*[\"']"
    r"(?P<id>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"
)


def _source_ids(target: _Target) -> set[str]:
    """Return the ids known to be the source's (see :func:`_preflight`)."""
    found: set[str] = set()
    for rule in target.desired.parameters.find_replace:
        if not rule.is_regex and GUID_PATTERN.fullmatch(rule.find_value.strip()):
            found.add(rule.find_value.strip().lower())
    for item in target.desired.repository.items:
        for part in item.parts:
            if part.is_text:
                found.update(m["id"].lower() for m in _WORKSPACE_ID_KEY.finditer(part.text))
    return found


def _print_warning(warning: ConfigProblem) -> None:
    print(f"fabric-action: warning: {warning}", file=sys.stderr)


def _preflight(targets: list[_Target], warn: Callable[[ConfigProblem], None]) -> None:
    """Refuse (before any write) definitions that would keep an id of the source.

    Source ids are what the repository says about its source: GUIDs a ``find_replace``
    rule names as its (literal) ``find_value``, and workspace ids written in definitions
    (``workspaceId``, ``default_lakehouse_workspace_id``). The all-zero placeholder, the
    ids of this run's workspaces and their listed items, and ids rules write are never
    reported. Other surviving GUIDs are warnings (printed, not fatal).

    Raises:
        UnmappedReferenceError: A definition keeps a source id (item path:line each).
        ItemSourceError: An item cannot be rendered.
    """
    own = {t.live.workspace_id for t in targets} | {i.id for t in targets for i in t.live.items}
    for target in targets:
        report = check_reference_coverage(
            target.desired.repository.items,
            repository=target.desired.repository,
            source_workspace_ids=_source_ids(target) - {i.lower() for i in own},
            parameters=target.desired.parameters,
            resolver=target.planning,
            known_target_ids=own,
        )
        for warning in report.warnings:
            warn(warning.to_problem())
        report.raise_for_errors()


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
    directory = WorkspaceDirectory(session.client, clock=clock)
    targets = [
        _read_target(session, spec, directory) for spec in _selected(session, options.workspace)
    ]
    for target in targets:
        directory.attach(target.planning)
    targets = _dependency_order(targets)
    connections = TenantConnections(session.client)  # listed once per run, if needed
    for target in targets:
        _plan_target(session, target, options, manifest, saved, connections=connections)
    _preflight(targets, options.warn or _print_warning)
    plans = [t.plan for t in targets if t.plan is not None]
    plan = DeployPlan(
        project=config.project,
        environment=config.environment.name,
        workspaces=tuple(plans),
    )
    outcomes: dict[str, WorkspaceOutcome] = {}
    records: list[StepRecord] = []
    if not options.dry_run:
        scheduler = GraphScheduler(max_workers=options.max_workers)
        resolvers = [
            DeployResolver(
                session.client,
                target.live,
                repository=target.desired.repository,
                planning=False,
                clock=clock,
                directory=directory,
            )
            for target in targets
        ]
        for resolver in resolvers:
            directory.attach(resolver)
        for target, resolver, workspace_plan in zip(targets, resolvers, plans, strict=True):
            executor = StepExecutor(
                session.client,
                clock=clock,
                hooks=options.hooks,
                prior_definitions=target.context.prior_definitions,
            )
            ws_id = workspace_plan.workspace_id
            outcome = apply_workspace_plan(
                session.client,
                target.desired,
                workspace_plan,
                executor=executor,
                resolver=resolver,
                scheduler=scheduler,
                manifest_hashes=manifest.hashes(ws_id),
            )
            outcomes[workspace_plan.key] = outcome
            records += executor.records
            manifest.record(ws_id, outcome.hashes)
        manifest.save()
    report = build_report(
        plan,
        outcomes,
        records,
        dry_run=options.dry_run,
        duration_s=clock.monotonic() - began,
        waits=directory.waits(),
    )
    return DeployResult(plan=plan, report=report, outcomes=outcomes)
