"""What every operation group shares: URLs, JSON bodies, typed errors, paging, LROs.

:class:`RestCore` sits between the pipeline (which retries, limits and authorises) and the
operation groups (which know Fabric's resources). It turns an error status into the typed
tree, a body into a model, a list into every page, and a 202 into an :class:`Lro`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fabric_action.reliability import parse_retry_after

from ._bodies import parse_body, parse_value
from ._errors_map import service_error
from ._lro import OnStarted, OperationTracker
from ._lro_handle import Lro
from ._messages import Request, Response
from ._paging import iter_fabric_values
from ._scheduler import LroPoller

__all__ = ["Query", "RestCore", "segment"]

T = TypeVar("T")
Query = Mapping[str, str | bool | None]
"""Query parameters; None values are left out, booleans sent as ``true``/``false``."""


def segment(value: str) -> str:
    """Return ``value`` percent-encoded as one path segment (ids are; names may not be)."""
    return quote(value, safe="")


class RestCore:
    """Typed calls to one REST API over the pipeline.

    Args:
        send: The pipeline's ``send``.
        base_url: The API base (``https://api.fabric.microsoft.com/v1``).
        is_allowed_host: The token allow-list (continuation URIs and LRO locations).
        poller: The LRO scheduler.
    """

    def __init__(
        self,
        send: Callable[[Request], Response],
        *,
        base_url: str,
        is_allowed_host: Callable[[str], bool],
        poller: LroPoller,
    ) -> None:
        self._send = send
        self.base_url = base_url.rstrip("/")
        self.is_allowed_host = is_allowed_host
        self.poller = poller
        self.operations = OperationTracker(
            fetch=lambda url, what: self.call("GET", url, what=what),
            poller=poller,
            api_base=self.base_url,
            is_allowed_host=is_allowed_host,
        )

    def url(self, path: str, query: Query | None = None) -> str:
        """Return the absolute URL of ``path`` (relative to the base) with ``query``."""
        url = path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"
        params = [(k, _query_value(v)) for k, v in (query or {}).items() if v is not None]
        return f"{url}?{urlencode(params, quote_via=quote, safe='$')}" if params else url

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: Any = None,
        query: Query | None = None,
        idempotent: bool | None = None,
    ) -> Response:
        """Send one request and return its successful response.

        Args:
            method: HTTP method.
            path: Path under the base, or an absolute URL.
            what: What the call does, for error messages.
            body: A JSON-serialisable body (None: no body).
            query: Query parameters.
            idempotent: Whether a lost response may be resent blindly (None: by method).
                Set True for POSTs that only read or that converge (``getDefinition``,
                ``updateDefinition``, ``move``), never for creates.

        Raises:
            ServiceError: An error status, as the typed subclass its errorCode names.
            TransportError, CircuitOpenError, DeadlineExceededError: From the pipeline.
        """
        headers: dict[str, str] = {}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = Request(
            method=method,
            url=self.url(path, query),
            headers=headers,
            body=data,
            idempotent=idempotent,
        )
        response = self._send(request)
        if response.status >= 400:
            retry_after = parse_retry_after(response.headers, now_s=self.poller.clock.now())
            raise service_error(response, what=what, retry_after_s=retry_after)
        return response

    def read(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[Any], T],
        what: str,
        body: Any = None,
        query: Query | None = None,
        idempotent: bool | None = None,
    ) -> T:
        """Send one request and return its body read by ``parse``."""
        response = self.call(method, path, what=what, body=body, query=query, idempotent=idempotent)
        return parse_body(response, parse, what=what)

    def iterate(
        self, path: str, *, parse: Callable[[Any], T], what: str, query: Query | None = None
    ) -> Iterator[T]:
        """Yield every entry of a paginated list, each read by ``parse``."""
        responses: list[Response] = []

        def fetch(url: str) -> Response:
            response = self.call("GET", url, what=what)
            responses.append(response)
            return response

        for value in iter_fabric_values(
            fetch, self.url(path, query), what=what, is_allowed_host=self.is_allowed_host
        ):
            yield parse_value(responses[-1], value, parse, what=what)

    def list(
        self, path: str, *, parse: Callable[[Any], T], what: str, query: Query | None = None
    ) -> list[T]:
        """Return every entry of a paginated list."""
        return list(self.iterate(path, parse=parse, what=what, query=query))

    def begin(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[Any], T],
        what: str,
        body: Any = None,
        query: Query | None = None,
        idempotent: bool | None = None,
        on_started: OnStarted | None = None,
        fetch_result: bool = True,
    ) -> Lro[T]:
        """Send a call that may run long; return its handle (done at once on 200/201).

        ``fetch_result=False``: a succeeded operation's result is not fetched; ``parse``
        gets None (see :meth:`OperationTracker.begin`).
        """
        response = self.call(method, path, what=what, body=body, query=query, idempotent=idempotent)
        return self.operations.begin(
            response, parse=parse, what=what, on_started=on_started, fetch_result=fetch_result
        )


def _query_value(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
