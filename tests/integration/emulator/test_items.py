"""Items over HTTPS: create (201 and 202), get, list, update, delete and name rules."""

from __future__ import annotations

from typing import Any

import pytest
from items_support import (
    assert_error,
    create_item,
    create_workspace,
    grant,
    lro_result,
    part,
    platform,
    session_for,
    set_config,
)

from fabric_emulator._fabric_store import FabricStore
from fabric_emulator.testing import RunningEmulator

CAROL = "0c0c0c0c-0000-4000-8000-00000000ca01"


@pytest.fixture
def workspace_id(fabric: Any) -> str:
    """A fresh workspace where the default app is Admin."""
    return create_workspace(fabric)


def _items(fabric: Any, workspace_id: str, **params: str) -> list[dict[str, Any]]:
    response = fabric.get(f"/v1/workspaces/{workspace_id}/items", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def test_shell_create_answers_201_with_the_item(fabric: Any, workspace_id: str) -> None:
    body = {"displayName": "lh_sales", "type": "Lakehouse", "description": "", "folderId": ""}
    response = fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body)

    assert response.status_code == 201
    item = response.json()
    assert item["type"] == "Lakehouse"
    assert item["displayName"] == "lh_sales"
    assert item["description"] == ""
    assert item["workspaceId"] == workspace_id
    assert "folderId" not in item
    got = fabric.get(f"/v1/workspaces/{workspace_id}/items/{item['id']}")
    assert got.status_code == 200
    assert got.json() == item


def test_create_with_definition_answers_202_and_the_item_exists_at_once(
    fabric: Any, workspace_id: str
) -> None:
    body = {
        "displayName": "nb_ingest",
        "type": "Notebook",
        "definition": {"parts": [part("notebook-content.py", "print(1)\n")]},
    }
    response = fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body)

    assert response.status_code == 202
    assert response.headers["x-ms-operation-id"] in response.headers["Location"]
    assert int(response.headers["Retry-After"]) >= 1
    assert response.content == b""
    assert [i["displayName"] for i in _items(fabric, workspace_id)] == ["nb_ingest"]
    created = lro_result(fabric, response)
    assert created["displayName"] == "nb_ingest"
    assert created["type"] == "Notebook"


def test_instant_mode_creates_with_definition_inline(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, item_create_lro=False)
    body = {
        "displayName": "nb",
        "type": "Notebook",
        "definition": {"parts": [part("notebook-content.py", "x")]},
    }
    response = fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body)
    assert response.status_code == 201
    assert response.json()["displayName"] == "nb"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"type": "Notebook"}, 400, "InvalidInput"),
        ({"displayName": "   ", "type": "Notebook"}, 400, "InvalidInput"),
        ({"displayName": "x"}, 400, "InvalidInput"),
        ({"displayName": "x", "type": "Not a type"}, 400, "InvalidItemType"),
        ({"displayName": "x", "type": "Notebook", "description": "d" * 257}, 400, "InvalidInput"),
        (
            {"displayName": "x", "type": "Lakehouse", "folderId": "not-a-uuid"},
            400,
            "InvalidInput",
        ),
        (
            {
                "displayName": "x",
                "type": "Lakehouse",
                "folderId": "7a4a4f39-64a4-4a4b-9f5e-9f0a3c1d2e11",
            },
            404,
            "FolderNotFound",
        ),
        (
            {
                "displayName": "x",
                "type": "Lakehouse",
                "creationPayload": {"enableSchemas": True},
                "definition": {"parts": []},
            },
            400,
            "RequestWithDefinitionAndCreationPayloadNotSupported",
        ),
        (
            {
                "displayName": "x",
                "type": "Notebook",
                "definition": {
                    "parts": [{"path": "a.py", "payload": "%%%", "payloadType": "InlineBase64"}]
                },
            },
            400,
            "CorruptedPayload",
        ),
        (
            {
                "displayName": "x",
                "type": "Notebook",
                "definition": {"parts": [{"payload": "eA==", "payloadType": "InlineBase64"}]},
            },
            400,
            "CorruptedPayload",
        ),
        (
            {"displayName": "x", "type": "Notebook", "definition": {"parts": "nope"}},
            400,
            "CorruptedPayload",
        ),
        (
            {
                "displayName": "x",
                "type": "Notebook",
                "definition": {"parts": [platform("DataPipeline", "x")]},
            },
            400,
            "InvalidPlatformFile",
        ),
    ],
)
def test_create_rejects_bad_bodies(
    fabric: Any, workspace_id: str, body: dict[str, Any], status: int, code: str
) -> None:
    response = fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body)
    assert_error(response, status, code)
    assert _items(fabric, workspace_id) == []


def test_types_pass_through_and_known_types_get_their_spelling(
    fabric: Any, workspace_id: str
) -> None:
    future = create_item(fabric, workspace_id, {"displayName": "f", "type": "QuantumLedger"})
    known = create_item(fabric, workspace_id, {"displayName": "n", "type": "notebook"})
    assert future["type"] == "QuantumLedger"
    assert known["type"] == "Notebook"


def test_platform_part_names_the_item_and_is_not_stored(fabric: Any, workspace_id: str) -> None:
    body = {
        "displayName": "ignored",
        "type": "Notebook",
        "definition": {
            "parts": [part("notebook-content.py", "x"), platform("Notebook", "From Platform", "d")]
        },
    }
    item = create_item(fabric, workspace_id, body)
    assert item["displayName"] == "From Platform"
    assert item["description"] == "d"


def test_empty_folder_id_means_the_workspace_root(fabric: Any, workspace_id: str) -> None:
    folder = fabric.post(f"/v1/workspaces/{workspace_id}/folders", json={"displayName": "Bronze"})
    folder_id = folder.json()["id"]
    in_root = create_item(
        fabric, workspace_id, {"displayName": "a", "type": "Lakehouse", "folderId": ""}
    )
    in_folder = create_item(
        fabric, workspace_id, {"displayName": "b", "type": "Lakehouse", "folderId": folder_id}
    )
    assert "folderId" not in in_root
    assert in_folder["folderId"] == folder_id


def test_names_are_unique_per_type_case_insensitively(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    create_item(fabric, workspace_id, {"displayName": "Sales", "type": "Lakehouse"})
    clash = fabric.post(
        f"/v1/workspaces/{workspace_id}/items", json={"displayName": "SALES", "type": "Lakehouse"}
    )
    assert_error(clash, 400, "ItemDisplayNameAlreadyInUse")
    other_type = create_item(fabric, workspace_id, {"displayName": "Sales", "type": "Warehouse"})
    assert other_type["type"] == "Warehouse"

    set_config(emulator, item_name_conflict_status=409)
    clash = fabric.post(
        f"/v1/workspaces/{workspace_id}/items", json={"displayName": "sales", "type": "Lakehouse"}
    )
    assert_error(clash, 409, "ItemDisplayNameAlreadyInUse")


def test_soft_delete_reserves_the_name_until_the_clock_passes(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    item = create_item(fabric, workspace_id, {"displayName": "nb", "type": "Notebook"})
    deleted = fabric.delete(f"/v1/workspaces/{workspace_id}/items/{item['id']}", json="{}")
    assert deleted.status_code == 200
    assert deleted.content == b""
    assert deleted.headers["Content-Type"] == "application/octet-stream"
    assert_error(
        fabric.get(f"/v1/workspaces/{workspace_id}/items/{item['id']}"), 404, "ItemNotFound"
    )

    body = {"displayName": "NB", "type": "Notebook"}
    again = fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body)
    assert_error(again, 400, "ItemDisplayNameNotAvailableYet")

    emulator.advance(emulator.emulator.config.name_reservation_s - 1)
    assert_error(
        fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body),
        400,
        "ItemDisplayNameNotAvailableYet",
    )
    emulator.advance(1)
    assert fabric.post(f"/v1/workspaces/{workspace_id}/items", json=body).status_code == 201


def test_hard_delete_frees_the_name_at_once(fabric: Any, workspace_id: str) -> None:
    item = create_item(fabric, workspace_id, {"displayName": "nb", "type": "Notebook"})
    url = f"/v1/workspaces/{workspace_id}/items/{item['id']}"
    assert fabric.delete(url, params={"hardDelete": "True"}).status_code == 200
    again = fabric.post(
        f"/v1/workspaces/{workspace_id}/items", json={"displayName": "nb", "type": "Notebook"}
    )
    assert again.status_code == 201


def test_roles_decide_who_reads_writes_and_hard_deletes(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    item = create_item(fabric, workspace_id, {"displayName": "nb", "type": "Notebook"})
    carol = session_for(emulator, CAROL)
    base = f"{emulator.base_url}/v1/workspaces/{workspace_id}/items"

    assert_error(carol.get(base), 404, "WorkspaceNotFound")
    grant(emulator, workspace_id, CAROL, "Viewer")
    assert carol.get(base).status_code == 200
    assert carol.get(f"{base}/{item['id']}").status_code == 200
    assert_error(
        carol.post(base, json={"displayName": "x", "type": "Notebook"}),
        403,
        "InsufficientWorkspaceRole",
    )
    grant(emulator, workspace_id, CAROL, "Contributor")
    assert_error(
        carol.delete(f"{base}/{item['id']}?hardDelete=true"), 403, "InsufficientWorkspaceRole"
    )
    assert carol.delete(f"{base}/{item['id']}").status_code == 200
    carol.close()


def test_patch_updates_name_and_description_only(fabric: Any, workspace_id: str) -> None:
    item = create_item(fabric, workspace_id, {"displayName": "old", "type": "Lakehouse"})
    create_item(fabric, workspace_id, {"displayName": "taken", "type": "Lakehouse"})
    url = f"/v1/workspaces/{workspace_id}/items/{item['id']}"

    patched = fabric.patch(url, json={"displayName": "new", "description": "Sales data"})
    assert patched.status_code == 200
    assert patched.json()["displayName"] == "new"
    assert patched.json()["description"] == "Sales data"
    assert fabric.get(url).json()["displayName"] == "new"
    assert_error(fabric.patch(url, json={"type": "Warehouse"}), 400, "InvalidRequest")
    assert_error(
        fabric.patch(url, json={"displayName": "TAKEN"}), 400, "ItemDisplayNameAlreadyInUse"
    )
    assert fabric.patch(url, json={"displayName": "NEW"}).status_code == 200


def test_list_filters_by_type_folder_and_recursion(fabric: Any, workspace_id: str) -> None:
    folders = f"/v1/workspaces/{workspace_id}/folders"
    parent = fabric.post(folders, json={"displayName": "Sales"}).json()["id"]
    child = fabric.post(folders, json={"displayName": "Y2024", "parentFolderId": parent}).json()[
        "id"
    ]
    create_item(fabric, workspace_id, {"displayName": "root", "type": "Notebook"})
    create_item(
        fabric, workspace_id, {"displayName": "top", "type": "Lakehouse", "folderId": parent}
    )
    create_item(
        fabric, workspace_id, {"displayName": "deep", "type": "Notebook", "folderId": child}
    )

    def names(**params: str) -> list[str]:
        return sorted(item["displayName"] for item in _items(fabric, workspace_id, **params))

    assert names() == ["deep", "root", "top"]
    assert names(type="notebook") == ["deep", "root"]
    assert names(recursive="False") == ["root"]
    assert names(rootFolderId=parent) == ["deep", "top"]
    assert names(rootFolderId=parent, recursive="false") == ["top"]
    missing = fabric.get(
        f"/v1/workspaces/{workspace_id}/items",
        params={"rootFolderId": "7a4a4f39-64a4-4a4b-9f5e-9f0a3c1d2e11"},
    )
    assert_error(missing, 404, "FolderNotFound")
    assert_error(
        fabric.get(f"/v1/workspaces/{workspace_id}/items", params={"type": "no such"}),
        400,
        "InvalidItemType",
    )


def test_list_pages_when_the_page_size_is_small(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    for name in ("a", "b", "c"):
        create_item(fabric, workspace_id, {"displayName": name, "type": "Notebook"})
    set_config(emulator, page_size=2)
    first = fabric.get(f"/v1/workspaces/{workspace_id}/items").json()
    assert [item["displayName"] for item in first["value"]] == ["a", "b"]
    second = fabric.get(first["continuationUri"]).json()
    assert [item["displayName"] for item in second["value"]] == ["c"]
    assert "continuationToken" not in second


def test_move_and_bulk_move(fabric: Any, workspace_id: str) -> None:
    folder = fabric.post(f"/v1/workspaces/{workspace_id}/folders", json={"displayName": "Gold"})
    folder_id = folder.json()["id"]
    one = create_item(fabric, workspace_id, {"displayName": "one", "type": "Notebook"})
    two = create_item(fabric, workspace_id, {"displayName": "two", "type": "Notebook"})
    items = f"/v1/workspaces/{workspace_id}/items"

    moved = fabric.post(f"{items}/{one['id']}/move", json={"targetFolderId": folder_id})
    assert moved.status_code == 200
    assert moved.json()["value"][0]["folderId"] == folder_id
    back = fabric.post(f"{items}/{one['id']}/move", json={"targetFolderId": ""})
    assert "folderId" not in back.json()["value"][0]
    assert_error(
        fabric.post(
            f"{items}/{one['id']}/move",
            json={"targetFolderId": "7a4a4f39-64a4-4a4b-9f5e-9f0a3c1d2e11"},
        ),
        404,
        "FolderNotFound",
    )

    unknown = "9b9b9b9b-0000-4000-8000-000000000001"
    partial = fabric.post(
        f"{items}/bulkMove", json={"items": [one["id"], unknown], "targetFolderId": folder_id}
    )
    assert_error(partial, 404, "ItemNotFound")
    assert all("folderId" not in item for item in _items(fabric, workspace_id))
    bulk = fabric.post(
        f"{items}/bulkMove", json={"items": [one["id"], two["id"]], "targetFolderId": folder_id}
    )
    assert bulk.status_code == 200
    assert {item["folderId"] for item in bulk.json()["value"]} == {folder_id}


def test_a_model_without_definition_has_no_connections(fabric: Any, workspace_id: str) -> None:
    model = create_item(fabric, workspace_id, {"displayName": "m", "type": "SemanticModel"})
    listed = fabric.get(f"/v1/workspaces/{workspace_id}/items/{model['id']}/connections")
    assert listed.json() == {"value": []}
    missing = fabric.get(
        f"/v1/workspaces/{workspace_id}/items/9b9b9b9b-0000-4000-8000-000000000001/connections"
    )
    assert_error(missing, 404, "ItemNotFound")


def test_realism_leaves_an_empty_description_out_of_create_responses(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    set_config(emulator, profile="realism")
    created = fabric.post(
        f"/v1/workspaces/{workspace_id}/items", json={"displayName": "lh", "type": "Lakehouse"}
    ).json()
    assert "description" not in created
    assert _items(fabric, workspace_id)[0]["description"] == ""


def test_items_survive_the_state_snapshot(
    fabric: Any, emulator: RunningEmulator, workspace_id: str
) -> None:
    body = {
        "displayName": "pl",
        "type": "DataPipeline",
        "definition": {"format": "x", "parts": [part("pipeline-content.json", "{}")]},
    }
    item = create_item(fabric, workspace_id, body)
    fabric.delete(f"/v1/workspaces/{workspace_id}/items/{item['id']}")
    environment = create_item(fabric, workspace_id, {"displayName": "env", "type": "Environment"})
    publish = f"/v1/workspaces/{workspace_id}/environments/{environment['id']}/staging/publish"
    assert fabric.post(publish).status_code == 202
    snapshot = emulator.state()["fabric"]
    restored = FabricStore.from_json(snapshot)
    assert restored == emulator.emulator.fabric
    assert restored.deleted_items[0].display_name == "pl"
