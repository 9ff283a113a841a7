"""A parsed config file: plain data plus the line and column of every node."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigProblem

JsonPath = tuple[str | int, ...]
"""A place in the config data: mapping keys and list indexes from the root."""

Position = tuple[int, int]
"""A 1-based ``(line, column)`` in the config file."""

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")

MAX_SHOWN_CHARS = 60
"""Longest value quoted in a message; longer ones are cut with an ellipsis."""


def format_path(path: JsonPath) -> str:
    """Return *path* as people write it: ``environments.prod.roles[0].role``.

    Keys that are not plain names are quoted (``workspaces["my ws"]``); the root is ``$``.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += '["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return text or "$"


def show_value(value: object) -> str:
    """Return a short, quoted rendering of *value* for a message."""
    if isinstance(value, str):
        shown = value if len(value) <= MAX_SHOWN_CHARS else value[: MAX_SHOWN_CHARS - 3] + "..."
        return repr(shown)
    if value is None:
        return "null (empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


@dataclass(frozen=True)
class ParsedDocument:
    """The data of one config file and where each of its nodes was written.

    Attributes:
        file: The file name as the user gave it (messages show this, not an absolute path).
        data: The top-level mapping, built from plain ``dict``/``list``/scalars.
        value_positions: Where each node's value starts.
        key_positions: Where the key that introduces each mapping entry starts.
    """

    file: str
    data: dict[str, Any]
    value_positions: Mapping[JsonPath, Position] = field(default_factory=dict)
    key_positions: Mapping[JsonPath, Position] = field(default_factory=dict)

    def position(self, path: JsonPath, *, key: bool = False) -> Position | None:
        """Return where *path* is written, or its nearest written ancestor.

        Args:
            path: The node to place.
            key: Prefer the position of the node's key (for "unknown key" faults).
        """
        if key and path in self.key_positions:
            return self.key_positions[path]
        for end in range(len(path), -1, -1):
            found = self.value_positions.get(path[:end])
            if found is not None:
                return found
        return None

    def problem(
        self, code: str, message: str, path: JsonPath, *, key: bool = False
    ) -> ConfigProblem:
        """Return a problem located at *path* in this file."""
        place = self.position(path, key=key)
        line, column = place if place is not None else (None, None)
        return ConfigProblem(
            code=code,
            message=message,
            file=self.file,
            line=line,
            column=column,
            path=format_path(path) if path else "",
        )
