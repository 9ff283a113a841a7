"""Check a resolved secret's shape against its field, without ever showing the value.

A value read from Key Vault or ``.env`` can be wrong in ways the config file cannot be:
empty, pasted with a line break, not PEM. Each check says what is wrong in words only;
the value (or any piece of it, its length included) is never part of a message, so a
rejected secret cannot leak through the very error that rejects it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # _references calls this module; the protocol is only a type here
    from ._references import SecretValue

_GUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_PEM_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")
_PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"


def secret_value_problem(field: str, value: SecretValue) -> str | None:
    """Return what is wrong with ``value`` as the secret field ``field``, or None.

    Args:
        field: The field's key: ``client_secret``, ``certificate``,
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
    if field == "certificate" and not (_PEM_KEY.search(text) and _PEM_CERTIFICATE in text):
        return (
            "the value is not a PEM private key with its certificate: store both "
            "'-----BEGIN ... PRIVATE KEY-----' and '-----BEGIN CERTIFICATE-----' blocks"
        )
    if field == "connection_string" and "instrumentationkey=" not in text.casefold():
        return (
            "the value is not an Application Insights connection string (it has no "
            "InstrumentationKey=): copy it from the resource's Overview page"
        )
    if field == "connection" and not _GUID.fullmatch(text):
        return "the value is not a Fabric connection id (a GUID): store the connection's id"
    return None
