"""Workspace folders over HTTPS: create, list, rename, delete, move and their rules."""

from __future__ import annotations

from typing import Any

import pytest
from items_support import assert_error, create_item, create_workspace

MISSING = "7a4a4f39-64a4-4a4b-9f5e-9f0a3c1d2e11"


@pytest.fixture
def workspace_id(fabric: Any) -> str:
    """A fresh workspace where the default app is Admin."""
    return create_workspace(fabric)


def _create(fabric: Any, workspace_id: str, name: str, parent: str | None = None) -> Any:
    body = {"displayName": name}
    if parent:
        body["parentFolderId"] = parent
    return fabric.post(f"/v1/workspaces/{workspace_id}/folders", json=body)


def _folder_id(fabric: Any, workspace_id: str, name: str, parent: str | None = None) -> str:
    response = _create(fabric, workspace_id, name, parent)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _names(fabric: Any, workspace_id: str, **params: str) -> list[str]:
    response = fabric.get(f"/v1/workspaces/{workspace_id}/folders", params=params)
    assert response.status_code == 200, response.text
    return [folder["displayName"] for folder in response.json()["value"]]


def test_create_answers_201_with_location_and_the_folder(fabric: Any, workspace_id: str) -> None:
    response = _create(fabric, workspace_id, "Sales")
    assert response.status_code == 201
    folder = response.json()
    assert folder["displayName"] == "Sales"
    assert folder["workspaceId"] == workspace_id
    assert "parentFolderId" not in folder
    assert response.headers["Location"].endswith(
        f"/v1/workspaces/{workspace_id}/folders/{folder['id']}"
    )
    assert fabric.get(response.headers["Location"]).json() == folder

    child = _create(fabric, workspace_id, "Y2024", folder["id"]).json()
    assert child["parentFolderId"] == folder["id"]


def test_list_honours_recursive_and_root_folder(fabric: Any, workspace_id: str) -> None:
    sales = _folder_id(fabric, workspace_id, "Sales")
    year = _folder_id(fabric, workspace_id, "Y2024", sales)
    _folder_id(fabric, workspace_id, "Q1", year)
    _folder_id(fabric, workspace_id, "Archive")

    assert _names(fabric, workspace_id) == ["Sales", "Y2024", "Q1", "Archive"]
    assert _names(fabric, workspace_id, recursive="True") == ["Sales", "Y2024", "Q1", "Archive"]
    assert _names(fabric, workspace_id, recursive="false") == ["Sales", "Archive"]
    assert _names(fabric, workspace_id, rootFolderId=sales) == ["Y2024", "Q1"]
    assert _names(fabric, workspace_id, rootFolderId=sales, recursive="False") == ["Y2024"]
    listed = fabric.get(f"/v1/workspaces/{workspace_id}/folders", params={"rootFolderId": MISSING})
    assert_error(listed, 404, "FolderNotFound")


def test_names_are_unique_among_siblings_case_insensitively(fabric: Any, workspace_id: str) -> None:
    sales = _folder_id(fabric, workspace_id, "Sales")
    assert_error(_create(fabric, workspace_id, "SALES"), 409, "FolderDisplayNameAlreadyInUse")
    assert _create(fabric, workspace_id, "sales", sales).status_code == 201


@pytest.mark.parametrize(
    "name",
    [
        "a.b",
        "a/b",
        "a\\b",
        "a:b",
        "a*b",
        "a?b",
        'a"b',
        "a<b",
        "a|b",
        "a~b",
        "a#b",
        "a%b",
        "a&b",
        "a{b",
        " padded",
        "padded ",
        "tab\tname",
        "recycled",
        "x" * 256,
    ],
)
def test_invalid_names_are_refused(fabric: Any, workspace_id: str, name: str) -> None:
    assert_error(_create(fabric, workspace_id, name), 400, "InvalidFolderDisplayName")


def test_missing_name_or_parent(fabric: Any, workspace_id: str) -> None:
    missing_name = fabric.post(f"/v1/workspaces/{workspace_id}/folders", json={})
    assert_error(missing_name, 400, "InvalidInput")
    assert_error(_create(fabric, workspace_id, "x", MISSING), 404, "FolderNotFound")
    assert_error(
        fabric.get(f"/v1/workspaces/{workspace_id}/folders/{MISSING}"), 404, "FolderNotFound"
    )


def test_folders_nest_at_most_ten_levels(fabric: Any, workspace_id: str) -> None:
    parent = None
    for level in range(1, 11):
        parent = _folder_id(fabric, workspace_id, f"L{level}", parent)
    assert_error(_create(fabric, workspace_id, "L11", parent), 400, "FolderDepthOutOfRange")


def test_rename(fabric: Any, workspace_id: str) -> None:
    sales = _folder_id(fabric, workspace_id, "Sales")
    _folder_id(fabric, workspace_id, "Finance")
    url = f"/v1/workspaces/{workspace_id}/folders/{sales}"
    renamed = fabric.patch(url, json={"displayName": "Revenue"})
    assert renamed.status_code == 200
    assert renamed.json()["displayName"] == "Revenue"
    assert_error(
        fabric.patch(url, json={"displayName": "finance"}), 409, "FolderDisplayNameAlreadyInUse"
    )
    assert_error(
        fabric.patch(url, json={"displayName": "bad.name"}), 400, "InvalidFolderDisplayName"
    )
    assert fabric.patch(url, json={"displayName": "REVENUE"}).status_code == 200


def test_delete_needs_an_empty_folder(fabric: Any, workspace_id: str) -> None:
    sales = _folder_id(fabric, workspace_id, "Sales")
    child = _folder_id(fabric, workspace_id, "Y2024", sales)
    item = create_item(
        fabric, workspace_id, {"displayName": "nb", "type": "Notebook", "folderId": child}
    )
    folders = f"/v1/workspaces/{workspace_id}/folders"

    assert_error(fabric.delete(f"{folders}/{sales}"), 400, "FolderNotEmpty")
    assert_error(fabric.delete(f"{folders}/{child}"), 400, "FolderNotEmpty")
    fabric.delete(f"/v1/workspaces/{workspace_id}/items/{item['id']}?hardDelete=true")
    deleted = fabric.delete(f"{folders}/{child}")
    assert deleted.status_code == 200
    assert deleted.content == b""
    assert fabric.delete(f"{folders}/{sales}").status_code == 200
    assert_error(fabric.get(f"{folders}/{sales}"), 404, "FolderNotFound")
    assert _names(fabric, workspace_id) == []


def test_move(fabric: Any, workspace_id: str) -> None:
    sales = _folder_id(fabric, workspace_id, "Sales")
    year = _folder_id(fabric, workspace_id, "Y2024", sales)
    archive = _folder_id(fabric, workspace_id, "Archive")
    folders = f"/v1/workspaces/{workspace_id}/folders"

    moved = fabric.post(f"{folders}/{year}/move", json={"targetFolderId": archive})
    assert moved.status_code == 200
    assert moved.json()["parentFolderId"] == archive
    to_root = fabric.post(f"{folders}/{year}/move", json={"targetFolderId": ""})
    assert "parentFolderId" not in to_root.json()

    fabric.post(f"{folders}/{year}/move", json={"targetFolderId": sales})
    loop = fabric.post(f"{folders}/{sales}/move", json={"targetFolderId": year})
    assert_error(loop, 400, "InfiniteFolderHierarchyLoop")
    itself = fabric.post(f"{folders}/{sales}/move", json={"targetFolderId": sales})
    assert_error(itself, 400, "InfiniteFolderHierarchyLoop")
    _folder_id(fabric, workspace_id, "Y2024", archive)
    clash = fabric.post(f"{folders}/{year}/move", json={"targetFolderId": archive})
    assert_error(clash, 409, "FolderDisplayNameAlreadyInUse")


def test_move_keeps_the_depth_limit(fabric: Any, workspace_id: str) -> None:
    deep = None
    for level in range(1, 10):
        deep = _folder_id(fabric, workspace_id, f"L{level}", deep)
    two_levels = _folder_id(fabric, workspace_id, "Top")
    _folder_id(fabric, workspace_id, "Inner", two_levels)
    move = fabric.post(
        f"/v1/workspaces/{workspace_id}/folders/{two_levels}/move", json={"targetFolderId": deep}
    )
    assert_error(move, 400, "FolderDepthOutOfRange")
