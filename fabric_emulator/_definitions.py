"""Item definitions: validate what clients send, rebuild what ``getDefinition`` returns.

Pure functions over bytes and plain values; the routes keep the state. Evidence tags
follow reference/fabric-api.md: [S] spec, [R] recorded production traffic, [C] client
source, [D] Microsoft docs, [K] lower-confidence knowledge (public repositories).

What ``getDefinition`` does to a stored definition (:func:`returned_definition`):

1. ``.platform`` is never echoed: the service regenerates it from the item (schema
   ``platformProperties/2.0.0``, ``metadata.type``/``displayName``/``description`` (only
   when set), ``config.version`` "2.0", ``config.logicalId`` all zeros) [R, D; §9.4].
2. Parts come back in the order they were sent with ``.platform`` last, as in the spec's
   GetItemDefinition example [S].
3. ``format`` is present only for Report (``PBIR``/``PBIR-Legacy``), SemanticModel
   (``TMSL``/``TMDL``) and SQLDatabase (``dacpac``) [R; §9.4]; the sent format wins,
   otherwise it is inferred from the part paths.
4. DataPipeline ``pipeline-content.json`` gets ``properties.lastModifiedByObjectId`` and
   ``properties.lastPublishTime`` stamped by the service [K: public pipeline exports carry
   both fields, and tools that template pipelines strip them as "assigned by Fabric"].
5. Under the realism profile, other ``*.json`` parts are re-serialised in Fabric's
   normalised form (2-space indent, keys in the order sent) [K; DESIGN "definitions
   returned in Fabric's normalised form"]; Notebook parts stay exactly as sent. The default
   profile returns every part that is not regenerated or stamped byte for byte (the very
   payload string that was sent, padding included).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fabric_emulator._fabric_store import DefinitionPart
from fabric_emulator._http import FabricError

PLATFORM_PATH = ".platform"
PLATFORM_SCHEMA = (
    "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
    "platformProperties/2.0.0/schema.json"
)
ZERO_LOGICAL_ID = "00000000-0000-0000-0000-000000000000"
INLINE_BASE64 = "InlineBase64"
PIPELINE_CONTENT_PATH = "pipeline-content.json"


@dataclass(frozen=True, kw_only=True)
class PlatformMetadata:
    """What a sent ``.platform`` file says about the item (each field may be missing)."""

    type: str | None = None
    display_name: str | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class SentDefinition:
    """A validated definition from a request: ``.platform`` split from the other parts."""

    format: str | None
    parts: list[DefinitionPart]
    platform: PlatformMetadata | None


def _corrupted(message: str) -> FabricError:
    return FabricError(400, "CorruptedPayload", message)


def decode_payload(payload: str) -> bytes:
    """Decode a base64 payload; missing ``=`` padding is tolerated (the spec's examples omit it).

    Raises:
        ValueError: When ``payload`` holds characters outside the base64 alphabet.
    """
    padded = payload + "=" * (-len(payload) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from exc


def encode_payload(data: bytes) -> str:
    """Encode bytes as a padded base64 payload string."""
    return base64.b64encode(data).decode("ascii")


def _parse_part(raw: Any, index: int) -> DefinitionPart:
    if not isinstance(raw, dict):
        raise _corrupted(f"Definition part {index} must be an object")
    path, payload, payload_type = raw.get("path"), raw.get("payload"), raw.get("payloadType")
    if not isinstance(path, str) or not path.strip():
        raise _corrupted(f"Definition part {index} has no path")
    if path.startswith("/") or ".." in path.split("/") or "\\" in path:
        raise FabricError(
            400, "InvalidDefinitionParts", f"Part path '{path}' must be relative to the item"
        )
    if not isinstance(payload, str):
        raise _corrupted(f"Definition part '{path}' has no payload")
    if payload_type != INLINE_BASE64:
        raise FabricError(
            400, "UnsupportedPayloadType", f"Part '{path}' must have payloadType InlineBase64"
        )
    try:
        decode_payload(payload)
    except ValueError as exc:
        raise _corrupted(f"The payload of part '{path}' is not valid base64") from exc
    return DefinitionPart(path=path, payload=payload, payload_type=INLINE_BASE64)


def read_platform(data: bytes) -> PlatformMetadata:
    """Read ``metadata.type``/``displayName``/``description`` from a ``.platform`` file.

    Raises:
        FabricError: 400 ``InvalidPlatformFile`` when it is not a JSON object.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FabricError(400, "InvalidPlatformFile", "The .platform file is not JSON") from exc
    metadata = document.get("metadata") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        raise FabricError(400, "InvalidPlatformFile", "The .platform file has no metadata")

    def text(name: str) -> str | None:
        value = metadata.get(name)
        return value if isinstance(value, str) else None

    return PlatformMetadata(
        type=text("type"), display_name=text("displayName"), description=text("description")
    )


def parse_definition(raw: Any) -> SentDefinition:
    """Validate a request's ``definition`` object and split off its ``.platform`` part.

    Raises:
        FabricError: 400 ``CorruptedPayload`` (shape, path or base64), 400
            ``InvalidDefinitionParts`` (duplicate or escaping paths), 400
            ``UnsupportedPayloadType``, 400 ``InvalidPlatformFile``.
    """
    if not isinstance(raw, dict):
        raise _corrupted("The definition must be an object")
    definition_format = raw.get("format")
    if definition_format is not None and not isinstance(definition_format, str):
        raise _corrupted("The definition format must be a string")
    raw_parts = raw.get("parts")
    if not isinstance(raw_parts, list):
        raise _corrupted("The definition must have a list of parts")
    parts = [_parse_part(part, index) for index, part in enumerate(raw_parts)]
    seen: set[str] = set()
    for part in parts:
        if part.path.lower() in seen:
            raise FabricError(400, "InvalidDefinitionParts", f"Part '{part.path}' is duplicated")
        seen.add(part.path.lower())
    platform = next((part for part in parts if part.path == PLATFORM_PATH), None)
    return SentDefinition(
        format=definition_format or None,
        parts=[part for part in parts if part.path != PLATFORM_PATH],
        platform=read_platform(decode_payload(platform.payload)) if platform else None,
    )


def render_platform(item_type: str, display_name: str, description: str) -> bytes:
    """Build the ``.platform`` file the service returns (zero logicalId) [R, D]."""
    metadata: dict[str, str] = {"type": item_type, "displayName": display_name}
    if description:
        metadata["description"] = description
    document = {
        "$schema": PLATFORM_SCHEMA,
        "metadata": metadata,
        "config": {"version": "2.0", "logicalId": ZERO_LOGICAL_ID},
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def response_format(item_type: str, sent_format: str | None, paths: Sequence[str]) -> str | None:
    """Return the ``format`` getDefinition reports, or None where Fabric leaves it out [R]."""
    if item_type == "Report":
        if sent_format:
            return sent_format
        return "PBIR" if any(p.startswith("definition/") for p in paths) else "PBIR-Legacy"
    if item_type == "SemanticModel":
        if sent_format:
            return sent_format
        return "TMSL" if "model.bim" in paths else "TMDL"
    if item_type == "SQLDatabase":
        return sent_format or "dacpac"
    return None


def _json_document(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _dump_json(document: Any) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def normalise_json(data: bytes) -> bytes:
    """Re-serialise a JSON document the way Fabric stores it (2-space indent, order kept).

    Anything that is not JSON comes back unchanged.
    """
    document = _json_document(data)
    return data if document is None else _dump_json(document)


def stamp_pipeline_content(data: bytes, *, object_id: str, modified_s: float) -> bytes:
    """Add the service-stamped ``lastModifiedByObjectId``/``lastPublishTime`` [K].

    A document without a ``properties`` object comes back unchanged.
    """
    document = _json_document(data)
    properties = document.get("properties") if isinstance(document, dict) else None
    if not isinstance(properties, dict):
        return data
    moment = datetime.fromtimestamp(modified_s, tz=UTC)
    properties["lastModifiedByObjectId"] = object_id
    properties["lastPublishTime"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _dump_json(document)


@dataclass(frozen=True, kw_only=True)
class StoredDefinition:
    """Everything :func:`returned_definition` needs to know about an item."""

    item_type: str
    display_name: str
    description: str
    format: str | None
    parts: Sequence[DefinitionPart]
    modified_by: str
    modified_s: float


def _returned_payload(stored: StoredDefinition, part: DefinitionPart, *, realism: bool) -> str:
    if stored.item_type == "DataPipeline" and part.path == PIPELINE_CONTENT_PATH:
        stamped = stamp_pipeline_content(
            decode_payload(part.payload),
            object_id=stored.modified_by,
            modified_s=stored.modified_s,
        )
        return encode_payload(stamped)
    if realism and stored.item_type != "Notebook" and part.path.lower().endswith(".json"):
        return encode_payload(normalise_json(decode_payload(part.payload)))
    return part.payload


def returned_definition(stored: StoredDefinition, *, realism: bool) -> dict[str, Any]:
    """Build the ``definition`` object of a getDefinition result (see the module docstring)."""
    parts = [
        {
            "path": part.path,
            "payload": _returned_payload(stored, part, realism=realism),
            "payloadType": INLINE_BASE64,
        }
        for part in stored.parts
    ]
    platform = render_platform(stored.item_type, stored.display_name, stored.description)
    parts.append(
        {"path": PLATFORM_PATH, "payload": encode_payload(platform), "payloadType": INLINE_BASE64}
    )
    definition: dict[str, Any] = {}
    definition_format = response_format(
        stored.item_type, stored.format, [part.path for part in stored.parts]
    )
    if definition_format:
        definition["format"] = definition_format
    definition["parts"] = parts
    return definition


def value_set_names(parts: Sequence[DefinitionPart]) -> list[str]:
    """Return the value sets of a VariableLibrary definition (``valueSets/<name>.json``).

    The name is the file's ``name`` field when it has one, else the file name [D
    variable-library definition; C fabric-cicd reads ``settings.json`` ``valueSetsOrder``].
    """
    names: list[str] = []
    for part in parts:
        folder, _, file_name = part.path.rpartition("/")
        if folder.lower() != "valuesets" or not file_name.lower().endswith(".json"):
            continue
        document = _json_document(decode_payload(part.payload))
        declared = document.get("name") if isinstance(document, dict) else None
        names.append(declared if isinstance(declared, str) and declared else file_name[:-5])
    return names
