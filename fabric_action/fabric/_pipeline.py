"""The client stack in one place: deadline, breaker, retry, rate limit, auth, transport."""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fabric_action.reliability import (
    AdaptiveConcurrencyLimit,
    BreakerOptions,
    BreakerRegistry,
    Clock,
    ConcurrencyOptions,
    QuotaWindow,
    RateLimitOptions,
    Retrier,
    RetryEvent,
    RetryOptions,
    SystemClock,
)

from ._messages import Request, Response
from ._policies import (
    CircuitBreakerPolicy,
    DeadlinePolicy,
    Policy,
    RateLimitPolicy,
    RetryPolicy,
    Send,
)
from ._transport import RequestsTransport, Transport, TransportOptions

__all__ = ["Pipeline", "PipelineOptions", "build_pipeline"]

DEFAULT_CALL_TIMEOUT_S = 300.0


@dataclass(frozen=True, kw_only=True)
class PipelineOptions:
    """Every option of the client stack, one frozen value per concern.

    Attributes:
        call_timeout_s: Deadline of a call that brings none: every attempt, retry wait
            and rate-limit wait included. Default 300 s (fabric-cicd's default too).
        retry: The two retry budgets (``RetryOptions(enabled=False)`` for
            ENABLE_RETRY=false).
        breaker: Circuit breaker per host (``BreakerOptions.prod()`` for prod,
            ``BreakerOptions(enabled=False)`` for ENABLE_CIRCUIT_BREAKER=false).
        rate_limit: The identity's call quota (default 200 calls/min).
        concurrency: The adaptive limit on requests in flight (default 8, up to 16).
        transport: Timeouts, CA bundle, proxies. Its ``pool_maxsize`` is raised to the
            concurrency limit's maximum when smaller, so no request waits for a
            connection the limit already allowed.
    """

    call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S
    retry: RetryOptions = field(default_factory=RetryOptions)
    breaker: BreakerOptions = field(default_factory=BreakerOptions)
    rate_limit: RateLimitOptions = field(default_factory=RateLimitOptions)
    concurrency: ConcurrencyOptions = field(default_factory=ConcurrencyOptions)
    transport: TransportOptions = field(default_factory=TransportOptions)


class Pipeline:
    """An ordered chain of policies ending in a transport, composed once.

    Attributes:
        policies: The policies, outermost first.
        transport: The transport at the end.
        breakers: The per-host breakers (for health checks and telemetry), if any.
        concurrency: The adaptive limit, if any.
        quota: The quota limiter, if any.
    """

    def __init__(
        self,
        policies: Sequence[Policy],
        transport: Transport,
        *,
        breakers: BreakerRegistry | None = None,
        concurrency: AdaptiveConcurrencyLimit | None = None,
        quota: QuotaWindow | None = None,
    ) -> None:
        self.policies = tuple(policies)
        self.transport = transport
        self.breakers = breakers
        self.concurrency = concurrency
        self.quota = quota
        send: Send = transport.send
        for policy in reversed(self.policies):
            send = functools.partial(policy.send, next_send=send)
        self._send = send

    def send(self, request: Request) -> Response:
        """Send ``request`` through every policy and return the final response.

        Raises:
            CircuitOpenError: The host's breaker is open (the request was not sent).
            ThrottledError: A 429 that the deadline cannot wait out.
            DeadlineExceededError: The deadline passed before the call could finish.
            RequestNotSentError, ResponseLostError: The network failed on the last try.
        """
        return self._send(request)

    def close(self) -> None:
        """Close the transport's connections."""
        self.transport.close()


def build_pipeline(
    *,
    auth: Policy | None,
    options: PipelineOptions | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
    rng: random.Random | None = None,
    on_retry: Callable[[RetryEvent], None] | None = None,
) -> Pipeline:
    """Assemble the client stack in DESIGN.md's order.

    Per call (once per logical request): deadline, circuit breaker, retry.
    Per attempt (once per HTTP request): rate limit, auth, transport. The breaker sits
    around the retried call, so one call that exhausted its retries is one failure; auth
    sits inside retry, so every attempt is re-authorised with a current token.

    Args:
        auth: The bearer-token policy (None: send no tokens, e.g. a public endpoint).
        options: All options; defaults as documented on :class:`PipelineOptions`.
        clock: Time for every wait; :class:`SystemClock` by default.
        transport: Where requests go; a :class:`RequestsTransport` by default.
        rng: Source of retry jitter (seed it for reproducible waits).
        on_retry: Telemetry hook called before each retry's wait.
    """
    options = options or PipelineOptions()
    clock = clock or SystemClock()
    if transport is None:
        pool = max(options.transport.pool_maxsize, options.concurrency.max_limit)
        transport = RequestsTransport(dataclasses.replace(options.transport, pool_maxsize=pool))
    breakers = BreakerRegistry(options.breaker, clock=clock)
    quota = QuotaWindow(options.rate_limit, clock=clock)
    limit = AdaptiveConcurrencyLimit(options.concurrency, clock=clock)
    retrier = Retrier(options.retry, clock=clock, rng=rng, on_retry=on_retry)
    policies: list[Policy] = [
        DeadlinePolicy(clock=clock, timeout_s=options.call_timeout_s),  # per call
        CircuitBreakerPolicy(breakers),  # per call: one outcome per retried call
        RetryPolicy(retrier, clock=clock),  # per call; everything below runs per attempt
        RateLimitPolicy(quota, limit, clock=clock),  # per attempt: slot, then permit
    ]
    if auth is not None:
        policies.append(auth)  # per attempt: a current token on every try
    return Pipeline(policies, transport, breakers=breakers, concurrency=limit, quota=quota)
