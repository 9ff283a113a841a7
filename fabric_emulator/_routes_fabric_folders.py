"""Routes of ``/v1/workspaces/{ws}/folders`` (reference §10).

Choices where the reference leaves room:

- Names: blank, longer than 255 characters, with leading or trailing spaces, control
  characters, any of ``~ " # . % & * : < > ? / \\ { | }`` (the set fabric-cicd refuses
  [C]) or the reserved ``recycled``/``recycler`` are 400 ``InvalidFolderDisplayName``
  [D folder name requirements].
- Names are unique among siblings, case-insensitively: 409
  ``FolderDisplayNameAlreadyInUse`` (the status fabric-cicd users report [K]).
- Folders nest at most 10 levels (400 ``FolderDepthOutOfRange``); moving a folder into
  itself or below itself is 400 ``InfiniteFolderHierarchyLoop``.
- A missing folder (path, ``parentFolderId``, ``targetFolderId``, ``rootFolderId``) is 404
  ``FolderNotFound``; deleting a folder that holds items or folders is 400
  ``FolderNotEmpty`` [R].
"""

from __future__ import annotations

import unicodedata

from fabric_emulator._app import Context
from fabric_emulator._fabric_common import (
    empty_ok,
    json_object,
    new_id,
    paginated,
    workspace_for,
)
from fabric_emulator._fabric_store import Folder, Workspace
from fabric_emulator._http import FabricError, Response
from fabric_emulator._items_common import (
    descendant_folder_ids,
    find_folder,
    folder_reference,
    folder_view,
    query_folder,
    query_recursive,
    required_name,
)
from fabric_emulator._router import Router, Surface

MAX_FOLDER_DEPTH = 10
MAX_FOLDER_NAME_LENGTH = 255
INVALID_FOLDER_CHARACTERS = frozenset('~"#.%&*:<>?/\\{|}')
RESERVED_FOLDER_NAMES = frozenset({"recycled", "recycler"})
_FOLDER = "/v1/workspaces/{workspaceId}/folders/{folderId}"


def _valid_folder_name(name: str) -> str:
    """Return ``name`` if Fabric accepts it for a folder; else raise 400."""
    problems = (
        len(name) > MAX_FOLDER_NAME_LENGTH,
        name != name.strip(),
        any(character in INVALID_FOLDER_CHARACTERS for character in name),
        any(unicodedata.category(character) == "Cc" for character in name),
        name.lower() in RESERVED_FOLDER_NAMES,
    )
    if any(problems):
        raise FabricError(
            400, "InvalidFolderDisplayName", f"'{name}' is not a valid folder display name"
        )
    return name


def _depth(context: Context, folder: Folder | None) -> int:
    """Return how deep ``folder`` sits (a root folder is 1; the workspace itself is 0)."""
    depth = 0
    folders = context.emulator.fabric.folders
    while folder is not None:
        depth += 1
        folder = folders.get(folder.parent_folder_id) if folder.parent_folder_id else None
    return depth


def _height(context: Context, folder: Folder) -> int:
    """Return how many levels ``folder`` and the folders below it span (a leaf is 1)."""
    children = [
        f for f in context.emulator.fabric.folders.values() if f.parent_folder_id == folder.id
    ]
    return 1 + max((_height(context, child) for child in children), default=0)


def _check_depth(context: Context, parent: Folder | None, levels: int) -> None:
    if _depth(context, parent) + levels > MAX_FOLDER_DEPTH:
        raise FabricError(
            400,
            "FolderDepthOutOfRange",
            f"Folders can be nested at most {MAX_FOLDER_DEPTH} levels deep",
        )


def _check_sibling_free(
    context: Context, workspace: Workspace, parent: Folder | None, name: str, except_id: str = ""
) -> None:
    parent_id = parent.id if parent else None
    for folder in context.emulator.fabric.folders_in(workspace.id):
        if (
            folder.id != except_id
            and folder.parent_folder_id == parent_id
            and folder.display_name.lower() == name.lower()
        ):
            raise FabricError(
                409,
                "FolderDisplayNameAlreadyInUse",
                f"A folder named '{name}' already exists here",
            )


def list_folders(context: Context) -> Response:
    """``GET .../folders``: ``recursive`` (default true) and ``rootFolderId``."""
    workspace = workspace_for(context, context.params["workspaceId"])
    root = query_folder(context, workspace)
    recursive = query_recursive(context)
    root_id = root.id if root else None
    below = descendant_folder_ids(context, root.id) if root else set()
    values = [
        folder_view(folder)
        for folder in context.emulator.fabric.folders_in(workspace.id)
        if folder.parent_folder_id == root_id
        or (recursive and (root is None or folder.id in below))
    ]
    return paginated(context, values)


def create_folder(context: Context) -> Response:
    """``POST .../folders``: 201 with the folder and its ``Location``."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    body = json_object(context)
    name = _valid_folder_name(required_name(body))
    parent = folder_reference(context, workspace, body, "parentFolderId")
    _check_depth(context, parent, 1)
    _check_sibling_free(context, workspace, parent, name)
    folder = Folder(
        id=new_id(),
        workspace_id=workspace.id,
        display_name=name,
        parent_folder_id=parent.id if parent else None,
    )
    context.emulator.fabric.folders[folder.id] = folder
    location = f"{context.base_url}/v1/workspaces/{workspace.id}/folders/{folder.id}"
    return Response.json(201, folder_view(folder), headers={"Location": location})


def get_folder(context: Context) -> Response:
    """``GET .../folders/{id}``."""
    workspace = workspace_for(context, context.params["workspaceId"])
    return Response.json(
        200, folder_view(find_folder(context, workspace, context.params["folderId"]))
    )


def update_folder(context: Context) -> Response:
    """``PATCH .../folders/{id}``: rename."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    folder = find_folder(context, workspace, context.params["folderId"])
    name = _valid_folder_name(required_name(json_object(context)))
    parent = context.emulator.fabric.folders.get(folder.parent_folder_id or "")
    _check_sibling_free(context, workspace, parent, name, except_id=folder.id)
    folder.display_name = name
    return Response.json(200, folder_view(folder))


def delete_folder(context: Context) -> Response:
    """``DELETE .../folders/{id}``: only an empty folder (else 400 ``FolderNotEmpty``)."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    folder = find_folder(context, workspace, context.params["folderId"])
    store = context.emulator.fabric
    holds_items = any(item.folder_id == folder.id for item in store.items_in(workspace.id))
    holds_folders = any(f.parent_folder_id == folder.id for f in store.folders_in(workspace.id))
    if holds_items or holds_folders:
        raise FabricError(400, "FolderNotEmpty", "The folder still holds items or folders")
    del store.folders[folder.id]
    return empty_ok()


def move_folder(context: Context) -> Response:
    """``POST .../folders/{id}/move``: ``targetFolderId`` absent, null or "" is the root."""
    workspace = workspace_for(context, context.params["workspaceId"], min_role="Contributor")
    folder = find_folder(context, workspace, context.params["folderId"])
    body = json_object(context, required=False)
    target = folder_reference(context, workspace, body, "targetFolderId")
    if target is not None and (
        target.id == folder.id or target.id in descendant_folder_ids(context, folder.id)
    ):
        raise FabricError(
            400, "InfiniteFolderHierarchyLoop", "A folder cannot move into itself or below itself"
        )
    _check_depth(context, target, _height(context, folder))
    _check_sibling_free(context, workspace, target, folder.display_name, except_id=folder.id)
    folder.parent_folder_id = target.id if target else None
    return Response.json(200, folder_view(folder))


def register(router: Router) -> None:
    """Add the folder routes."""
    fabric = Surface.FABRIC
    folders = "/v1/workspaces/{workspaceId}/folders"
    router.add("GET", folders, list_folders, surface=fabric)
    router.add("POST", folders, create_folder, surface=fabric)
    router.add("GET", _FOLDER, get_folder, surface=fabric)
    router.add("PATCH", _FOLDER, update_folder, surface=fabric)
    router.add("DELETE", _FOLDER, delete_folder, surface=fabric)
    router.add("POST", f"{_FOLDER}/move", move_folder, surface=fabric)
