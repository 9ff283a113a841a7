"""Bounds on what the config reader accepts, so hostile input fails fast and small."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigFileError, ConfigProblem
from ._document import Position

MAX_CONFIG_BYTES = 5 * 1024 * 1024
"""Largest config file read, in bytes (5 MiB); larger files are refused before parsing."""


@dataclass(frozen=True, kw_only=True)
class ParseLimits:
    """Limits of the config reader; each stops a class of hostile or broken input.

    A real config has a few hundred nodes nested five or six deep, so the defaults leave
    two orders of magnitude of headroom while keeping the worst case under a second and
    a few tens of megabytes.

    Attributes:
        max_bytes: Largest file read, in bytes (default 5 MiB). Checked on the file size
            before any byte is parsed, then again on what was read.
        max_depth: Deepest nesting of mappings and lists (default 32).
        max_nodes: Most values (scalars, mappings, lists) in the document, counting each
            use of an alias as the size of what it names (default 20,000: about 200
            workspaces with 20 role assignments each). This is what stops a "billion
            laughs" alias bomb, and it bounds the time validation takes.
        max_aliases: Most ``*alias`` uses in the document (default 100).
    """

    max_bytes: int = MAX_CONFIG_BYTES
    max_depth: int = 32
    max_nodes: int = 20_000
    max_aliases: int = 100


class FatalParseError(Exception):
    """A fault that stops parsing; carries the problems found up to and including it."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__(problems)
        self.problems = problems

    def to_config_error(self) -> ConfigFileError:
        """Return the error the caller raises."""
        return ConfigFileError(self.problems)


def problem_at(
    file: str, code: str, message: str, position: Position | None, path: str = ""
) -> ConfigProblem:
    """Return a problem in *file* at a 1-based *position* (or without one)."""
    line, column = position if position is not None else (None, None)
    return ConfigProblem(code=code, message=message, file=file, line=line, column=column, path=path)


def position_of_index(text: str, index: int) -> Position:
    """Return the 1-based line and column of character *index* in *text*."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
