"""The public surface of fabric_action.fabric and its message types."""

from __future__ import annotations

import pytest

import fabric_action.fabric
from fabric_action.fabric import MockTransport, Request, Response, redact_url


def test_fabric_package_exports_exactly_this_list() -> None:
    assert fabric_action.fabric.__all__ == [
        "IDEMPOTENT_METHODS",
        "TRANSIENT_STATUSES",
        "BearerTokenPolicy",
        "CircuitBreakerPolicy",
        "DeadlinePolicy",
        "HostAllowList",
        "MockTransport",
        "Pipeline",
        "PipelineOptions",
        "Policy",
        "RateLimitPolicy",
        "Request",
        "RequestsTransport",
        "Response",
        "RetryPolicy",
        "Send",
        "TokenProvider",
        "Transport",
        "TransportOptions",
        "breaker_outcome",
        "build_pipeline",
        "redact_url",
        # the client (issue 3), appended after the pipeline's names
        "Capacity",
        "ClientOptions",
        "CloudEndpoints",
        "Connection",
        "ConnectionBinding",
        "ConnectionDetails",
        "ConnectionOperations",
        "ConnectivityType",
        "Definition",
        "DefinitionPart",
        "DirectoryObject",
        "EnvironmentPublishState",
        "ErrorDetail",
        "ErrorResponse",
        "FabricClient",
        "Folder",
        "GraphClient",
        "Item",
        "ItemConnection",
        "Lro",
        "LroOptions",
        "LroPoller",
        "LroStatus",
        "OnStarted",
        "OperationTracker",
        "PollResult",
        "Principal",
        "PrincipalLike",
        "PrincipalQuery",
        "PrincipalType",
        "Reconciled",
        "ResolvedPrincipal",
        "RoleAssignment",
        "VariableLibraryState",
        "Workspace",
        "WorkspaceRole",
        "create_reconciled",
        "iter_fabric_values",
        "iter_graph_values",
        "parse_timestamp",
        "scoped_bearer_policy",
        "service_error",
    ]
    for name in fabric_action.fabric.__all__:
        value = getattr(fabric_action.fabric, name)
        module = getattr(value, "__module__", "fabric_action.fabric._")
        if module != "collections.abc":  # Send is an alias of Callable
            assert module.startswith("fabric_action.fabric._"), name


@pytest.mark.parametrize(
    ("method", "idempotent"),
    [
        ("GET", True),
        ("put", True),
        ("DELETE", True),
        ("HEAD", True),
        ("POST", False),
        ("PATCH", False),
    ],
)
def test_idempotency_follows_the_method_unless_stated(method: str, idempotent: bool) -> None:
    assert Request(method=method, url="https://x/").is_idempotent is idempotent
    assert Request(method=method, url="https://x/", idempotent=True).is_idempotent
    assert not Request(method=method, url="https://x/", idempotent=False).is_idempotent


def test_request_authority_and_repr_hide_credentials() -> None:
    request = Request(method="GET", url="https://user:secret@API.Fabric.test:8443/v1/x?token=abc")
    assert request.authority == "api.fabric.test:8443"
    assert "secret" not in repr(request)
    assert "abc" not in repr(request)
    assert redact_url(request.url) == "https://API.Fabric.test:8443/v1/x?..."
    assert redact_url("https://h/p") == "https://h/p"


def test_response_headers_are_case_insensitive_and_helpers_read_fabric_headers() -> None:
    response = Response(
        status=429,
        headers={"requestid": "r-1", "X-MS-Public-API-Error-Code": "RequestBlocked"},
        body=b'{"errorCode": "RequestBlocked"}',
    )
    assert response.request_id == "r-1"
    assert response.error_code == "RequestBlocked"
    assert response.header("REQUESTID") == "r-1"
    assert response.header("missing") is None
    assert response.json() == {"errorCode": "RequestBlocked"}
    assert response.text.startswith("{")
    assert Response(status=204).json() is None
    assert Response(status=200).request_id == ""
    assert repr(response) == "<Response 429>"


def test_mock_transport_records_requests_and_links_responses() -> None:
    transport = MockTransport(lambda request: Response(status=200, body=request.url.encode()))
    request = Request(method="GET", url="https://x/1")
    response = transport.send(request)
    assert response.request is request
    assert response.body == b"https://x/1"
    assert transport.requests == [request]
    linked = Response(status=204, request=request)
    assert MockTransport(lambda _: linked).send(Request(method="GET", url="https://x/2")) is linked
    transport.close()
