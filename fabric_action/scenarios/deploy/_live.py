"""The target workspace as it is: its items and folders, and a resolver over them.

Rendering asks a :class:`~fabric_action.items.TargetResolver` for deployed ids. Here that
is :class:`DeployResolver`: ids of items that exist (listed, or created by this run),
their dynamic attributes (SQL endpoints, query service URIs) and the target's custom
Spark pools read on demand once a run (:mod:`._attributes`: awaited while provisioning,
each wait recorded), and, while planning, a readable placeholder for a repository item
that does not exist yet (``<id of Lakehouse 'lh_raw'>``).

Other workspaces (``$workspace.<name>``, ``$workspace.<name>.$items...``) are asked of a
run-wide :class:`WorkspaceDirectory`: one ``workspaces`` list call per run, one
``items.list`` per referenced workspace, both cached; a workspace this run deploys is
answered by that workspace's own resolver (so items it creates are seen).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fabric_action.fabric import FabricClient, Folder, Item, Workspace
from fabric_action.items import ItemAttribute, ItemKey, ItemReference, Repository
from fabric_action.reliability import Clock

from ._attributes import AttributeWaitRecord, LiveAttributes, ProvisioningWait

__all__ = [
    "AttributeWaitRecord",
    "DeployResolver",
    "LiveWorkspace",
    "ProvisioningWait",
    "WorkspaceDirectory",
    "read_live_workspace",
]


def _fold(key: ItemKey) -> tuple[str, str]:
    return key.item_type.casefold(), key.display_name.casefold()


@dataclass(frozen=True, kw_only=True)
class LiveWorkspace:
    """One listing of a workspace's items and folders.

    Attributes:
        workspace_id: The workspace.
        name: Its display name.
        items: Every item, as listed.
        folders: Every folder, as listed.
    """

    workspace_id: str
    name: str
    items: tuple[Item, ...]
    folders: tuple[Folder, ...]
    _paths: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {folder.id: folder for folder in self.folders}
        paths: dict[str, str] = {}

        def path(folder_id: str, depth: int = 0) -> str:
            if folder_id in paths:
                return paths[folder_id]
            folder = by_id.get(folder_id)
            if folder is None or depth > 64:  # unknown or cyclic parent: treat as root
                return ""
            parent = path(folder.parent_folder_id, depth + 1) if folder.parent_folder_id else ""
            paths[folder_id] = f"{parent}/{folder.display_name}"
            return paths[folder_id]

        for folder in self.folders:
            path(folder.id)
        object.__setattr__(self, "_paths", paths)

    def folder_path(self, folder_id: str | None) -> str:
        """Return a folder's path (``/a/b``), "" for the root or an unknown folder."""
        return self._paths.get(folder_id, "") if folder_id else ""

    def folder_ids_by_path(self) -> dict[str, str]:
        """Return path (case-folded) -> folder id."""
        return {path.casefold(): folder_id for folder_id, path in self._paths.items()}

    def item(self, key: ItemKey) -> Item | None:
        """Return the item of that type and name (case-insensitive), if listed."""
        wanted = _fold(key)
        return next(
            (i for i in self.items if (i.type.casefold(), i.display_name.casefold()) == wanted),
            None,
        )

    def fingerprint(self) -> str:
        """Return a hash of the listing: ids, types, names, descriptions and places."""
        rows = sorted(
            [
                ["item", i.id, i.type, i.display_name, i.description, i.folder_id or ""]
                for i in self.items
            ]
            + [
                ["folder", f.id, "", f.display_name, "", f.parent_folder_id or ""]
                for f in self.folders
            ]
        )
        text = json.dumps(rows, separators=(",", ":"), ensure_ascii=False)
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_live_workspace(client: FabricClient, workspace_id: str, name: str) -> LiveWorkspace:
    """List a workspace's items and folders (two list calls, all pages)."""
    return LiveWorkspace(
        workspace_id=workspace_id,
        name=name,
        items=tuple(client.items.list(workspace_id)),
        folders=tuple(client.folders.list(workspace_id)),
    )


class WorkspaceDirectory:
    """The workspaces a run may reference, shared by every :class:`DeployResolver` of it.

    Workspaces are listed once (on first need) and each other workspace's items once (when
    first referenced). A workspace this run deploys is answered by the resolver registered
    for it with :meth:`attach` (items listed or created by the run), so its references see
    what the run creates there; :func:`run_deploy` applies such a workspace first.

    Item attributes and custom pools of every workspace are read through one run-wide
    :class:`LiveAttributes` (:attr:`attributes`), so each is read once per run whichever
    resolver asks.

    Args:
        client: Lists workspaces and items, reads item attributes and pools.
        clock: Measures the provisioning waits.
        provisioning_wait: Bounds of each provisioning wait (default
            :class:`ProvisioningWait`).
    """

    def __init__(
        self,
        client: FabricClient,
        *,
        clock: Clock,
        provisioning_wait: ProvisioningWait | None = None,
    ) -> None:
        self._client = client
        self.attributes = LiveAttributes(client, clock=clock, wait=provisioning_wait)
        self._lock = threading.RLock()
        self._workspaces: dict[str, Workspace] | None = None
        self._items: dict[str, dict[tuple[str, str], str]] = {}
        self._attached: dict[str, DeployResolver] = {}

    def waits(self) -> tuple[AttributeWaitRecord, ...]:
        """Return every provisioning wait of the run so far (all workspaces)."""
        return self.attributes.waits()

    def _listing(self) -> dict[str, Workspace]:
        with self._lock:
            if self._workspaces is None:
                self._workspaces = {
                    w.display_name.casefold(): w for w in self._client.workspaces.list()
                }
            return self._workspaces

    def find(self, name: str) -> Workspace | None:
        """Return the visible workspace of that display name (case-insensitive)."""
        return self._listing().get(name.casefold())

    def visible_workspace_names(self) -> Sequence[str]:
        """Return the display names of every visible workspace."""
        return [w.display_name for w in self._listing().values()]

    def attach(self, resolver: DeployResolver) -> None:
        """Answer for the resolver's workspace with *resolver* from now on."""
        with self._lock:
            self._attached[resolver.workspace_name().casefold()] = resolver

    def workspace_id(self, name: str) -> str | None:
        """Return the id of the named workspace, or None when it is not visible."""
        with self._lock:
            attached = self._attached.get(name.casefold())
        if attached is not None:
            return attached.workspace_id
        found = self.find(name)
        return found.id if found else None

    def item_attribute(self, reference: ItemReference) -> str | None:
        """Return an attribute of an item of another workspace; None when unknown."""
        name = reference.workspace_name or ""
        with self._lock:
            attached = self._attached.get(name.casefold())
        if attached is not None:
            return attached.item_attribute(
                ItemReference(reference.item_type, reference.item_name, reference.attribute)
            )
        workspace = self.find(name)
        if workspace is None:
            return None
        with self._lock:
            ids = self._items.get(workspace.id)
        if ids is None:
            listed = self._client.items.list(workspace.id)
            ids = {(i.type.casefold(), i.display_name.casefold()): i.id for i in listed}
            with self._lock:
                self._items[workspace.id] = ids
        key = ItemKey(reference.item_type, reference.item_name)
        item_id = ids.get(_fold(key))
        if item_id is None:
            return None
        return self.attributes.item_attribute(workspace.id, key, item_id, reference.attribute)


class DeployResolver:
    """A :class:`~fabric_action.items.TargetResolver` for one workspace of one run.

    Thread-safe: workers register created items while others render.

    Args:
        client: Reads item attributes and custom pools.
        live: The listing the run started from.
        repository: The items being deployed.
        planning: Answer a placeholder for repository items that do not exist yet
            (planning); when False such a reference is unresolved (an error at render).
        clock: Measures the provisioning waits.
        provisioning_wait: Bounds of each wait; used only without a directory (the
            directory's reader, shared by the run, has its own).
        directory: Answers for other workspaces and reads attributes and pools once for
            the run; None: only this workspace resolves, with a reader of its own.
    """

    def __init__(
        self,
        client: FabricClient,
        live: LiveWorkspace,
        *,
        repository: Repository,
        planning: bool,
        clock: Clock,
        provisioning_wait: ProvisioningWait | None = None,
        directory: WorkspaceDirectory | None = None,
    ) -> None:
        self._live = live
        self._repository = repository
        self._planning = planning
        self._lock = threading.Lock()
        self._ids = {_fold(ItemKey(i.type, i.display_name)): i.id for i in live.items}
        self._directory = directory
        self._attributes = (
            directory.attributes
            if directory is not None
            else LiveAttributes(client, clock=clock, wait=provisioning_wait)
        )

    @property
    def workspace_id(self) -> str:
        """Return the target workspace's id."""
        return self._live.workspace_id

    def workspace_name(self) -> str:
        """Return the target workspace's display name."""
        return self._live.name

    def workspace_id_by_name(self, name: str) -> str | None:
        """Return the id of the named workspace (this one, or one the directory sees)."""
        if name.casefold() == self._live.name.casefold():
            return self._live.workspace_id
        return self._directory.workspace_id(name) if self._directory else None

    def visible_workspace_names(self) -> Sequence[str]:
        """Return the workspaces references may name (for "no such workspace" messages)."""
        if self._directory is None:
            return [self._live.name]
        return self._directory.visible_workspace_names()

    def spark_pool_id(self, name: str, pool_type: str) -> str | None:
        """Return the id of the target's custom pool of that exact name and type, or None."""
        return self._attributes.spark_pool_id(self._live.workspace_id, name, pool_type)

    def waits(self) -> tuple[AttributeWaitRecord, ...]:
        """Return the provisioning waits so far (the whole run's, with a directory)."""
        return self._attributes.waits()

    def register(self, key: ItemKey, item_id: str) -> None:
        """Record an item this run created."""
        with self._lock:
            self._ids[_fold(key)] = item_id

    def item_id(self, key: ItemKey) -> str | None:
        """Return the id of an item of the target, if it exists."""
        with self._lock:
            return self._ids.get(_fold(key))

    def item_attribute(self, reference: ItemReference) -> str | None:
        """Return the attribute (see the module docstring); None when unknown."""
        if reference.workspace_name is not None and (
            reference.workspace_name.casefold() != self._live.name.casefold()
        ):
            return self._directory.item_attribute(reference) if self._directory else None
        key = ItemKey(reference.item_type, reference.item_name)
        item_id = self.item_id(key)
        if item_id is None:
            if self._planning and self._repository.get(key) is not None:
                return f"<{reference.attribute.value} of {key.item_type} {key.display_name!r}>"
            return None
        return self._attributes.item_attribute(
            self._live.workspace_id, key, item_id, reference.attribute
        )


_PLACEHOLDER = re.compile(
    "<(?:" + "|".join(attribute.value for attribute in ItemAttribute) + ") of [A-Za-z]+ '"
)


def holds_placeholder(texts: Iterable[str]) -> bool:
    """Return whether any rendered text still holds a planning placeholder."""
    return any(_PLACEHOLDER.search(text) for text in texts)
