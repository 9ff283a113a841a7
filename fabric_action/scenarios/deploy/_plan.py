"""Plan one workspace: compare the desired items and folders with the live workspace.

Per item: **create** (not in the workspace), **update** (definition or description
differs), **move** (only its folder differs), **unchanged**, and for workspace items the
repository lacks, **delete** (``delete_orphans``) or **keep-orphan**. A semantic model
also gets the ``bindConnection`` calls its ``semantic_model_binding`` still needs
(``_bindings``).

Change detection compares ``definition_hash`` of the rendered definition with the
deployed side: the manifest's hash for that item id (no call at all), or the hash of a
live ``getDefinition`` (``live``), which also reports *drift*: items whose live hash
differs from what the manifest says was deployed.

Rendered content depends on deployed ids (a notebook names its lakehouse's id). Items
that exist resolve to their real ids; repository items still to be created resolve to a
placeholder. An item whose content holds a placeholder cannot be hashed before those
items exist: it is planned as create (if new) or update (its content will change, since
it will name a new id), with no hash, and rendered for real at apply time, when its
dependencies exist (the apply graph starts it only then).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from fabric_action.fabric import DefinitionPart as WirePart
from fabric_action.fabric import FabricClient
from fabric_action.items import (
    ItemKey,
    RenderedItem,
    SourceItem,
    definition_hash,
    parts_from_wire,
    render_item,
    value_set_activation,
)

from ._bindings import TenantConnections, plan_bindings
from ._desired import DATA_BEARING_TYPES, SHELL_ONLY_TYPES, TYPE_ORDER, DesiredWorkspace
from ._live import DeployResolver, LiveWorkspace, holds_placeholder
from ._model import Drift, FolderAction, FolderChange, ItemAction, ItemChange, WorkspacePlan

__all__ = ["ChangeDetectionMode", "PlanContext", "PlanOptions", "plan_workspace"]

ChangeDetectionMode = str
LIVE = "live"
MANIFEST = "manifest"


PLAN_WORKERS = 8
"""Items planned at once; the client's concurrency limit still bounds requests."""


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """How to plan.

    Attributes:
        change_detection: ``manifest`` or ``live``.
        manifest_hashes: item id -> hash recorded for this workspace (may be empty).
        delete_data_types: Data-bearing types whose orphans may be deleted (default none).
        connections: The tenant's connections, shared by the workspaces of one run so they
            are listed once (default None: this plan lists them itself, if it needs them).
    """

    change_detection: ChangeDetectionMode
    manifest_hashes: Mapping[str, str] = field(default_factory=dict)
    delete_data_types: frozenset[str] = frozenset()
    connections: TenantConnections | None = None


@dataclass(kw_only=True)
class PlanContext:
    """What planning learnt that applying reuses (never saved with the plan).

    Attributes:
        prior_definitions: item id -> the definition ``getDefinition`` returned.
    """

    prior_definitions: dict[str, tuple[WirePart, ...]] = field(default_factory=dict)


def _fold_path(path: str) -> str:
    return path.casefold()


def _plan_folders(desired: DesiredWorkspace, live: LiveWorkspace) -> list[FolderChange]:
    existing = live.folder_ids_by_path()
    return [
        FolderChange(path=path, action=FolderAction.UNCHANGED, folder_id=existing[path.casefold()])
        if path.casefold() in existing
        else FolderChange(path=path, action=FolderAction.CREATE)
        for path in sorted(desired.repository.folders, key=lambda p: (p.count("/"), p))
    ]


def _live_hash(
    client: FabricClient, live: LiveWorkspace, item_type: str, item_id: str, context: PlanContext
) -> str:
    definition = client.items.get_definition(live.workspace_id, item_id)
    context.prior_definitions[item_id] = definition.parts
    parts = parts_from_wire(part.to_json() for part in definition.parts)
    return definition_hash(item_type, parts)


def _render(desired: DesiredWorkspace, item: SourceItem, resolver: DeployResolver) -> RenderedItem:
    return render_item(
        item, repository=desired.repository, resolver=resolver, parameters=desired.parameters
    )


class _ItemPlanner:
    """Plan the repository's items one by one (see the module docstring)."""

    def __init__(
        self,
        *,
        client: FabricClient,
        desired: DesiredWorkspace,
        live: LiveWorkspace,
        options: PlanOptions,
        context: PlanContext,
        resolver: DeployResolver,
    ) -> None:
        self.client, self.desired, self.live = client, desired, live
        self.options, self.context, self.resolver = options, context, resolver
        self.drift: list[Drift] = []
        self._lock = threading.Lock()  # items are planned by several threads

    def plan(self, item: SourceItem) -> ItemChange:
        rendered = _render(self.desired, item, self.resolver)
        texts = [part.text for part in rendered.parts if part.is_text]
        pending = holds_placeholder(texts)
        desired_hash = "" if pending else definition_hash(item.item_type, rendered.parts)
        depends_on = tuple(sorted(str_key(key) for key in self.desired.dependencies(item)))
        activation = value_set_activation(rendered, self.desired.environment)
        wanted_set = activation.value_set if activation else ""
        existing = self.live.item(item.key)
        base = ItemChange(
            item_type=item.item_type,
            display_name=item.display_name,
            action=ItemAction.CREATE,
            folder_path=item.folder_path,
            desired_hash=desired_hash,
            depends_on=depends_on,
        )
        if existing is None:
            return _replace(
                base,
                value_set=wanted_set,
                publish=item.item_type == "Environment",
                reason="not in the workspace",
            )
        moved = _fold_path(self.live.folder_path(existing.folder_id)) != _fold_path(
            item.folder_path
        )
        metadata_changed = existing.description != item.description
        deployed_hash, changed, why = self._compare(item, existing.id, desired_hash, pending)
        if changed or metadata_changed:
            action = ItemAction.UPDATE
            why = why if changed else "its description differs"
        elif moved:
            action, why = ItemAction.MOVE, "it is in another folder"
        else:
            action = ItemAction.UNCHANGED
        value_set = ""
        if activation is not None:
            state = self.client.typed.get_variable_library(self.live.workspace_id, existing.id)
            if action is ItemAction.UPDATE or state.active_value_set_name != wanted_set:
                value_set = wanted_set
        return _replace(
            base,
            action=action,
            item_id=existing.id,
            deployed_hash=deployed_hash,
            metadata_changed=metadata_changed,
            moved=moved,
            value_set=value_set,
            publish=item.item_type == "Environment" and action is ItemAction.UPDATE,
            reason=why,
        )

    def _compare(
        self, item: SourceItem, item_id: str, desired_hash: str, pending: bool
    ) -> tuple[str, bool, str]:
        """Return (deployed hash, changed?, why)."""
        if item.item_type in SHELL_ONLY_TYPES:
            return "", False, "created without a definition; never updated"
        if pending:
            return "", True, "it references items still to be created"
        recorded = self.options.manifest_hashes.get(item_id, "")
        if self.options.change_detection == MANIFEST:
            if not recorded:
                return "", True, "the manifest has no hash for it"
            if recorded != desired_hash:
                return recorded, True, "its definition differs from the manifest's"
            return recorded, False, "same hash as the manifest"
        live_hash = _live_hash(self.client, self.live, item.item_type, item_id, self.context)
        if recorded and recorded != live_hash:
            drift = Drift(
                key=f"{item.item_type}/{item.display_name}",
                item_id=item_id,
                manifest_hash=recorded,
                live_hash=live_hash,
            )
            with self._lock:
                self.drift.append(drift)
        if live_hash != desired_hash:
            return live_hash, True, "its live definition differs"
        return live_hash, False, "same hash as the live definition"


def str_key(key: ItemKey) -> str:
    """Return ``Type/name``."""
    return f"{key.item_type}/{key.display_name}"


def _replace(change: ItemChange, **values: Any) -> ItemChange:
    return replace(change, **values)


def _plan_orphans(
    desired: DesiredWorkspace, live: LiveWorkspace, options: PlanOptions
) -> list[ItemChange]:
    wanted = {(i.item_type.casefold(), i.display_name.casefold()) for i in desired.items}
    in_scope = {name.casefold() for name in TYPE_ORDER}
    orphans: list[ItemChange] = []
    for item in sorted(live.items, key=lambda i: (i.type, i.display_name)):
        if (item.type.casefold(), item.display_name.casefold()) in wanted:
            continue
        if item.type.casefold() not in in_scope:
            continue
        change = ItemChange(
            item_type=item.type,
            display_name=item.display_name,
            action=ItemAction.DELETE,
            item_id=item.id,
            folder_path=live.folder_path(item.folder_id),
            reason="not in the repository",
        )
        if not desired.spec.items.delete_orphans:
            change = _replace(
                change,
                action=ItemAction.KEEP_ORPHAN,
                reason="not in the repository; items.delete_orphans is off",
            )
        elif item.type in DATA_BEARING_TYPES and item.type not in options.delete_data_types:
            change = _replace(
                change,
                action=ItemAction.KEEP_ORPHAN,
                reason=f"not in the repository; {item.type} holds data and its "
                f"deletion is not allowed (--allow-delete {item.type})",
            )
        orphans.append(change)
    return orphans


def _plan_folder_deletes(
    desired: DesiredWorkspace, live: LiveWorkspace, items: list[ItemChange]
) -> list[FolderChange]:
    if not desired.spec.items.delete_orphans:
        return []
    wanted = {path.casefold() for path in desired.repository.folders}
    leaving = {c.item_id for c in items if c.action is ItemAction.DELETE}
    leaving |= {c.item_id for c in items if c.item_id and c.action is not ItemAction.KEEP_ORPHAN}
    staying_paths = [
        live.folder_path(i.folder_id).casefold() for i in live.items if i.id not in leaving
    ]
    deletes = []
    for folder in live.folders:
        path = live.folder_path(folder.id)
        folded = path.casefold()
        if folded in wanted:
            continue
        below = [p for p in wanted if p.startswith(folded + "/")]
        occupied = any(p == folded or p.startswith(folded + "/") for p in staying_paths)
        if not below and not occupied:
            deletes.append(FolderChange(path=path, action=FolderAction.DELETE, folder_id=folder.id))
    return sorted(deletes, key=lambda f: (-f.path.count("/"), f.path))


def plan_workspace(
    client: FabricClient,
    desired: DesiredWorkspace,
    live: LiveWorkspace,
    options: PlanOptions,
    *,
    resolver_factory: Callable[[bool], DeployResolver],
) -> tuple[WorkspacePlan, PlanContext]:
    """Plan one workspace (see the module docstring).

    Args:
        client: Reads definitions (live comparison), variable libraries, SQL endpoints,
            connections (tenant and per semantic model, for semantic_model_binding).
        desired: The repository side.
        live: The workspace's listing.
        options: Change detection and deletion rules.
        resolver_factory: ``factory(planning)`` returns a resolver over *live*.

    Returns:
        The plan and what applying it may reuse.

    Raises:
        ParameterError: ``semantic_model_binding`` names a connection the tenant lacks.
    """
    context = PlanContext()
    planner = _ItemPlanner(
        client=client,
        desired=desired,
        live=live,
        options=options,
        context=context,
        resolver=resolver_factory(True),
    )
    # Items are planned side by side: each may read (a definition with --verify-live, a
    # variable library's active set), and those reads are independent. Order is kept.
    with ThreadPoolExecutor(max_workers=PLAN_WORKERS, thread_name_prefix="plan") as pool:
        items = list(pool.map(planner.plan, desired.items))
    planner.drift.sort(key=lambda d: d.key)
    items, warnings = plan_bindings(
        client,
        desired,
        live.workspace_id,
        items,
        options.connections or TenantConnections(client),
    )
    items += _plan_orphans(desired, live, options)
    folders = _plan_folders(desired, live) + _plan_folder_deletes(desired, live, items)
    plan = WorkspacePlan(
        key=desired.spec.key,
        name=desired.spec.name,
        workspace_id=live.workspace_id,
        change_detection=options.change_detection,
        repository_fingerprint=desired.fingerprint,
        workspace_fingerprint=live.fingerprint(),
        folders=tuple(folders),
        items=tuple(items),
        drift=tuple(planner.drift),
        warnings=tuple(warnings),
    )
    return plan, context
