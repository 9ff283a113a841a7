"""A canonical form of a definition, and its hash, for change detection.

What is sent and what ``getDefinition`` later returns differ in ways that are not
changes: the service regenerates ``.platform`` (all-zero logicalId, no ``$schema``),
stamps DataPipeline content (``properties.lastModifiedByObjectId``,
``properties.lastPublishTime``), re-indents JSON, keeps its own part order and may add a
byte order mark or CRLF line ends. :func:`normalise_definition` removes all of that, so
two definitions that mean the same have the same :func:`definition_hash`:

* ``.platform`` becomes ``{"metadata": {"type", "displayName", "description"?}}`` (its
  logicalId, ``$schema`` and ``config`` dropped; an empty description dropped);
* a UTF-8 part loses its byte order mark and has ``\\r\\n``/``\\r`` turned into ``\\n``;
* a part whose text is a JSON object or array is re-serialised with sorted keys and no
  whitespace, after dropping its top-level ``$schema`` and the type's service-stamped
  fields (see ``_STAMPED``);
* parts are sorted by path.

Text or binary is decided by content (valid UTF-8 or not), so both sides of a
comparison are treated alike whatever they were labelled. Normalising is idempotent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ._content_kind import translate_newlines
from ._item_types import PLATFORM_FILE, ItemType
from ._model import DefinitionPart

_STAMPED: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    (ItemType.DATA_PIPELINE.value, "pipeline-content.json"): (
        ("properties", "lastModifiedByObjectId"),
        ("properties", "lastPublishTime"),
    ),
}
"""(item type, part path) -> JSON paths the service writes on its own."""

_HASH_DOMAIN = b"fabric-action/definition-hash/v1\0"


def _canonical_json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _drop(document: dict[str, Any], path: tuple[str, ...]) -> None:
    parent: Any = document
    for key in path[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def _canonical_platform(text: str) -> str:
    document = json.loads(text)
    metadata = document.get("metadata") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        return _canonical_json(document)
    kept = {key: metadata[key] for key in ("type", "displayName") if key in metadata}
    if metadata.get("description"):
        kept["description"] = metadata["description"]
    return _canonical_json({"metadata": kept})


def _normalise_text(item_type: str, path: str, text: str) -> str:
    text = translate_newlines(text.removeprefix("\ufeff"))
    if not text.lstrip().startswith(("{", "[")):
        return text
    try:
        if path == PLATFORM_FILE:
            return _canonical_platform(text)
        document = json.loads(text)
    except json.JSONDecodeError:
        return text
    if isinstance(document, dict):
        document.pop("$schema", None)
        for stamped in _STAMPED.get((item_type, path), ()):
            _drop(document, stamped)
    return _canonical_json(document)


def normalise_definition(
    item_type: str, parts: Iterable[DefinitionPart]
) -> tuple[DefinitionPart, ...]:
    """Return the canonical form of a definition's parts (see the module docstring).

    Args:
        item_type: The item's type (selects the service-stamped fields to drop).
        parts: The parts, as sent or as ``getDefinition`` returned them.

    Returns:
        The canonical parts, sorted by path.
    """
    canonical: list[DefinitionPart] = []
    for part in parts:
        try:
            text = part.data.decode("utf-8")
        except UnicodeDecodeError:
            canonical.append(DefinitionPart(path=part.path, data=part.data, is_text=False))
            continue
        canonical.append(
            DefinitionPart.from_text(part.path, _normalise_text(item_type, part.path, text))
        )
    return tuple(sorted(canonical, key=lambda part: part.path))


def definition_hash(item_type: str, parts: Iterable[DefinitionPart]) -> str:
    """Return ``sha256:<hex>`` of the canonical form of a definition.

    Equal hashes mean the definitions are equal after :func:`normalise_definition`.
    """
    digest = hashlib.sha256(_HASH_DOMAIN)
    for part in normalise_definition(item_type, parts):
        path = part.path.encode("utf-8")
        for chunk in (path, part.data):
            digest.update(len(chunk).to_bytes(8, "big"))
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"
