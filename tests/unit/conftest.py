"""Shared fixtures for unit tests.

``read_github_file_commands`` reads GitHub runner file commands (GITHUB_OUTPUT,
GITHUB_ENV) the way the runner does.

A port of the Linux path of the runner's FileCommandManager: records end at LF only, a
heredoc value ends at the line exactly equal to its delimiter, and the LF before that
line is not part of the value. Tests use it to prove that what we write reads back byte
for byte.
"""

from collections.abc import Callable
from pathlib import Path

import pytest


class RunnerFormatError(ValueError):
    """The runner would reject the file (and fail the step)."""


def _read_line(text: str, index: int) -> tuple[str | None, int, bool]:
    if index >= len(text):
        return None, index, False
    end = text.find("\n", index)
    if end < 0:
        return text[index:], len(text), False
    return text[index:end], end + 1, True


def parse_file_commands(text: str) -> list[tuple[str, str, str | None]]:
    """Return ``(name, value, delimiter or None)`` for each record in *text*."""
    records: list[tuple[str, str, str | None]] = []
    line, index, _ = _read_line(text, 0)
    while line is not None:
        if line:
            equals, heredoc = line.find("="), line.find("<<")
            if equals >= 0 and (heredoc < 0 or equals < heredoc):
                name, value = line.split("=", 1)
                delimiter = None
            elif heredoc >= 0:
                name, delimiter = line.split("<<", 1)
                if not name or not delimiter:
                    raise RunnerFormatError(f"Invalid format '{line}'")
                start = end = index
                current, index, had_newline = _read_line(text, index)
                while current != delimiter:
                    if current is None:
                        raise RunnerFormatError(f"Matching delimiter not found '{delimiter}'")
                    if not had_newline:
                        raise RunnerFormatError("EOF marker missing new line")
                    end = index - 1
                    current, index, had_newline = _read_line(text, index)
                value = text[start:end] if end > start else ""
            else:
                raise RunnerFormatError(f"Invalid format '{line}'")
            if not name:
                raise RunnerFormatError(f"Invalid format '{line}'. Name must not be empty")
            records.append((name, value, delimiter))
        line, index, _ = _read_line(text, index)
    return records


def read_file_commands(path: Path) -> list[tuple[str, str, str | None]]:
    """Parse the file at *path* as the Linux runner would (CRLF framing fails, as there)."""
    raw = path.read_bytes()
    text = raw.decode("utf-8").removeprefix("\ufeff")  # File.ReadAllText drops a BOM
    return parse_file_commands(text)


FileCommandRecords = list[tuple[str, str, str | None]]


@pytest.fixture
def read_github_file_commands() -> Callable[[Path], FileCommandRecords]:
    """Return a reader that parses a file-command file exactly as the Linux runner does."""
    return read_file_commands
