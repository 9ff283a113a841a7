"""Transports: the last step of the pipeline, which puts a request on the wire.

:class:`RequestsTransport` is the real one; :class:`MockTransport` turns any function into
a server (httpx's test seam), so every policy is tested without a socket.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.utils
from urllib3.exceptions import ClosedPoolError, ConnectTimeoutError, MaxRetryError

from fabric_action import __version__
from fabric_action.errors import (
    DeadlineExceededError,
    RequestNotSentError,
    ResponseLostError,
    TlsVerificationError,
    TransportError,
)

from ._messages import Request, Response, redact_url

__all__ = ["MockTransport", "RequestsTransport", "Transport", "TransportOptions"]

DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_READ_TIMEOUT_S = 120.0
DEFAULT_POOL_MAXSIZE = 16


class Transport(Protocol):
    """Send one request and return its complete response."""

    def send(self, request: Request) -> Response:
        """Send ``request``; raise a :class:`TransportError` when no response came back."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class MockTransport:
    """A transport whose server is a function: ``MockTransport(lambda request: Response(...))``.

    The handler may raise :class:`RequestNotSentError` or :class:`ResponseLostError` to act
    out a network failure. ``requests`` keeps every request received, in order.
    """

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self._handler = handler
        self._lock = threading.Lock()
        self.requests: list[Request] = []

    def send(self, request: Request) -> Response:
        """Record the request and answer it with the handler."""
        with self._lock:
            self.requests.append(request)
        response = self._handler(request)
        if response.request is None:
            response = Response(
                status=response.status,
                headers=response.headers,
                body=response.body,
                request=request,
            )
        return response

    def close(self) -> None:
        """Do nothing: there are no connections."""


@dataclass(frozen=True, kw_only=True)
class TransportOptions:
    """Timeouts, pool and trust of the requests-based transport.

    Attributes:
        connect_timeout_s: Longest wait for a TCP+TLS connection. Default 10 s.
        read_timeout_s: Longest silence while waiting for response bytes; a stalled
            server fails the attempt after this. Default 120 s. Both are also cut to
            what is left of the request's deadline.
        pool_maxsize: Keep-alive connections kept per host; size it to the concurrency
            limit's maximum (``build_pipeline`` does). Default 16.
        ca_bundle_path: PEM bundle to verify servers with. Default None: requests' own
            bundle (certifi). ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` are never read:
            the CA a deployment trusts is a setting, not an accident of the environment.
        use_proxy_env: Honour ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` from the
            environment. Default True. (``.netrc`` is never read.)
        user_agent: The ``User-Agent`` header. Default ``fabric-action/<version>``.
    """

    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S
    pool_maxsize: int = DEFAULT_POOL_MAXSIZE
    ca_bundle_path: str | None = None
    use_proxy_env: bool = True
    user_agent: str = f"fabric-action/{__version__}"

    def __post_init__(self) -> None:
        if self.connect_timeout_s <= 0 or self.read_timeout_s <= 0:
            raise ValueError("timeouts must be > 0 seconds")
        if self.pool_maxsize < 1:
            raise ValueError("pool_maxsize must be >= 1")


class RequestsTransport:
    """Send requests with ``requests``: one pooled ``Session`` per host, timeouts always.

    Sessions run with ``trust_env = False`` so nothing in the environment changes trust or
    credentials silently (no ``REQUESTS_CA_BUNDLE``, no ``.netrc``); the proxies the
    environment names for the host are read once, when its session is created, and set on
    it explicitly. Redirects are returned, never followed: following one could carry the
    bearer token to a host nobody allowed.

    Args:
        options: Timeouts, pool size, CA bundle and proxy handling.
    """

    def __init__(self, options: TransportOptions | None = None) -> None:
        self.options = options or TransportOptions()
        self._lock = threading.Lock()
        self._sessions: dict[str, requests.Session] = {}

    def send(self, request: Request) -> Response:
        """Send ``request`` and read the whole response.

        Raises:
            RequestNotSentError: The connection failed; the server never saw the request.
            TlsVerificationError: The server's certificate is not trusted.
            ResponseLostError: Sent, but no complete response (read timeout, reset).
            DeadlineExceededError: The request's deadline left no time to send it.
        """
        connect_s, read_s = self.options.connect_timeout_s, self.options.read_timeout_s
        if request.deadline is not None:
            remaining_s = request.deadline.remaining_s()
            if remaining_s <= 0:
                raise DeadlineExceededError(
                    f"{request.method} {redact_url(request.url)}: no time left to send it"
                )
            connect_s, read_s = min(connect_s, remaining_s), min(read_s, remaining_s)
        session = self._session_for(request.url)
        try:
            raw = session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                timeout=(connect_s, read_s),
                allow_redirects=False,
            )
        except requests.RequestException as error:
            if isinstance(error, ValueError):  # a malformed URL or header: a caller's bug
                raise
            raise _transport_error(error, request) from error
        return Response(
            status=raw.status_code, headers=raw.headers, body=raw.content, request=request
        )

    def close(self) -> None:
        """Close every session and its pooled connections."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def _session_for(self, url: str) -> requests.Session:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            session = self._sessions.get(origin)
            if session is None:
                session = self._new_session(origin)
                self._sessions[origin] = session
            return session

    def _new_session(self, origin: str) -> requests.Session:
        options = self.options
        session = requests.Session()
        session.trust_env = False
        session.verify = options.ca_bundle_path or requests.utils.DEFAULT_CA_BUNDLE_PATH
        if options.use_proxy_env:
            session.proxies.update(requests.utils.get_environ_proxies(origin))
        session.headers["User-Agent"] = options.user_agent
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=1, pool_maxsize=options.pool_maxsize, max_retries=0
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session


def _transport_error(error: requests.RequestException, request: Request) -> TransportError:
    """Say whether the server may have seen the request, as azure-core's split does."""
    where = f"{request.method} {redact_url(request.url)}"
    details = {"method": request.method, "url": redact_url(request.url)}
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in _causes(error)):
        return TlsVerificationError(
            f"{where}: the server's TLS certificate is not trusted; set the CA bundle "
            "option to the CA that issued it (a TLS-intercepting proxy needs its CA there)",
            **details,
        )
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.ProxyError) or (
        isinstance(error, requests.ConnectionError) and _failed_before_sending(error)
    ):
        return RequestNotSentError(f"{where}: could not connect ({_reason(error)})", **details)
    if isinstance(error, requests.ReadTimeout):
        return ResponseLostError(
            f"{where}: no response within the read timeout; the request may have been applied",
            **details,
        )
    return ResponseLostError(
        f"{where}: the connection broke after the request was sent ({_reason(error)}); it "
        "may have been applied",
        **details,
    )


def _failed_before_sending(error: requests.ConnectionError) -> bool:
    if isinstance(error, requests.exceptions.SSLError):  # the handshake failed
        return True
    reason = error.args[0] if error.args else None
    if isinstance(reason, ClosedPoolError):
        return True
    # With retries off, urllib3 wraps only connection failures in MaxRetryError; errors
    # after sending (ProtocolError, reset) come through bare.
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, ConnectTimeoutError)


def _reason(error: BaseException) -> str:
    """Name the root cause without the library's message (which repeats URL and query)."""
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.strerror:
            return f"{type(cause).__name__}: {cause.strerror}"
    return type(error).__name__


def _causes(error: BaseException) -> Iterator[BaseException]:
    """Walk an exception's causes, contexts, ``args`` and urllib3 ``reason`` links."""
    seen: set[int] = set()
    stack: list[object] = [error]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend((item.__cause__, item.__context__, getattr(item, "reason", None)))
        stack.extend(item.args)
