"""What the typed item endpoints add: item attributes, environment publish, variable library.

The attributes a ``$items.<type>.<name>.$<attribute>`` variable reads, by item type, are
fabric-cicd 1.4.0's ``PROPERTY_PATH_ATTR_MAPPING`` plus a KQL database's query service URI
(what fabric-cicd reads to fill a KQL queryset's or dashboard's empty ``clusterUri``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._models import Item, optional_text, parse_timestamp, require_object, required_text

__all__ = [
    "ATTRIBUTE_PATHS",
    "EnvironmentPublishState",
    "ItemAttributes",
    "SparkPool",
    "VariableLibraryState",
]

_SQL_ENDPOINT_PATHS = {
    "sqlendpoint": ("sqlEndpointProperties", "connectionString"),
    "sqlendpointid": ("sqlEndpointProperties", "id"),
}

ATTRIBUTE_PATHS: Mapping[str, tuple[str, Mapping[str, tuple[str, ...]]]] = {
    "lakehouse": ("lakehouses", _SQL_ENDPOINT_PATHS),
    "mirroreddatabase": ("mirroredDatabases", _SQL_ENDPOINT_PATHS),
    "warehouse": ("warehouses", {"sqlendpoint": ("connectionString",)}),
    "sqldatabase": ("sqlDatabases", {"sqlendpoint": ("serverFqdn",)}),
    "eventhouse": ("eventhouses", {"queryserviceuri": ("queryServiceUri",)}),
    "kqldatabase": ("kqlDatabases", {"queryserviceuri": ("queryServiceUri",)}),
}
"""Case-folded item type -> (typed collection, attribute -> path under ``properties``)."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentPublishState:
    """An environment's publish details (``properties.publishDetails``).

    Attributes:
        state: ``Running``, ``Success``, ``Failed``, ``Cancelled``... (passed through; ""
            when not reported).
        target_version: The version being or last published.
        start_time: When the publish started (UTC).
        end_time: When it ended (UTC), once it has.
    """

    state: str
    target_version: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None

    @property
    def running(self) -> bool:
        """Whether a publish is still in progress (state compared case-insensitively)."""
        return self.state.casefold() in {"running", "waiting", "inprogress"}

    @classmethod
    def from_json(cls, data: Any) -> EnvironmentPublishState:
        """Read a typed environment body, or a publish LRO result."""
        body = require_object(data, "environment")
        properties = body.get("properties")
        holder = properties if isinstance(properties, Mapping) else body
        details = holder.get("publishDetails")
        if not isinstance(details, Mapping):
            return cls(state="")
        return cls(
            state=optional_text(details, "state") or "",
            target_version=optional_text(details, "targetVersion"),
            start_time=parse_timestamp(details.get("startTime")),
            end_time=parse_timestamp(details.get("endTime")),
        )


@dataclass(frozen=True, kw_only=True)
class VariableLibraryState:
    """A variable library's typed properties.

    Attributes:
        item: The item itself.
        active_value_set_name: The active value set (None when not reported).
    """

    item: Item
    active_value_set_name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> VariableLibraryState:
        """Read a typed variable library body."""
        properties = require_object(data, "variable library").get("properties")
        active = (
            optional_text(properties, "activeValueSetName")
            if isinstance(properties, Mapping)
            else None
        )
        return cls(item=Item.from_json(data), active_value_set_name=active)


def _at(properties: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
    holder: Any = properties
    for name in path[:-1]:
        holder = holder.get(name) if isinstance(holder, Mapping) else None
    return optional_text(holder, path[-1]) if isinstance(holder, Mapping) else None


@dataclass(frozen=True, kw_only=True)
class ItemAttributes:
    """The dynamic attributes of one item, as one read of its typed endpoint gave them.

    Attributes:
        item_type: The item's type, as asked.
        values: Attribute name (``sqlendpoint``, ``sqlendpointid``, ``queryserviceuri``)
            -> value, for each attribute of the type that is provisioned (non-empty).
        missing: The type's attributes that are not provisioned yet (empty or absent).
        provisioning_status: ``sqlEndpointProperties.provisioningStatus`` where the type
            reports one (Lakehouse, MirroredDatabase), else "" (passed through).
    """

    item_type: str
    values: Mapping[str, str]
    missing: frozenset[str] = frozenset()
    provisioning_status: str = ""

    @property
    def failed(self) -> bool:
        """Whether provisioning ended ``Failed`` (compared case-insensitively)."""
        return self.provisioning_status.casefold() == "failed"

    @classmethod
    def supports(cls, item_type: str, attribute: str) -> bool:
        """Return whether the type has that attribute (fabric-cicd's mapping, case-insensitive)."""
        known = ATTRIBUTE_PATHS.get(item_type.casefold())
        return known is not None and attribute in known[1]

    @classmethod
    def from_json(cls, data: Any, *, item_type: str) -> ItemAttributes:
        """Read a typed item body: every attribute the type has (see :data:`ATTRIBUTE_PATHS`)."""
        body = require_object(data, item_type)
        properties = body.get("properties")
        if not isinstance(properties, Mapping):
            properties = {}
        paths = ATTRIBUTE_PATHS.get(item_type.casefold(), ("", {}))[1]
        values = {name: _at(properties, path) for name, path in paths.items()}
        endpoint = properties.get("sqlEndpointProperties")
        status = (
            optional_text(endpoint, "provisioningStatus") if isinstance(endpoint, Mapping) else None
        )
        return cls(
            item_type=item_type,
            values={name: value for name, value in values.items() if value},
            missing=frozenset(name for name, value in values.items() if not value),
            provisioning_status=status or "",
        )


@dataclass(frozen=True, kw_only=True)
class SparkPool:
    """A custom Spark pool of a workspace (``GET /workspaces/{ws}/spark/pools``).

    Attributes:
        id: The pool's id.
        name: Its name (unique per workspace and type).
        type: ``Workspace`` or ``Capacity`` (passed through).
        node_family: ``MemoryOptimized``... (None when not reported).
        node_size: ``Small``, ``Medium``... (None when not reported).
    """

    id: str
    name: str
    type: str
    node_family: str | None = None
    node_size: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> SparkPool:
        """Read one entry of the list."""
        body = require_object(data, "spark pool")
        return cls(
            id=required_text(body, "id", "spark pool"),
            name=required_text(body, "name", "spark pool"),
            type=optional_text(body, "type") or "",
            node_family=optional_text(body, "nodeFamily"),
            node_size=optional_text(body, "nodeSize"),
        )
