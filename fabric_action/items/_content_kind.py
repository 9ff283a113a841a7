"""Tell text parts from binary ones, the way fabric-cicd 1.4.0 does.

fabric-cicd (``_common/_check_utils.check_file_type``) asks the ``filetype`` package for
the file's magic number: an ``application/*`` or ``image/*`` signature makes the file
binary; anything else is read as UTF-8 text, with Python's universal newlines (``\\r\\n``
and ``\\r`` become ``\\n``). Only text parts get logical ids, parameters and workspace
ids replaced.

One deliberate difference: a file with no binary signature that is not valid UTF-8 (a
Latin-1 CSV, a UTF-16 file) is binary here and is sent byte for byte. fabric-cicd builds
but never raises its read error there, and sends the part *empty*.
"""

from __future__ import annotations

import filetype  # type: ignore[import-untyped]

_BINARY_MIME_PREFIXES = ("application/", "image/")


def has_binary_signature(data: bytes) -> bool:
    """Return whether the bytes start with a signature ``filetype`` calls application/image."""
    kind = filetype.guess(data) if data else None
    if kind is None:
        return False
    mime: str = kind.mime
    return mime.startswith(_BINARY_MIME_PREFIXES)


def translate_newlines(text: str) -> str:
    """Return *text* with ``\\r\\n`` and lone ``\\r`` turned into ``\\n`` (universal newlines)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def classify_content(data: bytes) -> tuple[bytes, bool]:
    """Return the payload bytes of a file and whether it is a text part.

    Args:
        data: The file's bytes, as read from disk.

    Returns:
        ``(payload, is_text)``: for text, the UTF-8 encoding of the text after newline
        translation; for binary, *data* itself.
    """
    if has_binary_signature(data):
        return data, False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data, False
    return translate_newlines(text).encode("utf-8"), True
