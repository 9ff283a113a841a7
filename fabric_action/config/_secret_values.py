"""Check a resolved secret's shape against its field, without ever showing the value.

A value read from Key Vault or ``.env`` can be wrong in ways the config file cannot be:
empty, pasted with a line break, a certificate that is neither PEM nor a PKCS#12 file.
Each check says what is wrong in words only; the value (or any piece of it, its length
included) is never part of a message, so a rejected secret cannot leak through the very
error that rejects it.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # _references calls this module; the protocol is only a type here
    from ._references import SecretValue

_GUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_PEM_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")
_PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
_PEM_BEGIN = "-----BEGIN "
_WHITESPACE = re.compile(r"\s+")
_PFX_VERSION = b"\x02\x01\x03"  # PFX ::= SEQUENCE { version INTEGER (v3), ... }


def _is_base64_pkcs12(text: str) -> bool:
    """Return whether *text* is the base64 of a PKCS#12 (PFX) file.

    Key Vault exposes a certificate whose content type is ``application/x-pkcs12`` (the
    default) as a secret whose value is the base64 of its PFX; a value pasted with line
    breaks is accepted too. Only the outer DER shape is checked (a SEQUENCE whose first
    element is the version 3): opening the file may need its password.

    The deploy reads the value the same way (``scenarios/deploy/_certificate``): PEM when
    it holds a ``-----BEGIN`` line, else base64.
    """
    try:
        data = base64.b64decode(_WHITESPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(data) < 5 or data[0] != 0x30:
        return False
    length_octets = data[1] & 0x7F if data[1] & 0x80 else 0  # 0x80 alone: BER indefinite
    start = 2 + length_octets
    return data[start : start + 3] == _PFX_VERSION


def secret_value_problem(field: str, value: SecretValue) -> str | None:
    """Return what is wrong with ``value`` as the secret field ``field``, or None.

    Args:
        field: The field's key: ``client_secret``, ``certificate`` (PEM or base64
            PKCS#12), ``certificate_password`` (any non-blank value),
            ``connection_string`` or ``connection`` (a workspace's Git connection).
        value: The resolved secret; revealed here only to be inspected.
    """
    text = value.reveal()
    if not text.strip():
        return "the value is empty (or only whitespace): store the real value"
    if field == "client_secret" and any(character.isspace() for character in text):
        return (
            "the value contains whitespace or a line break, which no Entra client secret "
            "has: store it again without the surrounding text"
        )
    if field == "certificate" and not _is_certificate(text):
        return (
            "the value is not a PEM private key with its certificate, nor the base64 of "
            "a PKCS#12 (.pfx) file: store both '-----BEGIN ... PRIVATE KEY-----' and "
            "'-----BEGIN CERTIFICATE-----' blocks, or the .pfx file in base64 (what Key "
            "Vault stores for a certificate; `base64 -w0 cert.pfx`)"
        )
    if field == "connection_string" and "instrumentationkey=" not in text.casefold():
        return (
            "the value is not an Application Insights connection string (it has no "
            "InstrumentationKey=): copy it from the resource's Overview page"
        )
    if field == "connection" and not _GUID.fullmatch(text):
        return "the value is not a Fabric connection id (a GUID): store the connection's id"
    return None


def _is_certificate(text: str) -> bool:
    if _PEM_BEGIN in text:
        return bool(_PEM_KEY.search(text)) and _PEM_CERTIFICATE in text
    return _is_base64_pkcs12(text)
