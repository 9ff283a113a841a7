"""Contract cases of items (with definitions) and folders."""

from __future__ import annotations

from typing import Any

from cases_workspaces import WS, create_workspace
from emulator_contract import (
    Scenario,
    World,
    absent,
    delete,
    get,
    part,
    patch,
    platform_part,
    post,
    present,
    throttle,
)

INSTANT = {"item_create_lro": False}
"""The emulator's instant mode: definition operations answer 200 instead of 202 + LRO."""
UPDATED_NOTEBOOK = {"parts": [part("notebook-content.py", "# Fabric notebook source\n")]}


def notebook(name: str) -> dict[str, Any]:
    """Return the create-item body of a Notebook with a definition, ``.platform`` included."""
    content = part("notebook-content.py", "# Fabric notebook source\nprint('hello')\n")
    definition = {"parts": [content, platform_part("Notebook", name)]}
    return {"displayName": name, "type": "Notebook", "definition": definition}


def _items_setup(world: World) -> None:
    create_workspace(world)
    world.create("folder", f"{WS}/folders", {"displayName": "Staging"})
    world.create("ingest", f"{WS}/items", {"displayName": "Ingest", "type": "Notebook"})


CREATE, LIST, GET, UPDATE, DELETE, MOVE = (
    "Items_CreateItem",
    "Items_ListItems",
    "Items_GetItem",
    "Items_UpdateItem",
    "Items_DeleteItem",
    "Items_MoveItem",
)
GET_DEFINITION, UPDATE_DEFINITION = "Items_GetItemDefinition", "Items_UpdateItemDefinition"
ITEMS_PATH = f"{WS}/items"
ETL, INGEST, LAKEHOUSE = (f"{ITEMS_PATH}/{{{name}}}" for name in ("etl", "ingest", "lakehouse"))
NOWHERE = f"{ITEMS_PATH}/{{missing}}"
RENAMED_ETL = {"parts": [*UPDATED_NOTEBOOK["parts"], platform_part("Notebook", "ETL")]}
ITEMS = Scenario(
    "items",
    _items_setup,
    (
        post(
            CREATE,
            ITEMS_PATH,
            "201",
            json={"displayName": "Sales", "type": "Lakehouse"},
            save_id="lakehouse",
        ),
        post(CREATE, ITEMS_PATH, "202", json=notebook("ETL"), lro_result_status=201, save_id="etl"),
        post(
            CREATE,
            ITEMS_PATH,
            "400 ItemDisplayNameAlreadyInUse",
            json={"displayName": "ingest", "type": "Notebook"},
        ),
        post(
            CREATE,
            ITEMS_PATH,
            "404 FolderNotFound",
            json={"displayName": "Orders", "type": "Notebook", "folderId": "{missing}"},
        ),
        post(
            CREATE,
            ITEMS_PATH,
            "429 RequestBlocked",
            json={"displayName": "Orders", "type": "Notebook"},
            faults=(throttle("/v1/workspaces/*/items", "POST"),),
        ),
        get(LIST, ITEMS_PATH, "200"),
        get(LIST, ITEMS_PATH, "404 FolderNotFound", params={"rootFolderId": "{missing}"}),
        get(GET, ETL, "200"),
        get(GET, NOWHERE, "404 ItemNotFound"),
        patch(UPDATE, INGEST, "200", json={"displayName": "Raw", "description": "Loads files"}),
        patch(UPDATE, INGEST, "400 ItemDisplayNameAlreadyInUse", json={"displayName": "ETL"}),
        post(GET_DEFINITION, f"{ETL}/getDefinition", "202", lro_result_status=200),
        post(GET_DEFINITION, f"{ETL}/getDefinition", "200", config=INSTANT, label="instant"),
        post(GET_DEFINITION, f"{NOWHERE}/getDefinition", "404 ItemNotFound"),
        post(
            UPDATE_DEFINITION,
            f"{ETL}/updateDefinition",
            "202",
            params={"updateMetadata": "True"},
            json={"definition": RENAMED_ETL},
        ),
        post(
            UPDATE_DEFINITION,
            f"{ETL}/updateDefinition",
            "200",
            json={"definition": UPDATED_NOTEBOOK},
            config=INSTANT,
            label="instant",
        ),
        post(
            UPDATE_DEFINITION,
            f"{NOWHERE}/updateDefinition",
            "404 ItemNotFound",
            json={"definition": UPDATED_NOTEBOOK},
        ),
        post(MOVE, f"{ETL}/move", "200", json={"targetFolderId": "{folder}"}),
        post(MOVE, f"{ETL}/move", "404 FolderNotFound", json={"targetFolderId": "{missing}"}),
        get(GET, ETL, "200", label="in a folder", also=present("folderId")),
        delete(DELETE, LAKEHOUSE, "200"),
        delete(DELETE, LAKEHOUSE, "404 ItemNotFound"),
    ),
)


# --------------------------------------------------------------------------- folders


def _folders_setup(world: World) -> None:
    create_workspace(world)
    world.create("reports", f"{WS}/folders", {"displayName": "Reports"})
    in_reports = {"displayName": "Sales", "type": "Notebook", "folderId": "{reports}"}
    world.create("sales", f"{WS}/items", in_reports)


CREATE_FOLDER, LIST_FOLDERS, GET_FOLDER, UPDATE_FOLDER, DELETE_FOLDER, MOVE_FOLDER = (
    "Folders_CreateFolder",
    "Folders_ListFolders",
    "Folders_GetFolder",
    "Folders_UpdateFolder",
    "Folders_DeleteFolder",
    "Folders_MoveFolder",
)
FOLDERS_PATH = f"{WS}/folders"
FINANCE, MONTHLY, REPORTS = (
    f"{FOLDERS_PATH}/{{{name}}}" for name in ("finance", "monthly", "reports")
)
# Folder.parentFolderId is a uuid without x-nullable: a root folder must leave it out, not
# send null. The spec conforms only then; absent() says so explicitly.
AT_THE_ROOT = absent("parentFolderId")
FOLDERS = Scenario(
    "folders",
    _folders_setup,
    (
        post(
            CREATE_FOLDER,
            FOLDERS_PATH,
            "201",
            json={"displayName": "Finance"},
            save_id="finance",
            label="at the root",
            also=AT_THE_ROOT,
        ),
        post(
            CREATE_FOLDER,
            FOLDERS_PATH,
            "201",
            json={"displayName": "Monthly", "parentFolderId": "{finance}"},
            save_id="monthly",
            label="nested",
            also=present("parentFolderId"),
        ),
        post(
            CREATE_FOLDER,
            FOLDERS_PATH,
            "409 FolderDisplayNameAlreadyInUse",
            json={"displayName": "finance"},
        ),
        post(
            CREATE_FOLDER,
            FOLDERS_PATH,
            "400 InvalidFolderDisplayName",
            json={"displayName": "Q1/Q2"},
        ),
        post(
            CREATE_FOLDER,
            FOLDERS_PATH,
            "404 FolderNotFound",
            json={"displayName": "Orphans", "parentFolderId": "{missing}"},
        ),
        get(LIST_FOLDERS, FOLDERS_PATH, "200"),
        get(LIST_FOLDERS, "/v1/workspaces/{missing}/folders", "404 WorkspaceNotFound"),
        get(GET_FOLDER, MONTHLY, "200"),
        get(GET_FOLDER, f"{FOLDERS_PATH}/{{missing}}", "404 FolderNotFound"),
        patch(UPDATE_FOLDER, MONTHLY, "200", json={"displayName": "Month End"}),
        patch(
            UPDATE_FOLDER,
            FINANCE,
            "409 FolderDisplayNameAlreadyInUse",
            json={"displayName": "Reports"},
        ),
        post(MOVE_FOLDER, f"{MONTHLY}/move", "200", json={"targetFolderId": "{reports}"}),
        post(MOVE_FOLDER, f"{MONTHLY}/move", "200", json={}, label="to the root", also=AT_THE_ROOT),
        post(
            MOVE_FOLDER,
            f"{FINANCE}/move",
            "400 InfiniteFolderHierarchyLoop",
            json={"targetFolderId": "{finance}"},
        ),
        delete(DELETE_FOLDER, REPORTS, "400 FolderNotEmpty"),
        delete(DELETE_FOLDER, FINANCE, "200"),
        delete(DELETE_FOLDER, FINANCE, "404 FolderNotFound"),
    ),
)
