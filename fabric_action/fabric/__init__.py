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
