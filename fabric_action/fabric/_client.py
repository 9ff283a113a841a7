"""``FabricClient``: typed Fabric operations over the client stack, and its factory.

::

    client = FabricClient.for_cloud(profile, token_provider)
    workspace = client.workspaces.create("sales-dev", capacity_id=capacity.id)
    item = client.items.create(workspace.id, display_name="nb", item_type="Notebook",
                               definition=definition)
    principal = client.graph.resolve_principal(config_principal)

Operations are grouped by resource (``workspaces``, ``role_assignments``, ``capacities``,
``items``, ``folders``, ``typed``), as azure-core clients group theirs; each group is a
small module. Every group shares one pipeline, one LRO scheduler and one clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fabric_action.reliability import Clock, RetryEvent, SystemClock

from ._connections import ConnectionOperations
from ._folders import FolderOperations
from ._graph import GraphClient
from ._items import ItemOperations
from ._lro_handle import Lro
from ._messages import Request
from ._pipeline import Pipeline, PipelineOptions, build_pipeline
from ._policies import BearerTokenPolicy, TokenProvider
from ._reconcile import DEFAULT_CREATE_ATTEMPTS
from ._rest import RestCore
from ._scheduler import LroOptions, LroPoller
from ._transport import Transport
from ._typed import TypedItemOperations
from ._workspaces import CapacityOperations, RoleAssignmentOperations, WorkspaceOperations

__all__ = ["ClientOptions", "CloudEndpoints", "FabricClient", "scoped_bearer_policy"]


class CloudEndpoints(Protocol):
    """What the client needs from a cloud profile (``fabric_action.auth.CloudProfile`` fits)."""

    @property
    def fabric_api_base(self) -> str:
        """Fabric's base URL, ending in ``/v1``."""
        ...

    @property
    def graph_base(self) -> str:
        """Graph's base URL, ending in ``/v1.0``."""
        ...

    @property
    def fabric_scope(self) -> str:
        """The scope of Fabric tokens."""
        ...

    @property
    def graph_scope(self) -> str:
        """The scope of Graph tokens."""
        ...

    def is_allowed_host(self, url: str) -> bool:
        """Whether a bearer token may be sent to ``url``."""
        ...


@dataclass(frozen=True, kw_only=True)
class ClientOptions:
    """Options of :class:`FabricClient` on top of the pipeline's.

    Attributes:
        lro: Polling of long-running operations (intervals, timeout, pool size).
        create_attempts: Sends of one create whose responses keep getting lost, each
            after a lookup by natural key found nothing. Default 4.
    """

    lro: LroOptions = field(default_factory=LroOptions)
    create_attempts: int = DEFAULT_CREATE_ATTEMPTS

    def __post_init__(self) -> None:
        if self.create_attempts < 1:
            raise ValueError("create_attempts must be >= 1")


def scoped_bearer_policy(
    tokens: TokenProvider, cloud: CloudEndpoints, *, https_only: bool = True
) -> BearerTokenPolicy:
    """Return an auth policy that sends Graph URLs the Graph token, the rest Fabric's.

    One pipeline then serves both APIs (one breaker per host, one quota window), and the
    token goes only where ``cloud.is_allowed_host`` allows.
    """
    graph_prefix = cloud.graph_base.rstrip("/").casefold() + "/"

    def scope_for(request: Request) -> str:
        is_graph = request.url.casefold().startswith(graph_prefix)
        return cloud.graph_scope if is_graph else cloud.fabric_scope

    return BearerTokenPolicy(
        token_for=lambda request: tokens.token(scope_for(request)),
        is_allowed_host=cloud.is_allowed_host,
        invalidate_for=lambda request: tokens.invalidate(scope_for(request)),
        https_only=https_only,
    )


class FabricClient:
    """Typed Fabric REST operations with paging, LROs, typed errors and reconciled creates.

    Thread-safe: share one client across workers.

    Attributes:
        workspaces: Workspaces and their capacity.
        role_assignments: Workspace role assignments.
        capacities: Capacities.
        items: Items and definitions.
        folders: Folders.
        typed: Lakehouse SQL endpoint, environment publish, variable library.
        connections: Tenant connections, item data sources, semantic model binding.
        operations: The LRO scheduler (its threads, pending polls).
        graph: Microsoft Graph over the same pipeline.

    Args:
        pipeline: The client stack.
        api_base: Fabric's base URL (``https://api.fabric.microsoft.com/v1``).
        graph_base: Graph's base URL (``https://graph.microsoft.com/v1.0``).
        is_allowed_host: The token allow-list (LRO locations, continuation URIs).
        clock: The clock of every wait (the pipeline's).
        options: LRO and reconcile options.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        api_base: str,
        graph_base: str,
        is_allowed_host: Callable[[str], bool],
        clock: Clock | None = None,
        options: ClientOptions | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.options = options or ClientOptions()
        self.operations = LroPoller(clock=clock or SystemClock(), options=self.options.lro)
        self._core = RestCore(
            pipeline.send,
            base_url=api_base,
            is_allowed_host=is_allowed_host,
            poller=self.operations,
        )
        attempts = self.options.create_attempts
        self.workspaces = WorkspaceOperations(self._core, create_attempts=attempts)
        self.role_assignments = RoleAssignmentOperations(self._core, create_attempts=attempts)
        self.capacities = CapacityOperations(self._core)
        self.items = ItemOperations(self._core, create_attempts=attempts)
        self.folders = FolderOperations(self._core, create_attempts=attempts)
        self.typed = TypedItemOperations(self._core, create_attempts=attempts)
        self.connections = ConnectionOperations(self._core)
        self.graph = GraphClient(
            pipeline.send, graph_base=graph_base, is_allowed_host=is_allowed_host
        )

    @classmethod
    def for_cloud(
        cls,
        cloud: CloudEndpoints,
        tokens: TokenProvider,
        *,
        pipeline_options: PipelineOptions | None = None,
        options: ClientOptions | None = None,
        clock: Clock | None = None,
        transport: Transport | None = None,
        rng: random.Random | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> FabricClient:
        """Build the whole stack for a cloud profile and a token provider.

        Args:
            cloud: Endpoints, scopes and allow-list (a ``CloudProfile``).
            tokens: Tokens per scope (a ``MsalTokenProvider``).
            pipeline_options: Retry, breaker, quota, concurrency and transport options.
            options: LRO and reconcile options.
            clock: Time for every wait (default the system clock).
            transport: Where requests go (default: requests, pooled per host).
            rng: Retry jitter source.
            on_retry: Telemetry hook before each retry's wait.
        """
        clock = clock or SystemClock()
        pipeline = build_pipeline(
            auth=scoped_bearer_policy(tokens, cloud),
            options=pipeline_options,
            clock=clock,
            transport=transport,
            rng=rng,
            on_retry=on_retry,
        )
        return cls(
            pipeline,
            api_base=cloud.fabric_api_base,
            graph_base=cloud.graph_base,
            is_allowed_host=cloud.is_allowed_host,
            clock=clock,
            options=options,
        )

    def resume_operation(
        self,
        location: str,
        *,
        parse: Callable[[Any], Any] = lambda value: value,
        what: str = "resumed operation",
        operation_id: str = "",
    ) -> Lro[Any]:
        """Resume polling an operation from the ``location`` a journal stored.

        Nothing is sent again; the first poll is due at once.

        Args:
            location: The stored ``Location``.
            parse: Reads the operation's result (default: the JSON as it is, None when
                the operation has no result), e.g. ``Item.from_json``.
            what: What the operation does, for messages.
            operation_id: The stored operation id (default: read from ``location``).
        """
        return self._core.operations.resume(
            location, parse=parse, what=what, operation_id=operation_id
        )

    def close(self) -> None:
        """Stop the LRO scheduler and close the pipeline's connections."""
        self.operations.close()
        self.pipeline.close()

    def __enter__(self) -> FabricClient:
        """Return self."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close."""
        self.close()
