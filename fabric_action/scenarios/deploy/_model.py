"""What a deployment plan is: per workspace, one change per folder and per item.

A plan is data only (frozen dataclasses with a JSON form), so a dry run can save it,
a reviewer can read it, and a later run can apply exactly it (``_plan_io``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

PLAN_FORMAT_VERSION = 1


class ItemAction(StrEnum):
    """What the deployment does to one item."""

    CREATE = "create"
    UPDATE = "update"
    MOVE = "move"
    UNCHANGED = "unchanged"
    DELETE = "delete"
    KEEP_ORPHAN = "keep-orphan"
    """In the workspace, not in the repository, and not deleted (why is in the reason)."""


class FolderAction(StrEnum):
    """What the deployment does to one workspace folder."""

    CREATE = "create"
    UNCHANGED = "unchanged"
    DELETE = "delete"


WRITING_ITEM_ACTIONS = frozenset(
    {ItemAction.CREATE, ItemAction.UPDATE, ItemAction.MOVE, ItemAction.DELETE}
)


@dataclass(frozen=True, kw_only=True)
class FolderChange:
    """One folder of the target workspace.

    Attributes:
        path: ``/Ingestion/Raw``.
        action: What happens to it.
        folder_id: Its id when it exists ("" for one to create).
    """

    path: str
    action: FolderAction
    folder_id: str = ""

    @property
    def parent_path(self) -> str:
        """Return the parent's path ("" for a folder at the workspace root)."""
        return self.path.rsplit("/", 1)[0]

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"path": self.path, "action": self.action.value, "id": self.folder_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FolderChange:
        """Read the JSON form."""
        return cls(path=data["path"], action=FolderAction(data["action"]), folder_id=data["id"])


@dataclass(frozen=True, kw_only=True)
class PlannedBinding:
    """One ``bindConnection`` of a semantic model: a data source, bound to a connection.

    Attributes:
        connection_id: The connection (from ``semantic_model_binding``).
        connection_name: Its display name ("" when the tenant listing gave none).
        connectivity_type: Its connectivity type (``ShareableCloud``...), sent with the bind.
        connection_type: The data source type (``SQL``, ``AzureDataLakeStorage``...).
        path: The data source path as the bind sends it (a Data Lake path ends in ``/``).
        bound_to: The connection the data source is bound to now ("" when unbound or
            when the model does not exist yet).
    """

    connection_id: str
    connection_name: str
    connectivity_type: str
    connection_type: str
    path: str
    bound_to: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "connection_id": self.connection_id,
            "connection_name": self.connection_name,
            "connectivity_type": self.connectivity_type,
            "type": self.connection_type,
            "path": self.path,
            "bound_to": self.bound_to,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlannedBinding:
        """Read the JSON form."""
        return cls(
            connection_id=data["connection_id"],
            connection_name=data["connection_name"],
            connectivity_type=data["connectivity_type"],
            connection_type=data["type"],
            path=data["path"],
            bound_to=data["bound_to"],
        )

    def describe(self) -> str:
        """Return ``bind SQL server;db to 'name' (id)`` for plans and reports."""
        name = f"'{self.connection_name}' " if self.connection_name else ""
        return f"bind {self.connection_type} {self.path} to {name}({self.connection_id})"


@dataclass(frozen=True, kw_only=True)
class ItemChange:
    """One item: in the repository, in the workspace, or both.

    Attributes:
        item_type: Its type.
        display_name: Its display name.
        action: What happens to it.
        item_id: Its id in the workspace ("" for one to create).
        folder_path: Where it belongs ("" for the root; the current folder for orphans).
        desired_hash: ``definition_hash`` of the rendered definition; "" when the content
            names items still to be created (rendered at apply time, once they exist).
        deployed_hash: The hash the comparison found ("" when none: new, or unknown).
        metadata_changed: Its description differs (sent with the definition update).
        moved: It also moves to :attr:`folder_path`.
        value_set: The VariableLibrary value set to activate after this change ("" none).
        publish: An Environment to publish after its definition changes.
        bindings: Semantic model binds to make after this change (``semantic_model_binding``
            entries whose connection is not bound already).
        depends_on: ``Type/name`` of the repository items it references.
        reason: Why this action, in words (for plan.md and the report).
    """

    item_type: str
    display_name: str
    action: ItemAction
    item_id: str = ""
    folder_path: str = ""
    desired_hash: str = ""
    deployed_hash: str = ""
    metadata_changed: bool = False
    moved: bool = False
    value_set: str = ""
    publish: bool = False
    bindings: tuple[PlannedBinding, ...] = ()
    depends_on: tuple[str, ...] = ()
    reason: str = ""

    @property
    def key(self) -> str:
        """Return ``Type/name``, the item's key in plans, manifests and reports."""
        return f"{self.item_type}/{self.display_name}"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "type": self.item_type,
            "name": self.display_name,
            "action": self.action.value,
            "id": self.item_id,
            "folder": self.folder_path,
            "desired_hash": self.desired_hash,
            "deployed_hash": self.deployed_hash,
            "metadata_changed": self.metadata_changed,
            "moved": self.moved,
            "value_set": self.value_set,
            "publish": self.publish,
            "bindings": [binding.to_json() for binding in self.bindings],
            "depends_on": list(self.depends_on),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemChange:
        """Read the JSON form."""
        return cls(
            item_type=data["type"],
            display_name=data["name"],
            action=ItemAction(data["action"]),
            item_id=data["id"],
            folder_path=data["folder"],
            desired_hash=data["desired_hash"],
            deployed_hash=data["deployed_hash"],
            metadata_changed=bool(data["metadata_changed"]),
            moved=bool(data["moved"]),
            value_set=data["value_set"],
            publish=bool(data["publish"]),
            bindings=tuple(PlannedBinding.from_json(b) for b in data.get("bindings", ())),
            depends_on=tuple(data["depends_on"]),
            reason=data["reason"],
        )


@dataclass(frozen=True, kw_only=True)
class Drift:
    """An item whose live definition differs from what the last deployment sent.

    Attributes:
        key: ``Type/name``.
        item_id: Its id.
        manifest_hash: What the manifest recorded.
        live_hash: What ``getDefinition`` returned, hashed.
    """

    key: str
    item_id: str
    manifest_hash: str
    live_hash: str

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "key": self.key,
            "id": self.item_id,
            "manifest_hash": self.manifest_hash,
            "live_hash": self.live_hash,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Drift:
        """Read the JSON form."""
        return cls(
            key=data["key"],
            item_id=data["id"],
            manifest_hash=data["manifest_hash"],
            live_hash=data["live_hash"],
        )


@dataclass(frozen=True, kw_only=True)
class WorkspacePlan:
    """The changes for one workspace.

    Attributes:
        key: The workspace's key in the config.
        name: Its display name.
        workspace_id: Its id.
        change_detection: ``manifest`` or ``live``.
        repository_fingerprint: Hash of everything rendering reads (source, parameters,
            environment, target ids): a saved plan is refused when it changed.
        workspace_fingerprint: Hash of the live item and folder listing.
        folders: Folder changes, parents before children.
        items: Item changes, repository items first, then orphans.
        drift: Items edited in the workspace since the last deployment (live only).
        warnings: Things the plan could not do or chose not to.
    """

    key: str
    name: str
    workspace_id: str
    change_detection: str
    repository_fingerprint: str
    workspace_fingerprint: str
    folders: tuple[FolderChange, ...]
    items: tuple[ItemChange, ...]
    drift: tuple[Drift, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def write_count(self) -> int:
        """Return how many folder and item changes write to the workspace."""
        folders = sum(1 for f in self.folders if f.action is not FolderAction.UNCHANGED)
        items = sum(
            1 for i in self.items if i.action in WRITING_ITEM_ACTIONS or i.value_set or i.bindings
        )
        return folders + items

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "key": self.key,
            "name": self.name,
            "id": self.workspace_id,
            "change_detection": self.change_detection,
            "repository_fingerprint": self.repository_fingerprint,
            "workspace_fingerprint": self.workspace_fingerprint,
            "folders": [folder.to_json() for folder in self.folders],
            "items": [item.to_json() for item in self.items],
            "drift": [drift.to_json() for drift in self.drift],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkspacePlan:
        """Read the JSON form."""
        return cls(
            key=data["key"],
            name=data["name"],
            workspace_id=data["id"],
            change_detection=data["change_detection"],
            repository_fingerprint=data["repository_fingerprint"],
            workspace_fingerprint=data["workspace_fingerprint"],
            folders=tuple(FolderChange.from_json(f) for f in data["folders"]),
            items=tuple(ItemChange.from_json(i) for i in data["items"]),
            drift=tuple(Drift.from_json(d) for d in data["drift"]),
            warnings=tuple(data["warnings"]),
        )


@dataclass(frozen=True, kw_only=True)
class DeployPlan:
    """The plan of one environment: one :class:`WorkspacePlan` per workspace.

    Attributes:
        project: The config's project.
        environment: The environment planned.
        workspaces: The workspaces, in config order.
    """

    project: str
    environment: str
    workspaces: tuple[WorkspacePlan, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (``format`` names its version)."""
        return {
            "format": PLAN_FORMAT_VERSION,
            "project": self.project,
            "environment": self.environment,
            "workspaces": [workspace.to_json() for workspace in self.workspaces],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeployPlan:
        """Read the JSON form."""
        return cls(
            project=data["project"],
            environment=data["environment"],
            workspaces=tuple(WorkspacePlan.from_json(w) for w in data["workspaces"]),
        )
