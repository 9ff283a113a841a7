"""Graph over HTTPS: tokens, application permissions, faults and response headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from graph_support import (
    DEFAULT_SP_ID,
    FABRIC_SCOPE,
    TIMEOUT_S,
    GraphClient,
    graph_error,
    group_id,
    ok,
    set_graph_permissions,
    user_id,
)

from fabric_emulator._directory import DEFAULT_CLIENT_ID
from fabric_emulator.testing import RunningEmulator

CHECK_BODY = {"groupIds": [group_id("Data Engineers")]}
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", f"/users/{user_id('alice')}", None),
    ("GET", "/users", None),
    ("GET", "/groups?$filter=displayName eq 'Data Engineers'", None),
    ("GET", f"/groups/{group_id('Data Engineers')}", None),
    ("GET", f"/groups/{group_id('Data Engineers')}/members", None),
    ("GET", f"/groups/{group_id('Data Engineers')}/transitiveMembers", None),
    ("GET", f"/users/{user_id('alice')}/transitiveMemberOf", None),
    ("POST", f"/users/{user_id('alice')}/checkMemberGroups", CHECK_BODY),
    ("GET", f"/servicePrincipals?$filter=appId eq '{DEFAULT_CLIENT_ID}'", None),
    ("GET", f"/servicePrincipals(appId='{DEFAULT_CLIENT_ID}')", None),
    ("GET", f"/servicePrincipals/{DEFAULT_SP_ID}", None),
    ("GET", f"/directoryObjects/{DEFAULT_SP_ID}", None),
    ("POST", "/directoryObjects/getByIds", {"ids": [user_id("alice")]}),
]


@pytest.fixture
def graph(emulator: RunningEmulator) -> Iterator[GraphClient]:
    """A Graph client for the default app (Directory.Read.All)."""
    client = GraphClient(emulator)
    yield client
    client.close()


@pytest.fixture
def anonymous(emulator: RunningEmulator) -> Iterator[requests.Session]:
    """A session without a token that trusts only the emulator CA."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(emulator.ca_path)
    yield session
    session.close()


def _send(graph: GraphClient, method: str, path: str, body: dict[str, Any] | None) -> Any:
    return graph.post(path, json=body) if method == "POST" else graph.get(path)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_answers_with_directory_read_all(
    graph: GraphClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    ok(_send(graph, method, path, body))


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_is_denied_without_graph_permissions(
    graph: GraphClient,
    emulator: RunningEmulator,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    set_graph_permissions(emulator, [])
    error = graph_error(_send(graph, method, path, body), 403, "Authorization_RequestDenied")
    assert error["message"] == "Insufficient privileges to complete the operation."


def test_each_permission_opens_only_its_routes(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    set_graph_permissions(emulator, ["user.read.all"])
    ok(graph.get("/users/alice@contoso.test"))
    graph_error(graph.get("/groups"), 403, "Authorization_RequestDenied")
    set_graph_permissions(emulator, ["GroupMember.Read.All"])
    ok(graph.get(f"/groups/{group_id('BI Developers')}/transitiveMembers"))
    graph_error(graph.get("/servicePrincipals"), 403, "Authorization_RequestDenied")
    set_graph_permissions(emulator, ["Application.Read.All"])
    ok(graph.get(f"/servicePrincipals(appId='{DEFAULT_CLIENT_ID}')"))
    graph_error(graph.get("/users"), 403, "Authorization_RequestDenied")
    ids_body = {"ids": [DEFAULT_SP_ID], "types": ["servicePrincipal"]}
    ok(graph.post("/directoryObjects/getByIds", json=ids_body))
    graph_error(
        graph.post("/directoryObjects/getByIds", json={"ids": [DEFAULT_SP_ID]}),
        403,
        "Authorization_RequestDenied",
    )


def test_missing_token_is_invalid_authentication_token(
    emulator: RunningEmulator, anonymous: requests.Session
) -> None:
    response = anonymous.get(
        f"{emulator.base_url}/v1.0/users/alice@contoso.test", timeout=TIMEOUT_S
    )
    graph_error(response, 401, "InvalidAuthenticationToken")


def test_garbage_token_is_invalid_authentication_token(
    emulator: RunningEmulator, anonymous: requests.Session
) -> None:
    response = anonymous.get(
        f"{emulator.base_url}/v1.0/groups",
        headers={"Authorization": "Bearer not.a.jwt"},
        timeout=TIMEOUT_S,
    )
    graph_error(response, 401, "InvalidAuthenticationToken")


def test_fabric_audience_token_is_refused(emulator: RunningEmulator) -> None:
    fabric = GraphClient(emulator, scope=FABRIC_SCOPE)
    try:
        graph_error(fabric.get("/users/alice@contoso.test"), 401, "InvalidAuthenticationToken")
    finally:
        fabric.close()


def test_expired_token_is_refused(graph: GraphClient, emulator: RunningEmulator) -> None:
    emulator.advance(2 * 3600)
    graph_error(graph.get("/groups"), 401, "InvalidAuthenticationToken")


def test_injected_throttle_is_graph_too_many_requests(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    emulator.set_faults([{"route": "/v1.0/**", "throttle_rate": 1.0, "retry_after_s": 4}])
    response = graph.get("/groups")
    graph_error(response, 429, "TooManyRequests")
    assert response.headers["Retry-After"] == "4"
    assert response.json()["error"]["message"] == "Too many requests."
    assert response.headers["client-request-id"]
    entry = emulator.requests_log()[-1]
    assert entry["path"] == "/v1.0/groups" and entry["injected"] == ["throttled"]


def test_injected_server_error_keeps_the_graph_shape(
    graph: GraphClient, emulator: RunningEmulator
) -> None:
    emulator.set_faults(
        [{"route": "/v1.0/users/*", "error_rate": 1.0, "error_statuses": [503], "max_hits": 1}]
    )
    graph_error(graph.get("/users/alice@contoso.test"), 503, "serviceNotAvailable")
    ok(graph.get("/users/alice@contoso.test"))


def test_client_request_id_is_echoed(graph: GraphClient) -> None:
    sent = "0f6c3c4e-1111-4b2a-9c54-3e0d7b8f0a01"
    response = graph.get("/users/alice@contoso.test", headers={"client-request-id": sent})
    ok(response)
    assert response.headers["client-request-id"] == sent
    assert response.headers["request-id"] != sent
    missing = graph.get("/users/nobody@contoso.test", headers={"client-request-id": sent})
    error = graph_error(missing, 404, "Request_ResourceNotFound")
    assert missing.headers["client-request-id"] == sent
    assert error["innerError"]["client-request-id"] == sent
    assert error["innerError"]["request-id"] == missing.headers["request-id"]


def test_request_id_matches_when_the_client_sends_none(graph: GraphClient) -> None:
    response = graph.get("/groups")
    ok(response)
    assert response.headers["client-request-id"] == response.headers["request-id"]
    assert response.headers["OData-Version"] == "4.0"
