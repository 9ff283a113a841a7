"""Error responses → the typed tree: errorCode first, then status; requestId always kept."""

from __future__ import annotations

import json

import pytest
from fabric_fakes import fabric_error, make_client, respond, script

from fabric_action.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    ThrottledError,
    UnexpectedResponseError,
)
from fabric_action.fabric import ErrorDetail, ErrorResponse, Response, service_error

TABLE = [
    # (status, errorCode, expected type) — the code decides whatever the status says
    (400, "ItemDisplayNameAlreadyInUse", ConflictError),
    (409, "ItemDisplayNameAlreadyInUse", ConflictError),
    (409, "WorkspaceNameAlreadyExists", ConflictError),
    (400, "WorkspaceNameAlreadyExists", ConflictError),
    (409, "FolderDisplayNameAlreadyInUse", ConflictError),
    (409, "PrincipalAlreadyHasWorkspaceRolePermissions", ConflictError),
    (400, "ItemDisplayNameNotAvailableYet", ConflictError),
    (409, "EntityConflict", ConflictError),
    (404, "WorkspaceNotFound", NotFoundError),
    (404, "ItemNotFound", NotFoundError),
    (404, "EntityNotFound", NotFoundError),
    (400, "PrincipalNotFound", NotFoundError),
    (404, "Request_ResourceNotFound", NotFoundError),
    (401, "TokenExpired", PermissionDeniedError),
    (401, "InvalidToken", PermissionDeniedError),
    (403, "InsufficientWorkspaceRole", PermissionDeniedError),
    (403, "InsufficientPermissionsOverCapacity", PermissionDeniedError),
    (403, "Authorization_RequestDenied", PermissionDeniedError),
    (429, "RequestBlocked", ThrottledError),
    (429, "TooManyRequests", ThrottledError),
    (400, "itemdisplaynamealreadyinuse", ConflictError),  # codes compare without case
    (404, "EntityConflict", ConflictError),  # status and code disagree: the code wins
    (409, "RequestBlocked", ThrottledError),
    # no known code: the status decides
    (403, "FeatureNotAvailable", PermissionDeniedError),
    (401, "", PermissionDeniedError),
    (404, "SomethingNew", NotFoundError),
    (409, "", ConflictError),
    (429, "", ThrottledError),
    (400, "InvalidInput", ServiceError),
    (400, "FolderNotEmpty", ServiceError),
    (500, "InternalServerError", ServiceError),
    (503, "", ServiceError),
]


@pytest.mark.parametrize(("status", "code", "expected"), TABLE)
def test_status_and_error_code_map_to_one_type(
    status: int, code: str, expected: type[ServiceError]
) -> None:
    response = (
        fabric_error(status, code, request_id=f"rid-{status}")
        if code
        else respond(status, {"message": "no code"}, request_id=f"rid-{status}")
    )
    error = service_error(response, what="do a thing")
    assert type(error) is expected
    assert (error.status, error.error_code, error.request_id) == (status, code, f"rid-{status}")
    assert str(error).startswith("do a thing: ")
    assert f"HTTP {status}" in str(error) and f"requestId rid-{status}" in str(error)


def test_the_message_never_decides_the_type() -> None:
    said_not_found = respond(
        400, {"errorCode": "InvalidInput", "message": "The item was not found"}
    )
    said_conflict = respond(404, {"errorCode": "ItemNotFound", "message": "already in use"})
    assert type(service_error(said_not_found, what="x")) is ServiceError
    assert type(service_error(said_conflict, what="x")) is NotFoundError


def test_request_id_comes_from_the_body_then_the_headers() -> None:
    body_and_header = Response(
        status=404,
        headers={"RequestId": "from-header"},
        body=json.dumps({"errorCode": "ItemNotFound", "requestId": "from-body"}).encode(),
    )
    assert service_error(body_and_header, what="x").request_id == "from-body"
    header_only = Response(
        status=404, headers={"RequestId": "from-header"}, body=b'{"errorCode": "ItemNotFound"}'
    )
    assert service_error(header_only, what="x").request_id == "from-header"
    graph_header = Response(status=500, headers={"request-id": "graph-header"}, body=b"")
    assert service_error(graph_header, what="x").request_id == "graph-header"
    nothing = Response(status=500)
    assert service_error(nothing, what="x").request_id == ""


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b""),
        ("text/html; charset=utf-8", b"<html><body>502 Bad Gateway</body></html>"),
        ("application/json", b"{not json"),
        ("application/json", b'["a", "list"]'),
        ("application/json", b"\xff\xfe"),
        ("", b"   "),
    ],
)
def test_bodies_that_are_not_json_objects_still_give_typed_errors(
    content_type: str, body: bytes
) -> None:
    headers = {"RequestId": "rid-raw", "x-ms-public-api-error-code": "ItemNotFound"}
    if content_type:
        headers["Content-Type"] = content_type
    error = service_error(Response(status=404, headers=headers, body=body), what="get item")
    assert type(error) is NotFoundError
    assert (error.error_code, error.request_id) == ("ItemNotFound", "rid-raw")
    assert "not JSON" in str(error)
    bare = service_error(
        Response(status=502, headers={"RequestId": "r"}, body=b"<html/>"), what="x"
    )
    assert (type(bare), bare.error_code) == (ServiceError, "")
    assert "no content type" in str(bare)


def test_graph_and_oauth_shapes_are_read() -> None:
    graph = Response(
        status=403,
        headers={"request-id": "hdr"},
        body=json.dumps(
            {
                "error": {
                    "code": "Authorization_RequestDenied",
                    "message": "Insufficient privileges to complete the operation.",
                    "innerError": {"request-id": "inner", "date": "2026-01-01T00:00:00"},
                }
            }
        ).encode(),
    )
    parsed = ErrorResponse.from_response(graph)
    assert (parsed.error_code, parsed.request_id) == ("Authorization_RequestDenied", "inner")
    assert parsed.message.startswith("Insufficient privileges")
    oauth = Response(
        status=400,
        body=b'{"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"}',
    )
    parsed = ErrorResponse.from_response(oauth)
    assert (parsed.error_code, parsed.message) == ("invalid_client", "AADSTS7000215: bad secret")


def test_more_details_and_related_resource_are_kept_in_the_message() -> None:
    response = fabric_error(
        400,
        "PrincipalNotFound",
        relatedResource={"resourceId": "ws-1", "resourceType": "Workspace"},
        moreDetails=[
            {
                "errorCode": "NotFound",
                "message": "no such principal",
                "relatedResource": {"resourceId": "p-9", "resourceType": "Principal"},
            },
            {"errorCode": "Second"},
            "not an object",
        ],
    )
    parsed = ErrorResponse.from_response(response)
    assert parsed.related_resource == ("Workspace", "ws-1")
    assert parsed.more_details == (
        ErrorDetail(
            error_code="NotFound",
            message="no such principal",
            resource_id="p-9",
            resource_type="Principal",
        ),
        ErrorDetail(error_code="Second"),
    )
    text = str(service_error(response, what="add role"))
    assert "[Workspace ws-1]" in text and "details: NotFound (Principal p-9), Second" in text
    no_message = ErrorResponse.from_response(respond(400, {"errorCode": "X", "moreDetails": 3}))
    assert no_message.describe() == "the service gave no message"
    related_without_id = respond(400, {"errorCode": "X", "relatedResource": {"resourceType": "W"}})
    assert ErrorResponse.from_response(related_without_id).related_resource is None


def test_the_client_raises_typed_errors_with_retry_after() -> None:
    throttled = fabric_error(429, "RequestBlocked", request_id="rid-429")
    throttled = Response(
        status=429, headers={**throttled.headers, "Retry-After": "7"}, body=throttled.body
    )
    client, _, _ = make_client(script([fabric_error(404, "WorkspaceNotFound"), throttled]))
    with pytest.raises(NotFoundError) as missing:
        client.workspaces.get("ws-1")
    assert "get workspace ws-1" in str(missing.value)
    error = service_error(throttled, what="x", retry_after_s=7.0)
    assert type(error) is ThrottledError and error.retry_after_s == 7.0


def test_a_success_whose_body_is_unreadable_is_an_unexpected_response() -> None:
    client, _, _ = make_client(
        script(
            [
                respond(200, {"displayName": "no id"}, request_id="rid-a"),
                Response(status=200, headers={"RequestId": "rid-b"}, body=b"<html/>"),
            ]
        )
    )
    with pytest.raises(UnexpectedResponseError) as no_id:
        client.workspaces.get("ws")
    assert (no_id.value.status, no_id.value.request_id) == (200, "rid-a")
    assert "'id' is missing" in str(no_id.value)
    with pytest.raises(UnexpectedResponseError, match="not JSON"):
        client.items.get("ws", "item")
