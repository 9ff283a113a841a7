"""Read a repository in Fabric's Git folder format into :class:`Repository`.

Like fabric-cicd 1.4.0 (``FabricWorkspace._refresh_repository_items``): any directory
holding a ``.platform`` file is an item; every file under it is a definition part (its
path relative to the item folder, POSIX), except ``.pbi/`` folders of Report,
SemanticModel and DataAgent and the files of child items; the directories above an item
folder are workspace folders. A child item sits in ``<parent>/.children/`` (the KQL
databases of an Eventhouse) and belongs in its parent's workspace folder.

Unlike fabric-cicd, every problem is collected and raised at once as
:class:`~fabric_action.errors.ItemSourceError`, each with its path (and line for JSON
errors): malformed or incomplete ``.platform`` files, duplicate logical ids, two items
with one type and name (fabric-cicd silently keeps the last), an item folder nested in
another outside ``.children/``, folder names Fabric refuses, symbolic links that leave
the repository, and files larger than :attr:`ReadOptions.max_part_bytes`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import ConfigProblem, ItemSourceError
from ._content_kind import classify_content
from ._item_types import CHILDREN_FOLDER, PLATFORM_FILE, ZERO_GUID, is_excluded_part
from ._model import DefinitionPart, ItemKey, Repository, SourceItem
from ._platform_file import PlatformMetadata, parse_platform
from ._problems import problem

DEFAULT_MAX_PART_BYTES = 50 * 1024 * 1024
"""Largest file read as a definition part: 50 MiB (an Environment's custom libraries are
the largest parts in practice; Fabric refuses far smaller JSON definitions)."""

_INVALID_FOLDER_CHARACTERS = re.compile(r'[~"#.%&*:<>?/\\{|}]')
"""fabric-cicd's INVALID_FOLDER_CHAR_REGEX: characters Fabric refuses in a folder name."""

_SKIPPED_DIRECTORIES = frozenset({".git"})


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """Options of :func:`read_repository`.

    Attributes:
        max_part_bytes: Largest file accepted as a definition part, in bytes (default
            50 MiB). A larger file is a problem, reported with its path and size.
    """

    max_part_bytes: int = DEFAULT_MAX_PART_BYTES


@dataclass
class _Scan:
    """One walk of the repository: its files, item folders and the problems found."""

    root: Path
    real_root: str
    files: list[str]
    item_directories: list[str]
    problems: list[ConfigProblem]

    def shown(self, relative: str) -> str:
        """Return a repository path as the user names it (under the root they gave)."""
        return (self.root / relative).as_posix()


def _inside(real_root: str, target: str) -> bool:
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _check_symlink(scan: _Scan, relative: str) -> bool:
    """Return whether the symlink at *relative* may be read (and record why not)."""
    target = os.path.realpath(scan.root / relative)
    if not _inside(scan.real_root, target):
        message = "is a symbolic link that leaves the repository; replace it with the file"
        scan.problems.append(problem("source.symlink-escape", message, file=scan.shown(relative)))
        return False
    if not os.path.exists(target):
        message = "is a broken symbolic link; remove it or restore its target"
        scan.problems.append(problem("source.symlink-broken", message, file=scan.shown(relative)))
        return False
    return True


def _scan(root: Path) -> _Scan:
    scan = _Scan(root, os.path.realpath(root), [], [], [])
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(name for name in dirs if name not in _SKIPPED_DIRECTORIES)
        base = PurePosixPath(Path(directory).relative_to(root).as_posix())
        for name in dirs:
            if (Path(directory) / name).is_symlink():
                _check_symlink(scan, (base / name).as_posix())
        for name in sorted(files):
            relative = (base / name).as_posix()
            if (Path(directory) / name).is_symlink() and not _check_symlink(scan, relative):
                continue
            scan.files.append(relative)
        if PLATFORM_FILE in files:
            scan.item_directories.append(base.as_posix())
    return scan


def _read_bytes(scan: _Scan, relative: str, limit: int) -> bytes | None:
    path = scan.root / relative
    size = path.stat().st_size
    if size > limit:
        message = f"is {size:,} bytes; the limit is {limit:,} bytes (ReadOptions.max_part_bytes)"
        scan.problems.append(problem("source.too-large", message, file=scan.shown(relative)))
        return None
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # pragma: no cover - the file grew while it was read
        scan.problems.append(problem("source.too-large", "grew past the limit", file=relative))
        return None
    return data


def _read_platform(scan: _Scan, directory: str, limit: int) -> PlatformMetadata | None:
    relative = (PurePosixPath(directory) / PLATFORM_FILE).as_posix()
    data = _read_bytes(scan, relative, limit)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        message = "is not UTF-8 text; save it as UTF-8"
        scan.problems.append(problem("platform.encoding", message, file=scan.shown(relative)))
        return None
    metadata, problems = parse_platform(text, file=scan.shown(relative))
    scan.problems.extend(problems)
    return metadata


def _parent_directory(directory: str, item_directories: set[str]) -> str | None:
    for ancestor in PurePosixPath(directory).parents:
        if ancestor.as_posix() in item_directories:
            return ancestor.as_posix()
    return None


def _folder_path(directory: str) -> str:
    parent = PurePosixPath(directory).parent.as_posix()
    return "" if parent == "." else f"/{parent}"


def _check_folder_names(scan: _Scan, folder_path: str, seen: set[str]) -> None:
    for index, name in enumerate(folder_path.split("/")[1:], start=2):
        folder = "/".join(folder_path.split("/")[:index])
        if folder in seen:
            continue
        seen.add(folder)
        if _INVALID_FOLDER_CHARACTERS.search(name):
            message = (
                f"folder name {name!r} has a character Fabric refuses in workspace folders "
                '(~ " # . % & * : < > ? / \\ { | }); rename the directory'
            )
            scan.problems.append(
                problem("source.folder-name", message, file=scan.shown(folder[1:]))
            )


def _collect_parts(
    scan: _Scan, directory: str, item_type: str, children: list[str], limit: int
) -> tuple[DefinitionPart, ...]:
    prefix = f"{directory}/"
    parts: list[DefinitionPart] = []
    for relative in scan.files:
        if not relative.startswith(prefix):
            continue
        if any(relative.startswith(f"{child}/") for child in children):
            continue
        part_path = relative[len(prefix) :]
        if is_excluded_part(item_type, part_path):
            continue
        data = _read_bytes(scan, relative, limit)
        if data is not None:
            payload, is_text = classify_content(data)
            parts.append(DefinitionPart(path=part_path, data=payload, is_text=is_text))
    return tuple(sorted(parts, key=lambda part: part.path))


def _check_duplicates(scan: _Scan, items: list[SourceItem]) -> None:
    by_logical_id: dict[str, SourceItem] = {}
    by_name: dict[tuple[str, str], SourceItem] = {}
    for item in items:
        platform = scan.shown(f"{item.directory}/{PLATFORM_FILE}")
        if item.logical_id != ZERO_GUID:
            first = by_logical_id.setdefault(item.logical_id.lower(), item)
            if first is not item:
                message = (
                    f"logicalId {item.logical_id} is also the logicalId of {first.directory}; "
                    "every item needs its own (generate a new GUID for the copy)"
                )
                scan.problems.append(problem("source.duplicate-logical-id", message, file=platform))
        name_key = (item.item_type, item.display_name.casefold())
        same = by_name.setdefault(name_key, item)
        if same is not item:
            message = (
                f"{item.item_type} {item.display_name!r} is also defined in {same.directory}; "
                "Fabric allows one item of a type and name per workspace"
            )
            scan.problems.append(problem("source.duplicate-name", message, file=platform))


def read_repository(root: str | Path, *, options: ReadOptions | None = None) -> Repository:
    """Read every item folder under *root*.

    Args:
        root: The repository directory (fabric-cicd's ``repository_directory``).
        options: Limits; :class:`ReadOptions` defaults when None.

    Returns:
        All items, sorted by folder, each with its parts sorted by path.

    Raises:
        ItemSourceError: With every problem found (see the module docstring).
    """
    limit = (options or ReadOptions()).max_part_bytes
    root_path = Path(root)
    if not root_path.is_dir():
        message = "is not a directory; point the items path at the folder holding the items"
        raise ItemSourceError([problem("source.missing", message, file=root_path.as_posix())])
    scan = _scan(root_path)
    directories = set(scan.item_directories)
    items: list[SourceItem] = []
    folder_names_seen: set[str] = set()
    metadata_by_directory: dict[str, PlatformMetadata] = {}
    for directory in scan.item_directories:
        if directory == ".":
            message = "the repository root holds a .platform file; point at the folder above"
            scan.problems.append(problem("source.root-item", message, file=scan.shown(".platform")))
            continue
        metadata = _read_platform(scan, directory, limit)
        if metadata is not None:
            metadata_by_directory[directory] = metadata
    for directory, metadata in metadata_by_directory.items():
        parent = _parent_directory(directory, directories)
        top = directory
        while (ancestor := _parent_directory(top, directories)) is not None:
            top = ancestor
        if parent is not None and not directory.startswith(f"{parent}/{CHILDREN_FOLDER}/"):
            message = (
                f"is an item folder inside the item folder {parent}; only a "
                f"{CHILDREN_FOLDER}/ folder may hold items of another item"
            )
            scan.problems.append(problem("source.nested-item", message, file=scan.shown(directory)))
            continue
        folder_path = _folder_path(top)
        _check_folder_names(scan, folder_path, folder_names_seen)
        children = [other for other in directories if other.startswith(f"{directory}/")]
        parent_metadata = metadata_by_directory.get(parent) if parent else None
        items.append(
            SourceItem(
                item_type=metadata.item_type,
                display_name=metadata.display_name,
                description=metadata.description,
                logical_id=metadata.logical_id,
                directory=directory,
                folder_path=folder_path,
                parts=_collect_parts(scan, directory, metadata.item_type, children, limit),
                parent=(
                    ItemKey(parent_metadata.item_type, parent_metadata.display_name)
                    if parent_metadata
                    else None
                ),
            )
        )
    _check_duplicates(scan, items)
    if scan.problems:
        raise ItemSourceError(scan.problems)
    folders = {
        "/".join(item.folder_path.split("/")[:depth])
        for item in items
        for depth in range(2, item.folder_path.count("/") + 2)
    }
    return Repository(
        root=root_path,
        items=tuple(items),
        folders=tuple(sorted(folders, key=lambda folder: (folder.count("/"), folder))),
    )
