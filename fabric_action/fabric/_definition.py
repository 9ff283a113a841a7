"""Item definitions: the parts (files) of an item, base64-encoded, and their format."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._models import MalformedBodyError, optional_text, require_object, required_text

__all__ = ["INLINE_BASE64", "PLATFORM_PART", "Definition", "DefinitionPart"]

PLATFORM_PART = ".platform"
INLINE_BASE64 = "InlineBase64"


@dataclass(frozen=True, kw_only=True)
class DefinitionPart:
    """One file of an item definition.

    Attributes:
        path: Path relative to the item folder, forward slashes (``.platform``,
            ``definition/model.tmdl``).
        payload: The content, base64-encoded.
        payload_type: Always ``InlineBase64`` today.
    """

    path: str
    payload: str
    payload_type: str = INLINE_BASE64

    @classmethod
    def from_bytes(cls, path: str, content: bytes) -> DefinitionPart:
        """Build a part from raw file content."""
        return cls(path=path, payload=base64.b64encode(content).decode("ascii"))

    @property
    def content(self) -> bytes:
        """Return the decoded payload.

        Raises:
            MalformedBodyError: The payload is not base64.
        """
        try:
            return base64.b64decode(self.payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedBodyError(f"definition part {self.path!r} is not base64") from exc

    def to_json(self) -> dict[str, str]:
        """Render for a request body."""
        return {"path": self.path, "payload": self.payload, "payloadType": self.payload_type}

    @classmethod
    def from_json(cls, data: Any) -> DefinitionPart:
        """Read one part."""
        body = require_object(data, "definition part")
        return cls(
            path=required_text(body, "path", "definition part"),
            payload=optional_text(body, "payload") or "",
            payload_type=optional_text(body, "payloadType") or INLINE_BASE64,
        )


@dataclass(frozen=True, kw_only=True)
class Definition:
    """An item definition: its parts and, for some types, a format (``TMDL``, ``PBIR``...).

    Attributes:
        parts: The parts, in the order sent or returned.
        format: The definition format, or None (the type's default).
    """

    parts: tuple[DefinitionPart, ...] = field(default_factory=tuple)
    format: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Render for a request body (``format`` only when set)."""
        body: dict[str, Any] = {"parts": [part.to_json() for part in self.parts]}
        if self.format:
            body["format"] = self.format
        return body

    @classmethod
    def from_json(cls, data: Any) -> Definition:
        """Read a ``definition`` object (or a body holding one under ``definition``)."""
        body = require_object(data, "definition")
        inner = body.get("definition")
        if isinstance(inner, Mapping):
            body = inner
        parts = body.get("parts")
        if not isinstance(parts, Sequence) or isinstance(parts, str):
            raise MalformedBodyError("definition: the field 'parts' is missing")
        return cls(
            parts=tuple(DefinitionPart.from_json(part) for part in parts),
            format=optional_text(body, "format"),
        )

    def platform_display_name(self) -> str | None:
        """Return ``metadata.displayName`` of the ``.platform`` part, if it has one.

        The service applies it on create (and on update with ``updateMetadata``), so the
        item is found under this name, not the request's ``displayName``.
        """
        for part in self.parts:
            if part.path != PLATFORM_PART:
                continue
            try:
                document = json.loads(part.content)
            except (MalformedBodyError, ValueError):
                return None
            metadata = document.get("metadata") if isinstance(document, Mapping) else None
            return optional_text(metadata, "displayName") if isinstance(metadata, Mapping) else None
        return None
