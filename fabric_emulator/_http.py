"""Requests, responses and the error bodies of each Microsoft surface."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

JSON_UTF8 = "application/json; charset=utf-8"
JSON_PLAIN = "application/json"
OCTET_STREAM = "application/octet-stream"


class Headers:
    """A case-insensitive, order-keeping header map (one value per name)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in (items or {}).items():
            self[name] = value

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __setitem__(self, name: str, value: str) -> None:
        self._items[name.lower()] = (name, value)

    def __delitem__(self, name: str) -> None:
        del self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return the header's value, or ``default`` when absent."""
        found = self._items.get(name.lower())
        return default if found is None else found[1]

    def items(self) -> list[tuple[str, str]]:
        """Return ``(name, value)`` pairs with their original spelling."""
        return list(self._items.values())

    def to_dict(self) -> dict[str, str]:
        """Return a plain dict with the original spelling of each name."""
        return dict(self._items.values())


@dataclass(kw_only=True)
class Request:
    """One parsed HTTP request as the application sees it."""

    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    host: str = ""
    scheme: str = "http"
    listener: str = "main"

    @property
    def query(self) -> dict[str, list[str]]:
        """Return the query parameters, names as sent."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def query_value(self, name: str) -> str | None:
        """Return the first value of a query parameter, matching its name case-insensitively."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None

    def query_flag(self, name: str) -> bool:
        """Return a boolean query flag; ``True``/``true``/``TRUE`` all count (clients differ)."""
        value = self.query_value(name)
        return value is not None and value.strip().lower() == "true"

    def json(self) -> Any:
        """Decode the body as JSON; raise ``BadRequestBodyError`` when it is not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequestBodyError(f"The request body is not valid JSON: {exc}") from exc

    def form(self) -> dict[str, str]:
        """Decode an ``application/x-www-form-urlencoded`` body (first value of each field)."""
        parsed = parse_qs(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}


class BadRequestBodyError(ValueError):
    """The body could not be decoded."""


@dataclass(kw_only=True)
class Response:
    """One HTTP response; ``drop`` closes the connection instead of answering."""

    status: int
    body: bytes = b""
    headers: Headers = field(default_factory=Headers)
    drop: bool = False

    @classmethod
    def json(
        cls,
        status: int,
        payload: Any,
        *,
        content_type: str = JSON_UTF8,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Build a JSON response (``payload`` may be ``None``, sent as ``null``)."""
        response = cls(status=status, body=json.dumps(payload).encode("utf-8"))
        response.headers["Content-Type"] = content_type
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response

    @classmethod
    def empty(cls, status: int, *, headers: Mapping[str, str] | None = None) -> Response:
        """Build an empty response the way Fabric sends one: octet-stream, length 0."""
        response = cls(status=status)
        response.headers["Content-Type"] = OCTET_STREAM
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response


class FabricError(Exception):
    """A Fabric ErrorResponse to send: ``errorCode``, message, optional related resource."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        related_resource: Mapping[str, str] | None = None,
        more_details: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        is_retriable: bool | None = None,
    ) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.related_resource = dict(related_resource) if related_resource else None
        self.more_details = more_details
        self.headers = dict(headers or {})
        self.is_retriable = is_retriable

    def body(self, request_id: str) -> dict[str, Any]:
        """Return the ErrorResponse body (reference §2.1)."""
        payload: dict[str, Any] = {
            "requestId": request_id,
            "errorCode": self.error_code,
            "message": self.message,
        }
        if self.related_resource:
            payload["relatedResource"] = self.related_resource
        if self.more_details:
            payload["moreDetails"] = self.more_details
        if self.is_retriable is not None:
            payload["isRetriable"] = self.is_retriable
        return payload

    def to_response(self, request_id: str) -> Response:
        """Render as an HTTP response with ``x-ms-public-api-error-code``."""
        response = Response.json(self.status, self.body(request_id), headers=self.headers)
        response.headers["x-ms-public-api-error-code"] = self.error_code
        return response


class EntraError(Exception):
    """An OAuth2 error body as Entra ID sends it (``error``, ``error_description``...)."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(f"{error}: AADSTS{aadsts}: {description}")
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.description = description

    def to_response(self, *, timestamp: str, request_id: str) -> Response:
        """Render like the Entra token endpoint."""
        return Response.json(
            self.status,
            {
                "error": self.error,
                "error_description": f"AADSTS{self.aadsts}: {self.description} "
                f"Trace ID: {request_id} Correlation ID: {uuid.uuid4()} Timestamp: {timestamp}",
                "error_codes": [self.aadsts],
                "timestamp": timestamp,
                "trace_id": request_id,
                "correlation_id": str(uuid.uuid4()),
                "error_uri": "https://login.microsoftonline.com/error?code=" + str(self.aadsts),
            },
        )


class GraphError(Exception):
    """A Microsoft Graph error body (``{"error": {"code", "message", "innerError"}}``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def to_response(self, *, timestamp: str, request_id: str) -> Response:
        """Render like Graph."""
        response = Response.json(
            self.status,
            {
                "error": {
                    "code": self.code,
                    "message": self.message,
                    "innerError": {
                        "date": timestamp,
                        "request-id": request_id,
                        "client-request-id": request_id,
                    },
                }
            },
        )
        response.headers["request-id"] = request_id
        response.headers["client-request-id"] = request_id
        return response
