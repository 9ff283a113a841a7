"""Talk to Fabric: the HTTP pipeline, its policies and transports (clients come next)."""

from ._messages import IDEMPOTENT_METHODS, Request, Response, redact_url
from ._pipeline import Pipeline, PipelineOptions, build_pipeline
from ._policies import (
    TRANSIENT_STATUSES,
    BearerTokenPolicy,
    CircuitBreakerPolicy,
    DeadlinePolicy,
    HostAllowList,
    Policy,
    RateLimitPolicy,
    RetryPolicy,
    Send,
    TokenProvider,
    breaker_outcome,
)
from ._transport import MockTransport, RequestsTransport, Transport, TransportOptions

__all__ = [
    "IDEMPOTENT_METHODS",
    "TRANSIENT_STATUSES",
    "BearerTokenPolicy",
    "CircuitBreakerPolicy",
    "DeadlinePolicy",
    "HostAllowList",
    "MockTransport",
    "Pipeline",
    "PipelineOptions",
    "Policy",
    "RateLimitPolicy",
    "Request",
    "RequestsTransport",
    "Response",
    "RetryPolicy",
    "Send",
    "TokenProvider",
    "Transport",
    "TransportOptions",
    "breaker_outcome",
    "build_pipeline",
    "redact_url",
]

# -- the client (issue 3): typed operations, LROs, paging, reconciled creates, Graph ------
from ._client import ClientOptions, CloudEndpoints, FabricClient, scoped_bearer_policy
from ._connections import (
    Connection,
    ConnectionBinding,
    ConnectionDetails,
    ConnectionOperations,
    ConnectivityType,
    ItemConnection,
)
from ._definition import Definition, DefinitionPart
from ._errors_map import ErrorDetail, ErrorResponse, service_error
from ._graph import (
    DirectoryObject,
    GraphClient,
    PrincipalLike,
    PrincipalQuery,
    ResolvedPrincipal,
)
from ._lro import OnStarted, OperationTracker
from ._lro_handle import Lro, LroStatus, PollResult
from ._models import (
    Capacity,
    Folder,
    Item,
    Principal,
    PrincipalType,
    RoleAssignment,
    Workspace,
    WorkspaceRole,
    parse_timestamp,
)
from ._paging import iter_fabric_values, iter_graph_values
from ._reconcile import Reconciled, create_reconciled
from ._scheduler import LroOptions, LroPoller
from ._typed_models import EnvironmentPublishState, VariableLibraryState

__all__ += [
    "Capacity",
    "ClientOptions",
    "CloudEndpoints",
    "Connection",
    "ConnectionBinding",
    "ConnectionDetails",
    "ConnectionOperations",
    "ConnectivityType",
    "Definition",
    "DefinitionPart",
    "DirectoryObject",
    "EnvironmentPublishState",
    "ErrorDetail",
    "ErrorResponse",
    "FabricClient",
    "Folder",
    "GraphClient",
    "Item",
    "ItemConnection",
    "Lro",
    "LroOptions",
    "LroPoller",
    "LroStatus",
    "OnStarted",
    "OperationTracker",
    "PollResult",
    "Principal",
    "PrincipalLike",
    "PrincipalQuery",
    "PrincipalType",
    "Reconciled",
    "ResolvedPrincipal",
    "RoleAssignment",
    "VariableLibraryState",
    "Workspace",
    "WorkspaceRole",
    "create_reconciled",
    "iter_fabric_values",
    "iter_graph_values",
    "parse_timestamp",
    "scoped_bearer_policy",
    "service_error",
]
