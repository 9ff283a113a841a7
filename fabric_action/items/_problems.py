"""Collect problems (with their places) so that every one is reported at once."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import ConfigProblem, ItemSourceError, ParameterError

GUID_PATTERN = re.compile(
    r"(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"(?![0-9A-Fa-f-])"
)
"""A GUID in text, not glued to more hex digits or hyphens."""


def is_guid(value: str) -> bool:
    """Return whether *value* is exactly one GUID."""
    return GUID_PATTERN.fullmatch(value) is not None


def line_of(text: str, index: int) -> int:
    """Return the 1-based line of character *index* in *text*."""
    return text.count("\n", 0, index) + 1


def problem(
    code: str,
    message: str,
    *,
    file: str = "",
    line: int | None = None,
    column: int | None = None,
    path: str = "",
) -> ConfigProblem:
    """Return a :class:`ConfigProblem` (a shorter spelling for this package)."""
    return ConfigProblem(code=code, message=message, file=file, line=line, column=column, path=path)


class PartRenderError(Exception):
    """One problem that stops a part from being rendered; carries its :class:`ConfigProblem`."""

    def __init__(self, found: ConfigProblem) -> None:
        super().__init__(str(found))
        self.problem = found


def raise_problems(problems: Iterable[ConfigProblem], *, parameter_files: Iterable[str]) -> None:
    """Raise the right error for *problems*, if there are any.

    :class:`~fabric_action.errors.ParameterError` when every problem lies in a parameter
    file, else :class:`~fabric_action.errors.ItemSourceError`; both carry them all.
    """
    listed = list(problems)
    if not listed:
        return
    in_parameters = set(parameter_files)
    if all(item.file in in_parameters for item in listed):
        raise ParameterError(listed)
    raise ItemSourceError(listed)
