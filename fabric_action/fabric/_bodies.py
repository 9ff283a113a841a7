"""Read response bodies: JSON or nothing, and typed results with the request id kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from fabric_action.errors import UnexpectedResponseError

from ._messages import Response
from ._models import MalformedBodyError

__all__ = ["json_body", "parse_body", "parse_value"]

T = TypeVar("T")


def json_body(response: Response, *, what: str) -> Any:
    """Return the body as JSON; an empty body (Fabric's ``octet-stream``, length 0) is None.

    Raises:
        UnexpectedResponseError: The body is not empty and not JSON.
    """
    if not response.body.strip():
        return None
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError) as exc:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        raise _unexpected(response, f"{what}: the response body is not JSON ({kind})") from exc


def parse_body(response: Response, parse: Callable[[Any], T], *, what: str) -> T:
    """Return ``parse(json_body(response))``, turning a malformed shape into a typed error.

    Raises:
        UnexpectedResponseError: The body is not JSON or lacks what ``parse`` needs.
    """
    return parse_value(response, json_body(response, what=what), parse, what=what)


def parse_value(response: Response, value: Any, parse: Callable[[Any], T], *, what: str) -> T:
    """Return ``parse(value)`` for a value read from ``response`` (status and id kept)."""
    try:
        return parse(value)
    except MalformedBodyError as exc:
        raise _unexpected(response, f"{what}: {exc}") from exc


def _unexpected(response: Response, message: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        message,
        status=response.status,
        error_code=response.error_code,
        request_id=response.request_id or response.headers.get("request-id", ""),
    )
