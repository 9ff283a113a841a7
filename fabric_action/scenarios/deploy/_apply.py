"""Apply one workspace plan: a dependency graph of steps, run through the step executor.

Folders come first (a parent before its children, siblings in parallel); an item waits
for its folder and for the items it references that this run creates (references to
items that already exist need nothing); a VariableLibrary's value set is activated, an
Environment published and a semantic model bound to its connections once its definition
is in; orphans are deleted last, and emptied
folders after them, deepest first. Each item is rendered when it starts, so references
to items created moments before resolve to their new ids.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fabric_action.errors import DeploymentError
from fabric_action.fabric import (
    ConnectionBinding,
    ConnectionDetails,
    Definition,
    FabricClient,
    Item,
    Lro,
)
from fabric_action.fabric import DefinitionPart as WirePart
from fabric_action.items import ItemKey, SourceItem, definition_hash, render_item

from ._bindings import is_bound_to, matching_reference
from ._desired import SHELL_ONLY_TYPES, TYPE_ORDER, DesiredWorkspace
from ._executor import Step, StepExecutor, StepKind
from ._live import DeployResolver
from ._locate import ItemLocator
from ._model import FolderAction, FolderChange, ItemAction, ItemChange, WorkspacePlan
from ._scheduler import GraphScheduler, Task, TaskOutcome

__all__ = ["WorkspaceOutcome", "apply_workspace_plan"]

_PRIORITY = {name: index for index, name in enumerate(TYPE_ORDER)}


@dataclass(kw_only=True)
class WorkspaceOutcome:
    """What applying one workspace plan did.

    Attributes:
        plan: The plan applied.
        outcomes: task id -> how it ended.
        item_ids: ``Type/name`` -> id after the run (created items included).
        hashes: item id -> hash of the definition now deployed (for the manifest).
    """

    plan: WorkspacePlan
    outcomes: dict[str, TaskOutcome] = field(default_factory=dict)
    item_ids: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """Return the ids of tasks that failed or were skipped."""
        return sorted(t for t, o in self.outcomes.items() if o.status.value != "succeeded")


def _to_wire(item: SourceItem, parts: Any, definition_format: str | None) -> Definition:
    return Definition(
        parts=tuple(WirePart.from_bytes(part.path, part.data) for part in parts),
        format=definition_format,
    )


def _lakehouse_payload(item: SourceItem) -> dict[str, Any] | None:
    """Return fabric-cicd's creation payload: ``enableSchemas`` when a default schema is set."""
    part = item.part("lakehouse.metadata.json")
    if part is None or not part.is_text:
        return None
    try:
        metadata = json.loads(part.text)
    except json.JSONDecodeError:
        return None
    return (
        {"enableSchemas": True}
        if isinstance(metadata, dict) and metadata.get("defaultSchema")
        else None
    )


class _WorkspaceApply:
    def __init__(
        self,
        client: FabricClient,
        desired: DesiredWorkspace,
        plan: WorkspacePlan,
        executor: StepExecutor,
        resolver: DeployResolver,
    ) -> None:
        self.client, self.desired, self.plan = client, desired, plan
        self.executor, self.resolver = executor, resolver
        self.ws = plan.workspace_id
        self.lock = threading.Lock()
        self.folder_ids = {f.path.casefold(): f.folder_id for f in plan.folders if f.folder_id}
        self.outcome = WorkspaceOutcome(plan=plan)
        self.locator = ItemLocator(lambda: client.items.list(self.ws))
        for change in plan.items:
            if change.item_id:
                self.outcome.item_ids[change.key] = change.item_id

    # -- folders -------------------------------------------------------------------------

    def folder_id(self, path: str) -> str | None:
        with self.lock:
            return self.folder_ids.get(path.casefold()) if path else None

    def create_folder(self, change: FolderChange) -> None:
        step = Step(kind=StepKind.CREATE_FOLDER, workspace_id=self.ws, target=change.path)
        parent, name = change.path.rsplit("/", 1)

        def call() -> str:
            folder = self.client.folders.create(
                self.ws, name, parent_folder_id=self.folder_id(parent)
            )
            with self.lock:
                self.folder_ids[change.path.casefold()] = folder.id
            return folder.id

        self.executor.execute_sync(step, call)

    def delete_folder(self, change: FolderChange) -> None:
        step = Step(kind=StepKind.DELETE_FOLDER, workspace_id=self.ws, target=change.path)
        self.executor.execute_sync(
            step, lambda: self.client.folders.delete(self.ws, change.folder_id)
        )

    # -- items ---------------------------------------------------------------------------

    def source(self, change: ItemChange) -> SourceItem:
        item = self.desired.repository.get(ItemKey(change.item_type, change.display_name))
        if item is None:  # a fingerprint check keeps the plan and the repository in step
            raise DeploymentError(f"{change.key} is in the plan but not in the repository")
        return item

    def render(self, item: SourceItem) -> tuple[Definition, str]:
        rendered = render_item(
            item,
            repository=self.desired.repository,
            resolver=self.resolver,
            parameters=self.desired.parameters,
        )
        return (
            _to_wire(item, rendered.parts, rendered.definition_format),
            definition_hash(item.item_type, rendered.parts),
        )

    def remember(self, change: ItemChange, item_id: str, digest: str) -> None:
        with self.lock:
            self.outcome.item_ids[change.key] = item_id
            self.outcome.hashes[item_id] = digest

    def create_item(self, change: ItemChange) -> Lro[Item]:
        item = self.source(change)
        shell = item.item_type in SHELL_ONLY_TYPES
        definition, digest = self.render(item)
        step = Step(kind=StepKind.CREATE_ITEM, workspace_id=self.ws, target=change.key)
        handle: Lro[Item] = self.executor.execute(
            step,
            lambda started: self.client.items.begin_create(
                self.ws,
                display_name=item.display_name,
                item_type=item.item_type,
                description=item.description or None,
                folder_id=self.folder_id(item.folder_path),
                definition=None if shell else definition,
                creation_payload=_lakehouse_payload(item)
                if item.item_type == "Lakehouse"
                else None,
                on_started=started,
                fetch_result=False,
                locate=self.locator.locate,
            ),
        )

        def created(done: Lro[Item]) -> None:
            if done.exception() is None:
                new = done.result()
                self.resolver.register(item.key, new.id)
                self.remember(change, new.id, digest)

        handle.add_done_callback(created)
        return handle

    def update_item(self, change: ItemChange) -> Lro[Any] | None:
        item = self.source(change)
        if change.moved:
            self.move_item(change)
        shell = item.item_type in SHELL_ONLY_TYPES
        if shell:
            step = Step(
                kind=StepKind.UPDATE_ITEM,
                workspace_id=self.ws,
                target=change.key,
                item_id=change.item_id,
                captures_prior=False,
            )
            self.executor.execute_sync(
                step,
                lambda: self.client.items.update(
                    self.ws, change.item_id, description=item.description
                ),
            )
            self.remember(change, change.item_id, change.desired_hash)
            return None
        definition, digest = self.render(item)
        step = Step(
            kind=StepKind.UPDATE_ITEM,
            workspace_id=self.ws,
            target=change.key,
            item_id=change.item_id,
        )
        handle: Lro[None] = self.executor.execute(
            step,
            lambda started: self.client.items.begin_update_definition(
                self.ws,
                change.item_id,
                definition,
                update_metadata=change.metadata_changed,
                on_started=started,
            ),
        )
        handle.add_done_callback(
            lambda done: (
                self.remember(change, change.item_id, digest) if done.exception() is None else None
            )
        )
        return handle

    def move_item(self, change: ItemChange) -> None:
        step = Step(
            kind=StepKind.MOVE_ITEM, workspace_id=self.ws, target=change.key, item_id=change.item_id
        )
        target = self.folder_id(change.folder_path)
        self.executor.execute_sync(
            step, lambda: self.client.items.move(self.ws, change.item_id, target_folder_id=target)
        )

    def item_id(self, change: ItemChange) -> str:
        with self.lock:
            return self.outcome.item_ids[change.key]

    def activate(self, change: ItemChange) -> None:
        step = Step(
            kind=StepKind.ACTIVATE_VALUE_SET,
            workspace_id=self.ws,
            target=change.key,
            item_id=self.item_id(change),
        )
        self.executor.execute_sync(
            step,
            lambda: self.client.typed.set_active_value_set(self.ws, step.item_id, change.value_set),
        )

    def publish(self, change: ItemChange) -> Lro[Any]:
        step = Step(
            kind=StepKind.PUBLISH_ENVIRONMENT,
            workspace_id=self.ws,
            target=change.key,
            item_id=self.item_id(change),
        )
        return self.executor.execute(
            step,
            lambda started: self.client.typed.begin_publish_environment(
                self.ws, step.item_id, on_started=started, fetch_result=False
            ),
        )

    def bind(self, change: ItemChange) -> None:
        """Send the model's planned binds, each one step that keeps the reference it changes.

        The model's data source references are read first: they are what an undo restores,
        and a bind whose connection is bound already (a resumed run) is not sent again. A
        model without any reference has nothing to bind (fabric-cicd skips it too). One
        failing bind does not stop the others (as in fabric-cicd); the first error is
        raised once all were tried.
        """
        model_id = self.item_id(change)
        references = self.client.connections.list_item_connections(self.ws, model_id)
        if not references:
            return
        errors: list[Exception] = []
        for planned in change.bindings:
            details = ConnectionDetails(type=planned.connection_type, path=planned.path)
            prior = matching_reference(references, details)
            if is_bound_to(prior, planned.connection_id):
                continue
            step = Step(
                kind=StepKind.BIND_CONNECTION,
                workspace_id=self.ws,
                target=change.key,
                item_id=model_id,
                prior_binding=prior,
            )
            binding = ConnectionBinding(
                connection_id=planned.connection_id,
                connectivity_type=planned.connectivity_type,
                details=details,
            )
            try:
                self.executor.execute_sync(
                    step,
                    functools.partial(
                        self.client.connections.bind_semantic_model, self.ws, model_id, binding
                    ),
                )
            except Exception as error:  # recorded by the executor; raised after the rest
                errors.append(error)
        if errors:
            raise errors[0]

    def delete_item(self, change: ItemChange) -> None:
        step = Step(
            kind=StepKind.DELETE_ITEM,
            workspace_id=self.ws,
            target=change.key,
            item_id=change.item_id,
            captures_prior=change.item_type not in SHELL_ONLY_TYPES,
        )
        self.executor.execute_sync(step, lambda: self.client.items.delete(self.ws, change.item_id))
        with self.lock:
            self.outcome.item_ids.pop(change.key, None)

    # -- the graph -----------------------------------------------------------------------

    def tasks(self) -> list[Task]:
        tasks: list[Task] = []
        created_folders = {
            f.path.casefold() for f in self.plan.folders if f.action is FolderAction.CREATE
        }
        for folder_change in self.plan.folders:
            if folder_change.action is FolderAction.CREATE:
                parent = folder_change.parent_path.casefold()
                deps = {f"folder:{parent}"} if parent in created_folders else set()
                task_id = f"folder:{folder_change.path.casefold()}"
                tasks.append(_task(task_id, deps, _sync(self.create_folder, folder_change)))
        created_items = {c.key for c in self.plan.items if c.action is ItemAction.CREATE}
        body: list[str] = []
        for change in self.plan.items:
            priority = _PRIORITY.get(change.item_type, len(_PRIORITY))
            item_task = f"item:{change.key}"
            deps = {f"item:{key}" for key in change.depends_on if key in created_items}
            folder = change.folder_path.casefold()
            if folder in created_folders:
                deps.add(f"folder:{folder}")
            if change.action is ItemAction.CREATE:
                tasks.append(_task(item_task, deps, _call(self.create_item, change), priority))
            elif change.action is ItemAction.UPDATE:
                tasks.append(_task(item_task, deps, _call(self.update_item, change), priority))
            elif change.action is ItemAction.MOVE:
                tasks.append(_task(item_task, deps, _sync(self.move_item, change), priority))
            else:
                continue
            body.append(item_task)
        for change in self.plan.items:
            item_task = f"item:{change.key}"
            if change.value_set:
                tasks.append(
                    _task(f"activate:{change.key}", {item_task}, _sync(self.activate, change))
                )
                body.append(f"activate:{change.key}")
            if change.publish:
                tasks.append(
                    _task(f"publish:{change.key}", {item_task}, _call(self.publish, change))
                )
                body.append(f"publish:{change.key}")
            if change.bindings:
                tasks.append(_task(f"bind:{change.key}", {item_task}, _sync(self.bind, change)))
                body.append(f"bind:{change.key}")
        deletes: list[str] = []
        for change in self.plan.items:
            if change.action is ItemAction.DELETE:
                tasks.append(
                    _task(f"delete:{change.key}", set(body), _sync(self.delete_item, change))
                )
                deletes.append(f"delete:{change.key}")
        for gone in self.plan.folders:
            if gone.action is FolderAction.DELETE:
                below = {
                    f"rmdir:{f.path.casefold()}"
                    for f in self.plan.folders
                    if f.action is FolderAction.DELETE
                    and f.path.casefold().startswith(gone.path.casefold() + "/")
                }
                task_id = f"rmdir:{gone.path.casefold()}"
                deps = {*body, *deletes, *below}
                tasks.append(_task(task_id, deps, _sync(self.delete_folder, gone)))
        return tasks


def _task(
    task_id: str, deps: set[str], start: Callable[[], Lro[Any] | None], priority: int = 0
) -> Task:
    return Task(task_id=task_id, depends_on=frozenset(deps), start=start, priority=priority)


def _sync(function: Callable[[Any], None], change: Any) -> Callable[[], None]:
    def start() -> None:
        function(change)

    return start


def _call(function: Callable[[Any], Lro[Any] | None], change: Any) -> Callable[[], Lro[Any] | None]:
    return lambda: function(change)


def apply_workspace_plan(
    client: FabricClient,
    desired: DesiredWorkspace,
    plan: WorkspacePlan,
    *,
    executor: StepExecutor,
    resolver: DeployResolver,
    scheduler: GraphScheduler,
    manifest_hashes: Mapping[str, str],
) -> WorkspaceOutcome:
    """Apply *plan* (see the module docstring); return what happened.

    The returned hashes cover every repository item that exists afterwards and whose
    deployed definition is known: sent by this run, or found equal while planning.
    """
    run = _WorkspaceApply(client, desired, plan, executor, resolver)
    run.outcome.outcomes = scheduler.run(run.tasks())
    for change in plan.items:
        task = run.outcome.outcomes.get(f"item:{change.key}")
        if change.action in (ItemAction.UNCHANGED, ItemAction.MOVE) and change.item_id:
            digest = change.desired_hash or manifest_hashes.get(change.item_id, "")
            if digest and (task is None or task.status.value == "succeeded"):
                run.outcome.hashes.setdefault(change.item_id, digest)
    return run.outcome
