"""The request and response that travel through the pipeline, free of any HTTP library."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from requests.structures import CaseInsensitiveDict

from fabric_action.reliability import Deadline

__all__ = ["IDEMPOTENT_METHODS", "Request", "Response", "redact_url"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
"""Methods whose repetition is harmless by HTTP's definition (RFC 9110 §9.2.2)."""


@dataclass(frozen=True, kw_only=True)
class Request:
    """One logical HTTP call; policies derive changed copies with :meth:`replace`.

    Attributes:
        method: HTTP method (upper-cased on creation).
        url: Absolute URL.
        headers: Request headers (the auth policy adds ``Authorization`` per attempt).
        body: Raw body, or None.
        idempotent: Whether sending it twice is harmless; None (default) decides by the
            method (GET, HEAD, PUT, DELETE, OPTIONS, TRACE). Set True for a POST that only
            reads, False for anything a repeat could duplicate. A non-idempotent request
            whose response was lost is not resent: the caller reconciles first.
        deadline: When the whole call (retries and waits included) must end; the
            deadline policy sets it when None.
        wait_for_probe: Wait for an open circuit breaker's probe instead of failing, if the
            deadline allows (rollback sets this).
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    idempotent: bool | None = None
    deadline: Deadline | None = None
    wait_for_probe: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())

    @property
    def is_idempotent(self) -> bool:
        """Whether the request may be resent after a lost response."""
        if self.idempotent is None:
            return self.method in IDEMPOTENT_METHODS
        return self.idempotent

    @property
    def authority(self) -> str:
        """``host[:port]`` in lower case: the key of the host's circuit breaker."""
        return urlsplit(self.url).netloc.rpartition("@")[2].lower()

    def replace(self, **changes: Any) -> Request:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return f"<Request {self.method} {redact_url(self.url)}>"


@dataclass(frozen=True, kw_only=True)
class Response:
    """A complete HTTP response (the body is read before the pipeline sees it).

    Attributes:
        status: HTTP status code.
        headers: Headers, looked up case-insensitively.
        body: The raw body.
        request: The request this answers, as sent (its headers may hold the token:
            never log them whole).
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    request: Request | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.headers, CaseInsensitiveDict):
            object.__setattr__(self, "headers", CaseInsensitiveDict(self.headers))

    def header(self, name: str) -> str | None:
        """Return a header's value, or None."""
        return self.headers.get(name)

    @property
    def request_id(self) -> str:
        """Fabric's ``RequestId`` header ("" when absent): keep it in every error."""
        return self.headers.get("RequestId", "")

    @property
    def error_code(self) -> str:
        """Fabric's ``x-ms-public-api-error-code`` header ("" when absent)."""
        return self.headers.get("x-ms-public-api-error-code", "")

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Parse the body as JSON (None for an empty body)."""
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"<Response {self.status}>"


def redact_url(url: str) -> str:
    """Return ``url`` without user info or query string, for errors and logs."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    suffix = "?..." if parts.query else ""
    return f"{parts.scheme}://{host}{parts.path}{suffix}"
