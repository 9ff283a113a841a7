"""Turn an error response into the typed tree: by ``errorCode`` first, then by status.

Fabric answers errors with an ``ErrorResponse`` body (``errorCode``, ``message``,
``requestId``, ``moreDetails``, ``relatedResource``) and repeats the code in the
``x-ms-public-api-error-code`` header; Microsoft Graph nests ``code`` and ``message``
under ``error`` with the request id in ``innerError``. Both are read here, and a body
that is not JSON at all (an empty ``octet-stream``, a proxy's HTML page) still gives a
typed error with the status, the header's code and the request id.

The code decides before the status does, because Fabric reports the same condition with
different statuses (``ItemDisplayNameAlreadyInUse`` is 400 in production and 409 in other
fakes; ``WorkspaceNameAlreadyExists`` is 409 or 400), and a status alone says too little
(a 400 may be a name conflict or a malformed body). The human ``message`` is kept in the
exception text and never branched on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fabric_action.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    ThrottledError,
)

from ._messages import Response

__all__ = [
    "CONFLICT_CODES",
    "NAME_TAKEN_CODES",
    "NOT_FOUND_CODES",
    "PERMISSION_CODES",
    "THROTTLE_CODES",
    "ErrorDetail",
    "ErrorResponse",
    "service_error",
]


def _folded(*codes: str) -> frozenset[str]:
    return frozenset(code.casefold() for code in codes)


NAME_TAKEN_CODES = _folded(
    "ItemDisplayNameAlreadyInUse",
    "WorkspaceNameAlreadyExists",
    "FolderDisplayNameAlreadyInUse",
    "PrincipalAlreadyHasWorkspaceRolePermissions",
)
"""Codes meaning "what you are creating already exists" (case-folded). After a create
whose earlier attempt lost its response, they mean the earlier attempt was applied."""

CONFLICT_CODES = NAME_TAKEN_CODES | _folded(
    "Conflict",
    "EntityConflict",
    "DuplicateGatewayName",
    "ItemDisplayNameNotAvailableYet",
    "WorkspaceIdentityAlreadyExists",
    "WorkspaceAlreadyConnectedToGit",
    "DuplicateDisplayNameAndType",
)
"""Codes mapped to :class:`ConflictError` whatever the status (case-folded)."""

NOT_FOUND_CODES = _folded(
    "NotFound",
    "EntityNotFound",
    "WorkspaceNotFound",
    "ItemNotFound",
    "FolderNotFound",
    "CapacityNotFound",
    "OperationNotFound",
    "PrincipalNotFound",
    "DomainNotFound",
    "ConnectionNotFound",
    "EnvironmentLibrariesNotFound",
    "ScheduleNotFound",
    "EndpointNotFound",
    "Request_ResourceNotFound",
)
"""Codes mapped to :class:`NotFoundError` whatever the status (``PrincipalNotFound`` is
a 400 in Fabric; it still means the principal does not exist)."""

PERMISSION_CODES = _folded(
    "Unauthorized",
    "InvalidToken",
    "TokenIsMissing",
    "TokenExpired",
    "Forbidden",
    "InsufficientPrivileges",
    "InsufficientScopes",
    "InsufficientWorkspaceRole",
    "InsufficientPermissionsOverCapacity",
    "InsufficientPermissionsToDomain",
    "PrincipalNotWorkspaceAdmin",
    "MissingMinimalPermissions",
    "UserNotLicensed",
    "TenantSwitchDisabled",
    "TenantNotAllowed",
    "Authorization_RequestDenied",
    "InvalidAuthenticationToken",
)
"""Codes mapped to :class:`PermissionDeniedError` whatever the status."""

THROTTLE_CODES = _folded("RequestBlocked", "TooManyRequests")
"""Codes mapped to :class:`ThrottledError` whatever the status."""

_BY_CODE: tuple[tuple[frozenset[str], type[ServiceError]], ...] = (
    (CONFLICT_CODES, ConflictError),
    (NOT_FOUND_CODES, NotFoundError),
    (PERMISSION_CODES, PermissionDeniedError),
    (THROTTLE_CODES, ThrottledError),
)
_BY_STATUS: Mapping[int, type[ServiceError]] = {
    401: PermissionDeniedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: ThrottledError,
}
_REQUEST_ID_HEADERS = ("RequestId", "request-id", "x-ms-request-id")


@dataclass(frozen=True, kw_only=True)
class ErrorDetail:
    """One entry of ``moreDetails``.

    Attributes:
        error_code: Its ``errorCode``.
        message: Its ``message``.
        resource_id: ``relatedResource.resourceId`` ("" if none).
        resource_type: ``relatedResource.resourceType`` ("" if none).
    """

    error_code: str
    message: str = ""
    resource_id: str = ""
    resource_type: str = ""

    def __str__(self) -> str:
        where = f" ({self.resource_type} {self.resource_id})" if self.resource_id else ""
        return f"{self.error_code}{where}"


@dataclass(frozen=True, kw_only=True)
class ErrorResponse:
    """What an error response says, read tolerantly from Fabric's or Graph's shape.

    Attributes:
        status: HTTP status.
        error_code: ``errorCode`` (Fabric), ``error.code`` (Graph), or the
            ``x-ms-public-api-error-code`` header; "" when none of them is there.
        message: The service's message ("" if none); for people, never for branching.
        request_id: The body's ``requestId`` (or Graph's ``innerError.request-id``), else
            the ``RequestId`` / ``request-id`` header; "" if neither.
        more_details: ``moreDetails``, in order.
        related_resource: ``relatedResource`` as ``(resourceType, resourceId)``, if any.
        content_type: The response's ``Content-Type``.
        is_json: Whether the body parsed as a JSON object.
    """

    status: int
    error_code: str = ""
    message: str = ""
    request_id: str = ""
    more_details: tuple[ErrorDetail, ...] = ()
    related_resource: tuple[str, str] | None = None
    content_type: str = ""
    is_json: bool = False

    @classmethod
    def from_response(cls, response: Response) -> ErrorResponse:
        """Read ``response`` (any body: JSON, empty, octet-stream, HTML)."""
        return cls.from_body(response.status, _json_object(response.body), response.headers)

    @classmethod
    def from_body(
        cls, status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str]
    ) -> ErrorResponse:
        """Read an already decoded body (None: not a JSON object) with its headers.

        Also reads the ``error`` object of a failed operation's state, given as
        ``{"error": {...}}``.
        """
        header_id = next((headers[name] for name in _REQUEST_ID_HEADERS if name in headers), "")
        header_code = headers.get("x-ms-public-api-error-code", "")
        content_type = headers.get("Content-Type", "")
        if body is None:
            return cls(
                status=status,
                error_code=header_code,
                request_id=header_id,
                content_type=content_type,
            )
        fields = body
        nested = body.get("error")
        if isinstance(nested, Mapping) and "errorCode" not in body:
            fields = nested  # Graph's shape, or an operation state's ``error``
        code = _text(fields.get("errorCode")) or _text(fields.get("code"))
        if not code and isinstance(nested, str):
            code = nested  # an OAuth2 body: {"error": "invalid_client", ...}
        inner = fields.get("innerError") or fields.get("innererror")
        inner_id = _text(inner.get("request-id")) if isinstance(inner, Mapping) else ""
        return cls(
            status=status,
            error_code=code or header_code,
            message=_text(fields.get("message")) or _text(body.get("error_description")),
            request_id=_text(fields.get("requestId")) or inner_id or header_id,
            more_details=_details(fields.get("moreDetails")),
            related_resource=_related(fields.get("relatedResource")),
            content_type=content_type,
            is_json=True,
        )

    def describe(self) -> str:
        """Return the message with the details that help a person act on it."""
        if self.is_json:
            text = self.message or "the service gave no message"
        else:
            kind = self.content_type.split(";")[0].strip() or "no content type"
            text = f"the response body is not JSON ({kind})"
        if self.related_resource is not None:
            text += f" [{self.related_resource[0]} {self.related_resource[1]}]"
        if self.more_details:
            text += "; details: " + ", ".join(str(detail) for detail in self.more_details)
        return text


def service_error(
    response: Response, *, what: str, retry_after_s: float | None = None
) -> ServiceError:
    """Return the typed error for an error ``response``; the caller raises it.

    Args:
        response: The error response (status >= 400).
        what: What was being done, for the message (``create item 'x' in workspace y``).
        retry_after_s: The server's Retry-After, when the caller read one.
    """
    parsed = ErrorResponse.from_response(response)
    return error_for(parsed, what=what, retry_after_s=retry_after_s)


def error_for(
    parsed: ErrorResponse, *, what: str, retry_after_s: float | None = None
) -> ServiceError:
    """Return the typed error for an already parsed :class:`ErrorResponse`."""
    error_type = _error_type(parsed.error_code, parsed.status)
    return error_type(
        f"{what}: {parsed.describe()}",
        status=parsed.status,
        error_code=parsed.error_code,
        request_id=parsed.request_id,
        retry_after_s=retry_after_s,
    )


def _error_type(error_code: str, status: int) -> type[ServiceError]:
    folded = error_code.casefold()
    for codes, error_type in _BY_CODE:
        if folded in codes:
            return error_type
    return _BY_STATUS.get(status, ServiceError)


def _json_object(body: bytes) -> dict[str, Any] | None:
    if not body.strip():
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _related(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, Mapping):
        return None
    resource_id = _text(value.get("resourceId"))
    return (_text(value.get("resourceType")), resource_id) if resource_id else None


def _details(value: Any) -> tuple[ErrorDetail, ...]:
    if not isinstance(value, list):
        return ()
    details = []
    for entry in value:
        if not isinstance(entry, Mapping):
            continue
        related = _related(entry.get("relatedResource"))
        details.append(
            ErrorDetail(
                error_code=_text(entry.get("errorCode")) or _text(entry.get("code")),
                message=_text(entry.get("message")),
                resource_type=related[0] if related else "",
                resource_id=related[1] if related else "",
            )
        )
    return tuple(details)
