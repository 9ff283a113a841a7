"""What a repository of Fabric items is, once read: items, their parts and folders."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INLINE_BASE64 = "InlineBase64"


@dataclass(frozen=True, order=True)
class ItemKey:
    """How Fabric tells items of a workspace apart: type and display name.

    Attributes:
        item_type: The item type as the wire spells it (``Notebook``, ``Report``...).
        display_name: The item's display name.
    """

    item_type: str
    display_name: str

    def __str__(self) -> str:
        return f"{self.display_name}.{self.item_type}"


@dataclass(frozen=True)
class DefinitionPart:
    """One file of an item definition, as it is sent to Fabric.

    Attributes:
        path: POSIX path relative to the item folder (``definition/tables/Sales.tmdl``).
        data: The payload bytes. For a text part these are the file's UTF-8 text with
            line endings translated to ``\\n`` (as fabric-cicd reads it); for a binary part
            the file's bytes.
        is_text: Whether rules (logical ids, parameters, workspace ids) apply to it.
    """

    path: str
    data: bytes
    is_text: bool

    @classmethod
    def from_text(cls, path: str, text: str) -> DefinitionPart:
        """Return a text part holding *text* encoded as UTF-8."""
        return cls(path=path, data=text.encode("utf-8"), is_text=True)

    @property
    def text(self) -> str:
        """Return the part's text.

        Raises:
            ValueError: When the part is binary.
        """
        if not self.is_text:
            raise ValueError(f"definition part {self.path!r} is binary")
        return self.data.decode("utf-8")

    @property
    def payload(self) -> str:
        """Return the base64 payload string of the part."""
        return base64.b64encode(self.data).decode("ascii")

    def to_wire(self) -> dict[str, str]:
        """Return the part as the REST API's ``{path, payload, payloadType}`` object."""
        return {"path": self.path, "payload": self.payload, "payloadType": INLINE_BASE64}


def parts_from_wire(parts: Iterable[Mapping[str, Any]]) -> tuple[DefinitionPart, ...]:
    """Return the parts of a ``definition.parts`` list (getDefinition), decoded.

    A part counts as text when its bytes are UTF-8; the REST API does not say.

    Raises:
        ValueError: When a part has no string path or payload, or the payload is not base64.
    """
    decoded: list[DefinitionPart] = []
    for raw in parts:
        path, payload = raw.get("path"), raw.get("payload")
        if not isinstance(path, str) or not isinstance(payload, str):
            raise ValueError(f"definition part without a path or payload: {dict(raw)!r}")
        data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            decoded.append(DefinitionPart(path=path, data=data, is_text=False))
        else:
            decoded.append(DefinitionPart(path=path, data=data, is_text=True))
    return tuple(decoded)


@dataclass(frozen=True, kw_only=True)
class SourceItem:
    """An item folder of the repository: its ``.platform`` metadata and its parts.

    Attributes:
        item_type: ``metadata.type`` of ``.platform`` (any string; unknown types pass).
        display_name: ``metadata.displayName``.
        description: ``metadata.description`` ("" when absent).
        logical_id: ``config.logicalId``; the all-zero placeholder is allowed.
        directory: The item folder, POSIX, relative to the repository root.
        folder_path: The workspace folder it belongs in: ``/Ingestion/Raw``, or "" for the
            workspace root. A child item (under ``<parent>/.children/``) takes its parent's.
        parts: Every definition file, ``.platform`` included, sorted by path.
        parent: The item whose ``.children/`` folder holds this one (a KQLDatabase of an
            Eventhouse), or None.
    """

    item_type: str
    display_name: str
    description: str
    logical_id: str
    directory: str
    folder_path: str
    parts: tuple[DefinitionPart, ...]
    parent: ItemKey | None = None

    @property
    def key(self) -> ItemKey:
        """Return the item's (type, display name)."""
        return ItemKey(self.item_type, self.display_name)

    def part(self, path: str) -> DefinitionPart | None:
        """Return the part at *path*, or None."""
        return next((part for part in self.parts if part.path == path), None)


@dataclass(frozen=True, kw_only=True)
class Repository:
    """Every item of a repository, read and checked, in a deterministic order.

    Attributes:
        root: The repository directory that was read.
        items: All items, sorted by folder; filters (:func:`select_items`) pick from these,
            and references resolve against all of them, like fabric-cicd.
        folders: Every workspace folder the items need, parents before children.
    """

    root: Path
    items: tuple[SourceItem, ...]
    folders: tuple[str, ...]
    _by_key: dict[ItemKey, SourceItem] = field(init=False, repr=False, compare=False)
    _by_directory: dict[str, SourceItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {item.key: item for item in self.items})
        by_directory = {item.directory: item for item in self.items}
        object.__setattr__(self, "_by_directory", by_directory)

    def get(self, key: ItemKey) -> SourceItem | None:
        """Return the item of that type and name, or None."""
        return self._by_key.get(key)

    def at(self, directory: str) -> SourceItem | None:
        """Return the item whose folder is *directory* (POSIX, root-relative), or None."""
        return self._by_directory.get(directory)
