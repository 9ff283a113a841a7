"""Fabric's long-running operations: begin from a 202, poll ``Location``, fetch the result.

Reference §5, and how real clients poll (§5.4), combined:

- A 202 names the operation in ``Location`` (production: the cluster's redirect host,
  which the cloud profile allows), ``x-ms-operation-id`` and ``Retry-After``. The id and
  location are handed to ``on_started`` *before* the first poll, so a journal can store
  them; :meth:`OperationTracker.resume` polls a stored location from a new process
  without sending the POST again.
- Each poll waits the previous answer's Retry-After (the poller's default interval when
  there is none) and follows a new ``Location`` when a poll names one.
- Statuses compare case-insensitively: Succeeded, Completed and Deduped end it well;
  Failed, Canceled, Cancelled and Undefined raise :class:`OperationFailedError` with the
  operation's ``errorCode`` (its terminal status when it reported none) and a request id;
  NotStarted, Running, InProgress and anything unknown mean "poll again".
- A Succeeded answer that carries ``Location`` has a result there; a 400
  ``OperationHasNoResult`` on it means there is none (fabric-cli does the same). A caller
  that finds the result another way (``fetch_result=False``) is handed None instead, and
  the result is never fetched.
- A location on a host the profile does not allow is never polled (the token would go
  with it): :class:`UntrustedRedirectError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fabric_action.errors import OperationFailedError, ServiceError, UntrustedRedirectError
from fabric_action.reliability import Deadline, parse_retry_after

from ._bodies import json_body, parse_value
from ._errors_map import ErrorResponse
from ._lro_handle import Lro, LroStatus, PollResult, PollStep
from ._messages import Response, redact_url
from ._scheduler import LroPoller

__all__ = ["OnStarted", "OperationTracker"]

T = TypeVar("T")

OnStarted = Callable[[str, str], None]
"""``on_started(operation_id, location)``: called once an operation is accepted, before
its first poll (write both to the journal here)."""

FetchUrl = Callable[[str, str], Response]
"""``fetch(url, what)``: GET an absolute URL; error statuses raise the typed error."""

_OPERATION_PATH = re.compile(r"/operations/([^/?#]+)", re.IGNORECASE)
_NO_RESULT = "operationhasnoresult"


class OperationTracker:
    """Begin and resume Fabric operations on a :class:`LroPoller`.

    Args:
        fetch: GETs a URL through the pipeline (error statuses raise typed errors).
        poller: The scheduler that polls.
        api_base: Fabric's ``.../v1`` base, for a 202 that names only an operation id.
        is_allowed_host: The cloud profile's token allow-list.
    """

    def __init__(
        self,
        *,
        fetch: FetchUrl,
        poller: LroPoller,
        api_base: str,
        is_allowed_host: Callable[[str], bool],
    ) -> None:
        self._fetch = fetch
        self.poller = poller
        self._api_base = api_base.rstrip("/")
        self._is_allowed_host = is_allowed_host

    def begin(
        self,
        response: Response,
        *,
        parse: Callable[[Any], T],
        what: str,
        on_started: OnStarted | None = None,
        fetch_result: bool = True,
    ) -> Lro[T]:
        """Return a handle for the call that produced ``response``.

        200/201 (done inline) gives a completed handle; 202 gives a scheduled one after
        ``on_started`` has been told its id and location. A 202 with neither ``Location``
        nor ``x-ms-operation-id`` (``assignToCapacity``) is complete as it stands. With
        ``fetch_result=False`` a succeeded operation's ``parse`` gets None (no ``/result``
        call); an inline 200/201 body is parsed as always.

        Raises:
            UntrustedRedirectError: ``Location`` is on a host the profile does not allow.
            UnexpectedResponseError: An inline body ``parse`` cannot read.
            Whatever ``on_started`` raises (the operation is then not polled).
        """
        location = response.header("Location") or ""
        operation_id = response.header("x-ms-operation-id") or ""
        if response.status != 202 or not (location or operation_id):
            value = json_body(response, what=what)
            return Lro.completed(parse_value(response, value, parse, what=what), what=what)
        if not location:
            location = f"{self._api_base}/operations/{operation_id}"
        self._check_host(location, what)
        operation_id = operation_id or _operation_id(location)
        if on_started is not None:
            on_started(operation_id, location)
        handle = self._handle(location, operation_id, parse, what, fetch_result=fetch_result)
        retry_after = parse_retry_after(response.headers, now_s=self.poller.clock.now())
        first = self.poller.options.default_poll_interval_s if retry_after is None else retry_after
        self.poller.schedule(handle, delay_s=first)
        return handle

    def resume(
        self,
        location: str,
        *,
        parse: Callable[[Any], T],
        what: str,
        operation_id: str = "",
        fetch_result: bool = True,
    ) -> Lro[T]:
        """Poll an operation another process started, from its stored ``location``.

        The first poll is due at once; nothing is sent again.

        Raises:
            UntrustedRedirectError: ``location`` is on a host the profile does not allow.
        """
        self._check_host(location, what)
        handle = self._handle(
            location,
            operation_id or _operation_id(location),
            parse,
            what,
            fetch_result=fetch_result,
        )
        self.poller.schedule(handle, delay_s=0.0)
        return handle

    def _handle(
        self,
        location: str,
        operation_id: str,
        parse: Callable[[Any], T],
        what: str,
        *,
        fetch_result: bool,
    ) -> Lro[T]:
        clock = self.poller.clock
        return Lro(
            what=what,
            operation_id=operation_id,
            location=location,
            step=self._step(parse, fetch_result=fetch_result),
            deadline=Deadline.after(self.poller.options.timeout_s, clock=clock),
        )

    def _step(self, parse: Callable[[Any], T], *, fetch_result: bool) -> PollStep[T]:
        def poll(handle: Lro[T]) -> PollResult[T]:
            return self._poll(handle, parse, fetch_result=fetch_result)

        return poll

    def _poll(
        self, handle: Lro[T], parse: Callable[[Any], T], *, fetch_result: bool
    ) -> PollResult[T]:
        what = f"{handle.what} (operation {handle.operation_id or '?'})"
        response = self._fetch(handle.location, f"poll {what}")
        state = json_body(response, what=f"poll {what}")
        raw = state.get("status") if isinstance(state, dict) else None
        handle.status = raw if isinstance(raw, str) else ""
        status = LroStatus.parse(handle.status)
        if status is not None and status.succeeded:
            value = self._result(response, what) if fetch_result else None
            return PollResult(done=True, value=parse_value(response, value, parse, what=what))
        if status is not None and status.failed:
            raise _failed(response, state, handle, what)
        location = response.header("Location")
        if location and location != handle.location:
            self._check_host(location, what)
            handle.location = location
        retry_after = parse_retry_after(response.headers, now_s=self.poller.clock.now())
        return PollResult(done=False, retry_after_s=retry_after)

    def _result(self, state_response: Response, what: str) -> Any:
        location = state_response.header("Location")
        if not location:
            return None
        self._check_host(location, what)
        try:
            response = self._fetch(location, f"get the result of {what}")
        except ServiceError as error:
            if error.error_code.casefold() == _NO_RESULT:
                return None
            raise
        return json_body(response, what=f"the result of {what}")

    def _check_host(self, url: str, what: str) -> None:
        if not self._is_allowed_host(url):
            raise UntrustedRedirectError(
                f"{what}: the service pointed the operation at {redact_url(url)}, a host the "
                "cloud profile does not allow, so it was not polled (the token would go "
                "with it). If the host is Fabric's, add it to lro_redirect_hosts",
                url=redact_url(url),
            )


def _operation_id(location: str) -> str:
    found = _OPERATION_PATH.search(urlsplit(location).path)
    return found.group(1) if found else ""


def _failed(response: Response, state: Any, handle: Lro[Any], what: str) -> OperationFailedError:
    """Build the error of an operation that ended Failed, Canceled or Undefined.

    The code is the operation's ``error.errorCode``; an operation that reported no error
    (Undefined usually does not) gets its terminal status as the code, so callers can
    still branch on it. The request id is the error's own, else the poll's.
    """
    error = state.get("error") if isinstance(state, dict) else None
    if not isinstance(error, dict):
        return OperationFailedError(
            f"{what} ended {handle.status} without an error description",
            status=response.status,
            error_code=handle.status,
            request_id=response.request_id,
        )
    parsed = ErrorResponse.from_body(response.status, {"error": error}, {})
    return OperationFailedError(
        f"{what} ended {handle.status}: {parsed.describe()}",
        status=response.status,
        error_code=parsed.error_code or handle.status,
        request_id=parsed.request_id or response.request_id,
    )
