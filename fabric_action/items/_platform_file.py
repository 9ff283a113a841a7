"""Read an item folder's ``.platform`` file: type, name, description, logical id.

The schema is ``platformProperties/2.0.0`` (reference/fabric-api.md §9.5)::

    {"metadata": {"type": "Notebook", "displayName": "nb", "description": "..."},
     "config": {"version": "2.0", "logicalId": "99b570c5-..."}}

Required, as fabric-cicd requires them: ``metadata.type``, ``metadata.displayName`` and a
non-empty ``config.logicalId``. Stricter than fabric-cicd: the logical id must be a GUID
(fabric-cicd replaces every occurrence of it in other items' text, so a short or
hand-written id would rewrite unrelated text), and wrong value types are reported
instead of raising a ``KeyError``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigProblem
from ._problems import is_guid, problem


@dataclass(frozen=True, kw_only=True)
class PlatformMetadata:
    """What a valid ``.platform`` says about its item."""

    item_type: str
    display_name: str
    description: str
    logical_id: str


def _line_of_key(text: str, key: str) -> int | None:
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _section(document: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = document.get(name)
    return value if isinstance(value, dict) else None


def parse_platform(text: str, *, file: str) -> tuple[PlatformMetadata | None, list[ConfigProblem]]:
    """Parse a ``.platform`` file's text.

    Args:
        text: The file's text (a UTF-8 byte order mark is tolerated).
        file: The file's repository path, for the problems.

    Returns:
        The metadata (None when the file is unusable) and every problem found.
    """
    try:
        document = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg}; fix the file or export the item again"
        return None, [
            problem("platform.json", message, file=file, line=exc.lineno, column=exc.colno)
        ]
    if not isinstance(document, dict):
        return None, [problem("platform.shape", "must be a JSON object", file=file, line=1)]

    problems: list[ConfigProblem] = []
    metadata = _section(document, "metadata")
    config = _section(document, "config")
    if metadata is None:
        message = "has no 'metadata' object (it needs metadata.type and metadata.displayName)"
        problems.append(problem("platform.missing-field", message, file=file, path="metadata"))
    if config is None:
        message = "has no 'config' object (it needs config.logicalId)"
        problems.append(problem("platform.missing-field", message, file=file, path="config"))
    if metadata is None or config is None:
        return None, problems

    def required_text(section: dict[str, Any], section_name: str, key: str) -> str:
        value = section.get(key)
        if isinstance(value, str) and value.strip():
            return value
        what = "is missing" if value is None else "must be a non-empty string"
        line = _line_of_key(text, key) or _line_of_key(text, section_name)
        problems.append(
            problem(
                "platform.missing-field",
                f"{section_name}.{key} {what}",
                file=file,
                line=line,
                path=f"{section_name}.{key}",
            )
        )
        return ""

    item_type = required_text(metadata, "metadata", "type")
    display_name = required_text(metadata, "metadata", "displayName")
    logical_id = required_text(config, "config", "logicalId")
    description = metadata.get("description")
    if description is not None and not isinstance(description, str):
        problems.append(
            problem(
                "platform.invalid-field",
                "metadata.description must be a string",
                file=file,
                line=_line_of_key(text, "description"),
                path="metadata.description",
            )
        )
    if logical_id and not is_guid(logical_id):
        problems.append(
            problem(
                "platform.invalid-field",
                f"config.logicalId {logical_id!r} is not a GUID; export the item again or "
                "generate a new GUID for it",
                file=file,
                line=_line_of_key(text, "logicalId"),
                path="config.logicalId",
            )
        )
    if problems:
        return None, problems
    return (
        PlatformMetadata(
            item_type=item_type,
            display_name=display_name,
            description=description if isinstance(description, str) else "",
            logical_id=logical_id,
        ),
        [],
    )
