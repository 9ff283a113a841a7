"""Pagination of workspace and role-assignment lists (reference §4)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from _fabric_callers import (
    FabricClient,
    add_role,
    assert_fabric_error,
    create_workspace,
    group_id,
    user_id,
)

from fabric_emulator.testing import RunningEmulator

NAMES = ["ws-1", "ws-2", "ws-3", "ws-4", "ws-5"]


@pytest.fixture
def five_workspaces(fabric: FabricClient, emulator: RunningEmulator) -> list[str]:
    """Five workspaces of the default app, listed two to a page."""
    ids = [str(create_workspace(fabric, name)["id"]) for name in NAMES]
    emulator.emulator.update_config({"page_size": 2})
    return ids


def _page(fabric: FabricClient, url: str, **params: str) -> dict[str, Any]:
    response = fabric.get(url, params=params or None)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_following_continuation_token_visits_every_workspace_once(
    fabric: FabricClient, five_workspaces: list[str]
) -> None:
    pages = [_page(fabric, "/v1/workspaces")]
    while "continuationToken" in pages[-1]:
        pages.append(
            _page(fabric, "/v1/workspaces", continuationToken=pages[-1]["continuationToken"])
        )
    assert [len(page["value"]) for page in pages] == [2, 2, 1]
    assert [w["id"] for page in pages for w in page["value"]] == five_workspaces
    assert "continuationUri" not in pages[-1]
    assert all("continuationUri" in page for page in pages[:-1])


def test_following_continuation_uri_visits_every_workspace_once(
    fabric: FabricClient, emulator: RunningEmulator, five_workspaces: list[str]
) -> None:
    seen: list[str] = []
    url: str | None = "/v1/workspaces"
    pages = 0
    while url:
        page = _page(fabric, url)
        pages += 1
        seen += [w["id"] for w in page["value"]]
        url = page.get("continuationUri")
        if url:
            assert url.startswith(f"{emulator.base_url}/v1/workspaces?")
            query = parse_qs(urlsplit(url).query)
            assert query["continuationToken"] == [page["continuationToken"]]
    assert pages == 3
    assert seen == five_workspaces


def test_continuation_uri_keeps_the_roles_filter(
    fabric: FabricClient, five_workspaces: list[str]
) -> None:
    first = _page(fabric, "/v1/workspaces", roles="Admin")
    assert "roles=Admin" in first["continuationUri"]
    second = _page(fabric, first["continuationUri"])
    assert [w["id"] for w in first["value"] + second["value"]] == five_workspaces[:4]


def test_one_page_by_default_without_continuation_fields(
    fabric: FabricClient, emulator: RunningEmulator, five_workspaces: list[str]
) -> None:
    emulator.emulator.update_config({"page_size": 10_000})
    body = _page(fabric, "/v1/workspaces")
    assert len(body["value"]) == 5
    assert set(body) == {"value"}


@pytest.mark.parametrize(
    "token",
    [
        "not a token",
        base64.b64encode(b"o:-4").decode(),
        base64.b64encode(b"x:2").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
    ],
)
def test_bad_continuation_token_is_rejected(
    fabric: FabricClient, five_workspaces: list[str], token: str
) -> None:
    response = fabric.get("/v1/workspaces", params={"continuationToken": token})
    assert_fabric_error(response, 400, "InvalidContinuationToken")


def test_role_assignments_are_paginated(fabric: FabricClient, emulator: RunningEmulator) -> None:
    workspace_id = create_workspace(fabric, "Crowded")["id"]
    principals = [
        (user_id("alice"), "User"),
        (user_id("bob"), "User"),
        (user_id("carol"), "User"),
        (group_id("Data Engineers"), "Group"),
    ]
    for principal_id, kind in principals:
        assert add_role(fabric, workspace_id, principal_id, kind, "Viewer").status_code == 201
    emulator.emulator.update_config({"page_size": 2})
    path = f"/v1/workspaces/{workspace_id}/roleAssignments"
    pages = [_page(fabric, path)]
    while "continuationToken" in pages[-1]:
        pages.append(_page(fabric, path, continuationToken=pages[-1]["continuationToken"]))
    ids = [a["id"] for page in pages for a in page["value"]]
    assert [len(page["value"]) for page in pages] == [2, 2, 1]
    assert ids[1:] == [principal_id for principal_id, _ in principals]
