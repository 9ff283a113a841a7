"""What rendering needs to know about the target: a small protocol the deploy step implements.

Rendering is pure: it never calls Fabric. Every id or attribute that only exists once
items are deployed (an item's id, a lakehouse's SQL endpoint, another workspace's id, a
Spark pool's id) is asked of a :class:`TargetResolver`. The deploy step answers from the
items it has listed or created; tests and dry runs answer from a :class:`MappingResolver`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ItemAttribute(StrEnum):
    """The item attributes a ``$items.<type>.<name>.$<attribute>`` variable can name."""

    ID = "id"
    SQL_ENDPOINT = "sqlendpoint"
    """Connection string of the SQL endpoint (Lakehouse, MirroredDatabase, Warehouse,
    SQLDatabase server FQDN)."""
    SQL_ENDPOINT_ID = "sqlendpointid"
    QUERY_SERVICE_URI = "queryserviceuri"
    """Eventhouse query service URI."""


@dataclass(frozen=True)
class ItemReference:
    """One item attribute to look up.

    Attributes:
        item_type: The item's type.
        item_name: The item's display name.
        attribute: Which attribute.
        workspace_name: The workspace to look in, by display name; None for the target
            workspace (cross-workspace references come from ``$workspace.<name>.$items``).
    """

    item_type: str
    item_name: str
    attribute: ItemAttribute = ItemAttribute.ID
    workspace_name: str | None = None

    def __str__(self) -> str:
        where = f"workspace {self.workspace_name!r}" if self.workspace_name else "the target"
        return f"{self.attribute.value} of {self.item_type} {self.item_name!r} in {where}"


@runtime_checkable
class TargetResolver(Protocol):
    """Answers the questions rendering asks about the target environment."""

    @property
    def workspace_id(self) -> str:
        """The target workspace's id (fills all-zero workspace ids, ``$workspace.$id``)."""
        ...

    def workspace_name(self) -> str:
        """Return the target workspace's display name (``$workspace.$name``)."""
        ...

    def workspace_id_by_name(self, name: str) -> str | None:
        """Return the id of the workspace with this display name, or None."""
        ...

    def item_attribute(self, reference: ItemReference) -> str | None:
        """Return the attribute's value, or None when the item (or value) does not exist.

        Logical-id references ask for :attr:`ItemAttribute.ID` of the repository item
        that has the logical id; None there means "not deployed yet".
        """
        ...

    def spark_pool_id(self, name: str, pool_type: str) -> str | None:
        """Return the id of the target workspace's custom pool (type Workspace|Capacity)."""
        ...


@runtime_checkable
class WorkspaceLister(Protocol):
    """A resolver that can say which workspaces it sees (for "no such workspace" messages)."""

    def visible_workspace_names(self) -> Sequence[str]:
        """Return the display names of the workspaces references may name."""
        ...


@dataclass(frozen=True, kw_only=True)
class MappingResolver:
    """A :class:`TargetResolver` over plain mappings (tests, dry runs, listed state).

    Attributes:
        target_workspace_id: The target workspace's id.
        target_workspace_name: The target workspace's display name.
        workspaces: Display name -> id of the workspaces references may name.
        items: ``(workspace name or None, type, name, attribute)`` -> value; None as the
            workspace means the target.
        spark_pools: ``(pool name, pool type)`` -> pool id.
    """

    target_workspace_id: str
    target_workspace_name: str = ""
    workspaces: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[tuple[str | None, str, str, str], str] = field(default_factory=dict)
    spark_pools: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def workspace_id(self) -> str:
        """Return the target workspace's id."""
        return self.target_workspace_id

    def workspace_name(self) -> str:
        """Return the target workspace's display name."""
        return self.target_workspace_name

    def workspace_id_by_name(self, name: str) -> str | None:
        """Return the id of the named workspace, or None."""
        return self.workspaces.get(name)

    def item_attribute(self, reference: ItemReference) -> str | None:
        """Return the attribute's value from :attr:`items`, or None."""
        key = (
            reference.workspace_name,
            reference.item_type,
            reference.item_name,
            reference.attribute.value,
        )
        return self.items.get(key)

    def spark_pool_id(self, name: str, pool_type: str) -> str | None:
        """Return the pool's id from :attr:`spark_pools`, or None."""
        return self.spark_pools.get((name, pool_type))
