"""Read a config file: size limit, UTF-8, then YAML or JSON into a positioned document."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from ..errors import ConfigFileError
from ._document import ParsedDocument, Position
from ._json_reader import JsonComposer
from ._limits import FatalParseError, ParseLimits, position_of_index, problem_at
from ._yaml_reader import EventSourceFactory, YamlComposer

# Characters YAML 1.2 calls printable (and JSON allows outside strings only as spaces).
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WIDE_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
_UTF8_BOM = "\ufeff"
_CHUNK_BYTES = 64 * 1024


def read_config_file(
    path: Path,
    *,
    file: str,
    limits: ParseLimits,
    event_source: EventSourceFactory | None = None,
) -> ParsedDocument:
    """Read, decode and parse the config file at *path*.

    A ``.json`` file is read as strict JSON; anything else as YAML.

    Args:
        path: The file to read.
        file: Its name as the user gave it, for messages.
        limits: Size, depth, node and alias bounds.
        event_source: The YAML parser factory (tests use both PyYAML parsers).

    Raises:
        ConfigFileError: The file is missing, too large, not UTF-8, empty, not a mapping,
            or not valid YAML/JSON; every problem found is listed, each with its place.
    """
    raw = _read_bounded(path, file, limits.max_bytes)
    text = _decode(raw, file)
    if not text.strip():
        raise _single(file, "file.empty", _EMPTY_MESSAGE)
    try:
        if path.suffix.lower() == ".json":
            json_composer = JsonComposer(text, file, limits)
            data = json_composer.compose()
            problems, values, keys = (
                json_composer.problems,
                json_composer.value_positions,
                json_composer.key_positions,
            )
        else:
            yaml_composer = YamlComposer(text, file, limits, event_source)
            data = yaml_composer.compose()
            problems, values, keys = (
                yaml_composer.problems,
                yaml_composer.value_positions,
                yaml_composer.key_positions,
            )
    except FatalParseError as fatal:
        raise fatal.to_config_error() from None
    if data is None:
        raise _single(file, "file.empty", _EMPTY_MESSAGE)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        problems.append(
            problem_at(
                file,
                "file.not-a-mapping",
                f"the file holds {kind}; a config is a mapping with the keys version, "
                "project and environments",
                values.get(()),
            )
        )
    if problems:
        raise ConfigFileError(problems)
    assert isinstance(data, dict)
    return ParsedDocument(file=file, data=data, value_positions=values, key_positions=keys)


_EMPTY_MESSAGE = (
    "the file is empty; a config needs at least version, project and environments "
    "(see the configuration reference in the README)"
)


def _single(
    file: str, code: str, message: str, position: Position | None = None
) -> ConfigFileError:
    return ConfigFileError([problem_at(file, code, message, position)])


def _read_bounded(path: Path, file: str, max_bytes: int) -> bytes:
    too_large = (
        f"the file is larger than the {max_bytes:,}-byte limit for config files; "
        "is this the right file?"
    )
    try:
        with path.open("rb") as stream:
            if path.stat().st_size > max_bytes:
                raise _single(file, "file.too-large", too_large)
            raw = _read_at_most(stream, max_bytes + 1)  # special files report no size
    except FileNotFoundError:
        raise _single(
            file,
            "file.not-found",
            "config file not found; pass --config (or the 'config' input) with the path "
            "of fabric-action.yml",
        ) from None
    except IsADirectoryError:
        raise _single(file, "file.unreadable", "this is a directory, not a config file") from None
    except OSError as exc:
        raise _single(file, "file.unreadable", f"cannot read the file: {exc.strerror}") from None
    if len(raw) > max_bytes:
        raise _single(file, "file.too-large", too_large)
    return raw


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    # In chunks: read(limit) would allocate the whole limit up front, even for a tiny file.
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(_CHUNK_BYTES, remaining))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _decode(raw: bytes, file: str) -> str:
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            raise _single(
                file,
                "file.encoding",
                f"the file is {encoding} (it starts with a {encoding} byte order mark); "
                "save it as UTF-8",
                (1, 1),
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _single(
            file,
            "file.encoding",
            f"the file is not valid UTF-8: byte 0x{raw[exc.start]:02x} at byte offset "
            f"{exc.start} ({exc.reason}); save the file as UTF-8",
            (line, column),
        ) from None
    text = text.removeprefix(_UTF8_BOM)
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        raise _single(
            file,
            "file.control-character",
            f"the control character U+{ord(bad.group()):04X} is not allowed in a config "
            "file; remove it (escape it inside a double-quoted string if needed)",
            position_of_index(text, bad.start()),
        )
    return text
