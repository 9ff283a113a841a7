"""The pipeline's policies: each one small, each a ``send(request, next_send)``.

Their order is declared once, in :func:`fabric_action.fabric.build_pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

from fabric_action.errors import (
    DeadlineExceededError,
    RequestNotSentError,
    ResponseLostError,
    ServiceError,
    ThrottledError,
    TlsVerificationError,
    TransportError,
)
from fabric_action.reliability import (
    AdaptiveConcurrencyLimit,
    BreakerRegistry,
    CallOutcome,
    Classification,
    Clock,
    Deadline,
    LimitSignal,
    QuotaWindow,
    Retrier,
    Verdict,
    parse_retry_after,
)

from ._messages import Request, Response, redact_url

__all__ = [
    "TRANSIENT_STATUSES",
    "BearerTokenPolicy",
    "CircuitBreakerPolicy",
    "DeadlinePolicy",
    "HostAllowList",
    "Policy",
    "RateLimitPolicy",
    "RetryPolicy",
    "Send",
    "TokenProvider",
]

Send = Callable[[Request], Response]
"""The rest of the pipeline, as seen by a policy."""

TRANSIENT_STATUSES = frozenset({408, 500, 502, 503, 504})
"""Statuses retried from the transient budget (and counted as failures by the breaker)."""

_DONE = Classification(Verdict.DONE)
_TRANSIENT = Classification(Verdict.TRANSIENT)


class Policy(Protocol):
    """One step of the pipeline."""

    def send(self, request: Request, next_send: Send) -> Response:
        """Handle ``request``, calling ``next_send`` zero or more times."""
        ...


class DeadlinePolicy:
    """Give every call an absolute deadline (unless it brought one) and check it first.

    Args:
        clock: The clock deadlines are measured on.
        timeout_s: The deadline of a call that brings none, in seconds (all retries and
            waits included).
    """

    def __init__(self, *, clock: Clock, timeout_s: float) -> None:
        self._clock = clock
        self._timeout_s = timeout_s

    def send(self, request: Request, next_send: Send) -> Response:
        """Attach the deadline and pass the request on, unless it has already passed."""
        if request.deadline is None:
            request = request.replace(deadline=Deadline.after(self._timeout_s, clock=self._clock))
        elif request.deadline.expired:
            raise DeadlineExceededError(
                f"{request.method} {redact_url(request.url)}: the deadline passed before it "
                "was sent"
            )
        return next_send(request)


class CircuitBreakerPolicy:
    """Run the (retried) call through its host's breaker.

    Args:
        breakers: The registry holding one breaker per host.
    """

    def __init__(self, breakers: BreakerRegistry) -> None:
        self._breakers = breakers

    def send(self, request: Request, next_send: Send) -> Response:
        """Reject at once while the host's breaker is open; count the outcome otherwise."""
        breaker = self._breakers.for_host(request.authority)
        return breaker.call(
            lambda: next_send(request),
            classify=breaker_outcome,
            deadline=request.deadline,
            wait_for_probe=request.wait_for_probe,
        )


def breaker_outcome(outcome: Response | BaseException) -> CallOutcome:
    """Count 5xx, 408 and broken connections against the host; everything else not.

    A 429 or another 4xx proves the host is up and answering, so it counts as a success;
    an untrusted certificate or our own deadline says nothing about the host.
    """
    if isinstance(outcome, Response):
        failed = outcome.status >= 500 or outcome.status in TRANSIENT_STATUSES
        return CallOutcome.FAILURE if failed else CallOutcome.SUCCESS
    if isinstance(outcome, TlsVerificationError):
        return CallOutcome.IGNORED
    if isinstance(outcome, TransportError):
        return CallOutcome.FAILURE
    if isinstance(outcome, ServiceError):
        return CallOutcome.SUCCESS
    return CallOutcome.IGNORED


class RetryPolicy:
    """Retry the call with the two budgets of :class:`~fabric_action.reliability.Retrier`.

    Args:
        retrier: Budgets, delays and the clock that sleeps.
        clock: Resolves HTTP-date Retry-After values.
    """

    def __init__(self, retrier: Retrier, *, clock: Clock) -> None:
        self._retrier = retrier
        self._clock = clock

    def send(self, request: Request, next_send: Send) -> Response:
        """Send, retrying what the classifier says may be retried."""
        deadline = request.deadline or Deadline.never(clock=self._clock)
        return self._retrier.call(
            lambda: next_send(request),
            classify=self.classify,
            deadline=deadline,
            idempotent=request.is_idempotent,
            throttled_error=lambda response, retry_after_s: _throttled(
                request, response, retry_after_s
            ),
        )

    def classify(self, outcome: Response | BaseException) -> Classification:
        """Sort an attempt's outcome into the retry budgets.

        429 is throttling; 408 and 5xx gateway/availability statuses are transient;
        a request that never left is transient; one sent without an answer is
        ambiguous (retried only when idempotent); anything else is final.
        """
        if isinstance(outcome, Response):
            if outcome.status == 429:
                return Classification(Verdict.THROTTLED, self._retry_after(outcome))
            if outcome.status in TRANSIENT_STATUSES:
                return Classification(Verdict.TRANSIENT, self._retry_after(outcome))
            return _DONE
        if isinstance(outcome, TlsVerificationError):
            return _DONE
        if isinstance(outcome, RequestNotSentError):
            return _TRANSIENT
        if isinstance(outcome, ResponseLostError):
            return Classification(Verdict.AMBIGUOUS)
        return _DONE

    def _retry_after(self, response: Response) -> float | None:
        return parse_retry_after(response.headers, now_s=self._clock.now())


def _throttled(request: Request, response: Response, retry_after_s: float | None) -> ThrottledError:
    wait = "" if retry_after_s is None else f" (Retry-After {retry_after_s:g} s)"
    return ThrottledError(
        f"{request.method} {redact_url(request.url)}: throttled (429){wait} and not waited "
        "out: the wait would end past the operation's deadline, or retries are off. Lower "
        "the parallelism or the calls per minute, or raise the timeout",
        status=429,
        error_code=response.error_code,
        request_id=response.request_id,
        retry_after_s=retry_after_s,
    )


class RateLimitPolicy:
    """Hold a concurrency slot, then a permit from the quota window, per attempt.

    Slot first: the permit is then taken right before the request goes out, so the start
    times the window counts are the ones the server sees (a permit taken while queueing
    for a slot would let requests bunch up later). The slot is freed when the response is back,
    and adapts the limit: narrower on 429, wider on other answers.

    Args:
        quota: The identity's call quota.
        limit: The adaptive concurrency limit.
        clock: For requests that carry no deadline.
    """

    def __init__(
        self, quota: QuotaWindow, limit: AdaptiveConcurrencyLimit, *, clock: Clock
    ) -> None:
        self._quota = quota
        self._limit = limit
        self._clock = clock

    def send(self, request: Request, next_send: Send) -> Response:
        """Wait for a slot and a token, then send."""
        deadline = request.deadline or Deadline.never(clock=self._clock)
        with self._limit.slot(deadline) as slot:
            self._quota.acquire(deadline)
            response = next_send(request)
            if response.status == 429:
                slot.signal = LimitSignal.THROTTLED
            elif response.status < 500:
                slot.signal = LimitSignal.OK
            return response


class TokenProvider(Protocol):
    """What the auth policy needs from a token source (``fabric_action.auth`` provides)."""

    def token(self, scope: str) -> str:
        """Return a valid access token for ``scope`` (cached or fresh)."""
        ...

    def invalidate(self, scope: str, *, rejected_token: str | None = None) -> None:
        """Forget the cached token for ``scope`` so the next call fetches a new one.

        ``rejected_token`` is the token the server refused: a provider whose cache already
        holds a different one (another thread refreshed first) keeps it.
        """
        ...


class HostAllowList(Protocol):
    """What the auth policy needs from the cloud profile."""

    def is_allowed_host(self, url: str) -> bool:
        """Whether a bearer token may be sent to ``url``'s host."""
        ...


_AUTHORIZATION = "authorization"


def _bearer_token(request: Request) -> str | None:
    """Return the bearer token a request carried, or None."""
    for name, value in request.headers.items():
        if name.lower() == _AUTHORIZATION and value.startswith("Bearer "):
            return value[len("Bearer ") :]
    return None


class BearerTokenPolicy:
    """Attach ``Authorization: Bearer`` to requests for allowed hosts, and only those.

    Runs per attempt (inside retry), so every attempt carries a current token. A 401 with
    ``x-ms-public-api-error-code: TokenExpired`` gets exactly one forced refresh and one
    replay; any other 401 is returned for the caller to report.

    Args:
        token_for: Returns the token for a request, or None to send it without one.
        is_allowed_host: The allow-list check (``CloudProfile.is_allowed_host``).
        invalidate_for: Drops the cached token behind a request, before the replay; it
            gets the request as sent, whose ``Authorization`` header holds the rejected
            token (a single-flight provider can skip a refresh another thread just did).
        https_only: Never send a token over plain HTTP, even to an allowed host.
            Default True.
    """

    def __init__(
        self,
        *,
        token_for: Callable[[Request], str | None],
        is_allowed_host: Callable[[str], bool],
        invalidate_for: Callable[[Request], None],
        https_only: bool = True,
    ) -> None:
        self._token_for = token_for
        self._is_allowed_host = is_allowed_host
        self._invalidate_for = invalidate_for
        self._https_only = https_only

    @classmethod
    def for_scope(
        cls,
        provider: TokenProvider,
        allow_list: HostAllowList,
        *,
        scope: str,
        https_only: bool = True,
    ) -> BearerTokenPolicy:
        """Build the policy for one token scope (e.g. Fabric's ``.../.default``)."""
        return cls(
            token_for=lambda _: provider.token(scope),
            is_allowed_host=allow_list.is_allowed_host,
            invalidate_for=lambda sent: provider.invalidate(
                scope, rejected_token=_bearer_token(sent)
            ),
            https_only=https_only,
        )

    def send(self, request: Request, next_send: Send) -> Response:
        """Send with a token when the host is allowed; refresh once on TokenExpired."""
        headers = {k: v for k, v in request.headers.items() if k.lower() != _AUTHORIZATION}
        bare = request.replace(headers=headers)
        if not self._may_carry_token(request.url):
            return next_send(bare)
        token = self._token_for(request)
        if token is None:
            return next_send(bare)
        sent = bare.replace(headers={**headers, "Authorization": f"Bearer {token}"})
        response = next_send(sent)
        if response.status == 401 and response.error_code.lower() == "tokenexpired":
            self._invalidate_for(sent)
            token = self._token_for(request)
            if token is not None:
                response = next_send(
                    bare.replace(headers={**headers, "Authorization": f"Bearer {token}"})
                )
        return response

    def _may_carry_token(self, url: str) -> bool:
        if self._https_only and urlsplit(url).scheme.lower() != "https":
            return False
        return self._is_allowed_host(url)
