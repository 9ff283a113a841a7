"""Dynamic item attributes and custom Spark pools, read from the live workspaces once a run.

What a ``$items.<type>.<name>.$<attribute>`` variable can read, by type (fabric-cicd
1.4.0's ``PROPERTY_PATH_ATTR_MAPPING``, plus a KQL database's query service URI for the
``clusterUri`` of KQL querysets and dashboards):

=================================  ==============================================
Lakehouse, MirroredDatabase        ``sqlendpoint``, ``sqlendpointid``
Warehouse                          ``sqlendpoint`` (``properties.connectionString``)
SQLDatabase                        ``sqlendpoint`` (``properties.serverFqdn``)
Eventhouse, KQLDatabase            ``queryserviceuri``
=================================  ==============================================

These are provisioned asynchronously after an item is created, so a read that finds the
attribute empty polls the item on the injected clock until it appears, within
:class:`ProvisioningWait` (fabric-cicd polls without a bound). A SQL endpoint whose
``provisioningStatus`` is ``Failed`` stops the wait at once. A value, once read, is cached
for the run; each wait is recorded (:meth:`LiveAttributes.waits`) for the report.

Custom pools (``spark_pool`` rules) come from one ``spark/pools`` list per workspace per
run, matched as fabric-cicd matches: exact name and exact type (``Workspace`` or
``Capacity``), the first such pool winning.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass

from fabric_action.errors import DeadlineExceededError, OperationFailedError
from fabric_action.fabric import FabricClient
from fabric_action.items import ItemAttribute, ItemKey
from fabric_action.reliability import Clock

__all__ = ["AttributeWaitRecord", "LiveAttributes", "ProvisioningWait"]

_DESCRIPTIONS = {
    ItemAttribute.SQL_ENDPOINT: "SQL endpoint",
    ItemAttribute.SQL_ENDPOINT_ID: "SQL endpoint id",
    ItemAttribute.QUERY_SERVICE_URI: "query service URI",
}


@dataclass(frozen=True, kw_only=True)
class ProvisioningWait:
    """How long to wait for an attribute that is provisioned after the item is created.

    Attributes:
        timeout_s: Longest wait per attribute. Default 300 s (fabric-cicd waits up to
            30 s for a SQL endpoint and then fails late, at the semantic model); past it
            the item that needs the attribute fails with ``DeadlineExceededError`` naming
            the item it waited for.
        poll_interval_s: Wait between reads. Default 5 s (fabric-cicd's base delay).
    """

    timeout_s: float = 300.0
    poll_interval_s: float = 5.0


@dataclass(frozen=True, kw_only=True)
class AttributeWaitRecord:
    """One wait for an attribute that was not provisioned at the first read.

    Attributes:
        workspace_id: The item's workspace.
        item: The item's type and name.
        item_id: Its id.
        attribute: The attribute waited for (``sqlendpoint``...).
        waited_s: Seconds between the first read and the last, on the run's clock.
        reads: How many times the item was read.
        outcome: ``provisioned``, ``failed`` (provisioning status Failed) or ``timed out``.
    """

    workspace_id: str
    item: ItemKey
    item_id: str
    attribute: str
    waited_s: float
    reads: int
    outcome: str


class LiveAttributes:
    """Read item attributes and custom pools once per run; thread-safe.

    Concurrent askers of the same item (or the same workspace's pools) wait for the one
    read in progress instead of sending their own; askers of other items are not held.

    Args:
        client: Reads typed items and lists pools.
        clock: Measures and sleeps the provisioning waits.
        wait: Bounds of each wait (default :class:`ProvisioningWait`).
    """

    def __init__(
        self, client: FabricClient, *, clock: Clock, wait: ProvisioningWait | None = None
    ) -> None:
        self._client = client
        self._clock = clock
        self._wait = wait or ProvisioningWait()
        self._lock = threading.Lock()
        self._guards: dict[Hashable, threading.Lock] = {}
        self._values: dict[tuple[str, str], dict[str, str]] = {}
        self._pools: dict[str, dict[tuple[str, str], str]] = {}
        self._waits: list[AttributeWaitRecord] = []

    def _guard(self, key: Hashable) -> threading.Lock:
        with self._lock:
            return self._guards.setdefault(key, threading.Lock())

    def waits(self) -> tuple[AttributeWaitRecord, ...]:
        """Return every wait so far, in the order they ended."""
        with self._lock:
            return tuple(self._waits)

    def item_attribute(
        self, workspace_id: str, key: ItemKey, item_id: str, attribute: ItemAttribute
    ) -> str | None:
        """Return an attribute of an existing item, waiting for it to be provisioned.

        Returns:
            The value; None when the item's type has no such attribute.

        Raises:
            OperationFailedError: The item's SQL endpoint reports ``Failed``.
            DeadlineExceededError: The attribute did not appear within the wait.
        """
        if attribute is ItemAttribute.ID:
            return item_id
        if not self._client.typed.has_attribute(key.item_type, attribute.value):
            return None
        cache_key = (workspace_id, item_id)
        with self._guard(cache_key):
            with self._lock:
                known = self._values.get(cache_key, {}).get(attribute.value)
            if known:
                return known
            values = self._await(workspace_id, key, item_id, attribute)
            with self._lock:
                self._values.setdefault(cache_key, {}).update(values)
            return values[attribute.value]

    def _await(
        self, workspace_id: str, key: ItemKey, item_id: str, attribute: ItemAttribute
    ) -> dict[str, str]:
        began = self._clock.monotonic()
        deadline = began + self._wait.timeout_s
        reads = 0

        def record(outcome: str) -> None:
            self._record(
                workspace_id=workspace_id,
                key=key,
                item_id=item_id,
                attribute=attribute,
                began=began,
                reads=reads,
                outcome=outcome,
            )

        while True:
            found = self._client.typed.get_item_attributes(workspace_id, key.item_type, item_id)
            reads += 1
            values, status = dict(found.values), found.provisioning_status
            if attribute.value in values:
                record("provisioned")
                return values
            what = f"the {_DESCRIPTIONS[attribute]} of {key.item_type} {key.display_name!r}"
            if found.failed:
                record("failed")
                raise OperationFailedError(
                    f"{what} ({item_id}) failed to provision (provisioningStatus {status}), "
                    "so the definitions that use it cannot be rendered; repair or recreate the "
                    f"{key.item_type} in Fabric, then deploy again",
                    status=200,
                    error_code=status,
                )
            if self._clock.monotonic() + self._wait.poll_interval_s > deadline:
                record("timed out")
                raise DeadlineExceededError(
                    f"{what} ({item_id}) was not provisioned within "
                    f"{self._wait.timeout_s:g} s (last status {status or 'unknown'}); "
                    "deploy again later"
                )
            self._clock.sleep(self._wait.poll_interval_s)

    def _record(
        self,
        *,
        workspace_id: str,
        key: ItemKey,
        item_id: str,
        attribute: ItemAttribute,
        began: float,
        reads: int,
        outcome: str,
    ) -> None:
        if reads == 1 and outcome == "provisioned":
            return  # no wait: it was there at the first read
        record = AttributeWaitRecord(
            workspace_id=workspace_id,
            item=key,
            item_id=item_id,
            attribute=attribute.value,
            waited_s=max(0.0, self._clock.monotonic() - began),
            reads=reads,
            outcome=outcome,
        )
        with self._lock:
            self._waits.append(record)

    def spark_pool_id(self, workspace_id: str, name: str, pool_type: str) -> str | None:
        """Return the id of the workspace's custom pool of that exact name and type, or None."""
        with self._guard(("spark-pools", workspace_id)):
            with self._lock:
                pools = self._pools.get(workspace_id)
            if pools is None:
                pools = {}
                for pool in self._client.typed.list_spark_pools(workspace_id):
                    pools.setdefault((pool.name, pool.type), pool.id)
                with self._lock:
                    self._pools[workspace_id] = pools
        return pools.get((name, pool_type))
