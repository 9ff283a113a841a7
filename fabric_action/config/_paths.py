"""Paths in the config: relative, and inside the repository once symlinks are resolved."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ..errors import ConfigProblem
from ._document import JsonPath, format_path
from ._layers import Source, Sources


class PathKind(Enum):
    """What must be at a path."""

    DIRECTORY = "folder"
    FILE = "file"
    OUTPUT = "output file"


def find_repository_root(config_dir: Path) -> Path:
    """Return the nearest folder at or above *config_dir* with ``.git``, else *config_dir*."""
    for folder in (config_dir, *config_dir.parents):
        if (folder / ".git").exists():
            return folder
    return config_dir


def is_absolute(value: str) -> bool:
    r"""Return whether *value* is absolute on POSIX or Windows (``/x``, ``C:\x``, ``\\x``)."""
    return (
        PurePosixPath(value).is_absolute()
        or bool(PureWindowsPath(value).drive)
        or value.startswith("\\")
    )


def resolve_inside(
    value: str, *, base: Path, root: Path, kind: PathKind, source: Source, path: str
) -> tuple[Path | None, ConfigProblem | None]:
    """Return *value* resolved against *base*, or the problem that stops it.

    Symlinks are followed before the containment check, so a link out of the repository
    is caught; ``..`` that stays inside is fine. An input must exist (a folder or a
    file, by *kind*); an output need not.
    """
    if is_absolute(value):
        return None, source.problem(
            "path.absolute",
            f"{value!r} is an absolute path; write it relative to the config file's folder",
            path,
        )
    resolved = (base / value).resolve()
    if not resolved.is_relative_to(root):
        return None, source.problem(
            "path.escape",
            f"{value!r} leads outside the repository ({root}) to {resolved}; paths must "
            "stay inside the repository",
            path,
        )
    exists = resolved.is_dir() if kind is PathKind.DIRECTORY else resolved.is_file()
    if kind is not PathKind.OUTPUT and not exists:
        return None, source.problem(
            "path.not-found",
            f"{value!r} is not an existing {kind.value} (looked for {resolved})",
            path,
        )
    return resolved, None


def check_paths(
    effective: Mapping[str, Any], sources: Sources, config_dir: Path, root: Path
) -> tuple[dict[JsonPath, Path], list[ConfigProblem]]:
    """Resolve every path of an effective environment.

    ``items.source`` and ``telemetry.file`` are relative to the config file's folder;
    ``items.parameters`` is relative to its workspace's ``items.source``.

    Returns:
        The resolved paths by their path in the environment, and the problems.
    """
    resolved: dict[JsonPath, Path] = {}
    problems: list[ConfigProblem] = []
    root = root.resolve()

    def check(where: JsonPath, value: Any, base: Path, kind: PathKind) -> Path | None:
        if not isinstance(value, str):
            return None
        source = sources[where]
        shown = source.config_path or format_path(where)
        found, problem = resolve_inside(
            value, base=base, root=root, kind=kind, source=source, path=shown
        )
        if problem is not None:
            problems.append(problem)
        if found is not None:
            resolved[where] = found
        return found

    telemetry = effective.get("telemetry", {})
    check(("telemetry", "file"), telemetry.get("file"), config_dir, PathKind.OUTPUT)
    for key, workspace in effective.get("workspaces", {}).items():
        items = workspace["items"]
        at: JsonPath = ("workspaces", key, "items")
        source_dir = check((*at, "source"), items["source"], config_dir, PathKind.DIRECTORY)
        if source_dir is not None:
            check((*at, "parameters"), items.get("parameters"), source_dir, PathKind.FILE)
    return resolved, problems
