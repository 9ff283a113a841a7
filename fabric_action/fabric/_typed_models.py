"""What the typed item endpoints add: SQL endpoint, environment publish, variable library."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._models import Item, optional_text, parse_timestamp, require_object

__all__ = ["EnvironmentPublishState", "SqlEndpointStatus", "VariableLibraryState"]


@dataclass(frozen=True, kw_only=True)
class SqlEndpointStatus:
    """A lakehouse's SQL analytics endpoint (``properties.sqlEndpointProperties``).

    Attributes:
        provisioning_status: ``InProgress``, ``Success`` or ``Failed`` (passed through;
            "" when the service reported nothing yet).
        id: The endpoint's id, once provisioned.
        connection_string: Its host, once provisioned.
    """

    provisioning_status: str
    id: str | None = None
    connection_string: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> SqlEndpointStatus:
        """Read a typed lakehouse body."""
        properties = require_object(data, "lakehouse").get("properties")
        endpoint = (
            properties.get("sqlEndpointProperties") if isinstance(properties, Mapping) else None
        )
        if not isinstance(endpoint, Mapping):
            return cls(provisioning_status="")
        return cls(
            provisioning_status=optional_text(endpoint, "provisioningStatus") or "",
            id=optional_text(endpoint, "id"),
            connection_string=optional_text(endpoint, "connectionString"),
        )


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
