"""The ``file_path`` filter of parameter.yml rules: plain paths and wildcards.

fabric-cicd 1.4.0 (``_parameter/_utils.process_input_path``) turns each entry into the
set of repository files it names and applies a rule to a file only if the file is in
that set:

* a plain path (no ``*``, ``?`` or ``[``) is relative to the repository, leading ``/``
  and ``\\`` stripped; it must stay inside the repository;
* a wildcard is checked by ``_validate_wildcard_syntax`` and then given to Python 3.11's
  ``Path.glob``: components split on ``/``, ``**`` is zero or more directories, each
  other component is an ``fnmatch`` pattern matched case-sensitively against one name
  (hidden names included); an absolute wildcard must lie under the repository.

Here the same matching runs on the repository's part paths, without touching the file
system, so it is the same on every Python version and operating system. Differences, all
deliberate: a wildcard fabric-cicd would reject or that could never name a file (brace
``{a,b}`` sets, which ``Path.glob`` takes literally; a trailing ``/`` or ``**``) is an
error instead of a rule that silently does nothing; backslashes in plain paths are
separators on every OS (fabric-cicd honours them on Windows only).
"""

from __future__ import annotations

import fnmatch
import glob
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_BAD_COMBINATIONS = ("/**/*/", "**/**", "//", "\\\\", "**/**/")
_TRAVERSALS = ("../", "..%2f", "..%5c")


class FilePatternError(ValueError):
    """A ``file_path`` entry is malformed or can never name a file."""


def _check_nesting(pattern: str) -> None:
    stack: list[str] = []
    for position, char in enumerate(pattern):
        if char in "[{":
            stack.append(char)
        elif char in "]}" and (not stack or {"]": "[", "}": "{"}[char] != stack.pop()):
            raise FilePatternError(f"unmatched {char!r} at position {position} in {pattern!r}")
    if stack:
        raise FilePatternError(f"unclosed {stack[-1]!r} in {pattern!r}")


def check_wildcard_syntax(pattern: str) -> None:
    """Refuse what fabric-cicd's ``_validate_wildcard_syntax`` refuses, and brace sets.

    Raises:
        FilePatternError: With the reason.
    """
    if pattern.startswith("/") and pattern[1:].startswith("**/"):
        raise FilePatternError(f"an absolute path cannot start with **: {pattern!r}")
    if any(bad in pattern for bad in _BAD_COMBINATIONS):
        raise FilePatternError(f"invalid wildcard combination in {pattern!r}")
    if "**" in pattern and not ("**/" in pattern or "/**" in pattern):
        raise FilePatternError(f"** must be a whole path component (**/ or /**) in {pattern!r}")
    _check_nesting(pattern)
    for section in re.findall(r"\[(.*?)\]", pattern):
        if not section or section.startswith(("]", "-")) or "--" in section:
            raise FilePatternError(f"invalid character class [{section}] in {pattern!r}")
    if "{" in pattern:
        raise FilePatternError(
            f"brace sets are not supported in {pattern!r}: fabric-cicd's matcher takes them "
            "literally and matches nothing; list the paths instead"
        )
    if any(traversal in pattern.lower() for traversal in _TRAVERSALS):
        raise FilePatternError(f"path traversal (..) is not allowed in {pattern!r}")


def _component_matcher(component: str) -> Callable[[str], object]:
    if "*" in component or "?" in component or "[" in component:
        return re.compile(fnmatch.translate(component)).fullmatch
    return component.__eq__


def _matches(matchers: tuple[Callable[[str], object] | None, ...], names: tuple[str, ...]) -> bool:
    """Match path names against components; None stands for ``**`` (directories only)."""
    if not matchers:
        return not names
    head, rest = matchers[0], matchers[1:]
    if head is None:
        return any(_matches(rest, names[skip:]) for skip in range(len(names)))
    return bool(names) and bool(head(names[0])) and _matches(rest, names[1:])


@dataclass(frozen=True)
class FilePattern:
    """One compiled ``file_path`` entry.

    Attributes:
        text: The entry as written.
        relative: The repository-relative path or pattern it was turned into.
    """

    text: str
    relative: str
    _matchers: tuple[Callable[[str], object] | None, ...] = field(repr=False, compare=False)

    def matches(self, path: str) -> bool:
        """Return whether the repository-relative POSIX *path* is named by this entry."""
        return _matches(self._matchers, tuple(path.split("/")))


def compile_file_pattern(text: str, *, root: Path) -> FilePattern:
    """Compile one ``file_path`` entry against the repository at *root*.

    Raises:
        FilePatternError: When the entry is malformed, leaves the repository, or can
            never name a file.
    """
    if not glob.has_magic(text):
        relative = posixpath.normpath(text.replace("\\", "/").lstrip("/"))
        if relative in {".", ".."} or relative.startswith("../"):
            raise FilePatternError(f"{text!r} does not name a file inside the repository")
        return FilePattern(text, relative, tuple(name.__eq__ for name in relative.split("/")))
    pattern = text.replace("\\", "/")
    check_wildcard_syntax(pattern)
    if pattern.startswith("/"):
        try:
            pattern = (
                PurePosixPath(pattern).relative_to(Path(root).absolute().as_posix()).as_posix()
            )
        except ValueError as exc:
            raise FilePatternError(f"{text!r} is outside the repository {root}") from exc
    if pattern.endswith("/"):
        raise FilePatternError(f"{text!r} ends with '/', so it names directories, never a file")
    components = PurePosixPath(pattern).parts
    for component in components:
        if "**" in component and component != "**":
            raise FilePatternError(f"** must be a whole path component in {text!r}")
    if not components or components[-1] == "**":
        raise FilePatternError(f"{text!r} ends with **, so it names directories, never a file")
    matchers = tuple(None if part == "**" else _component_matcher(part) for part in components)
    return FilePattern(text, "/".join(components), matchers)
