"""Secret names: Key Vault's rule, and the ``.env`` spellings a name may have."""

from __future__ import annotations

import re

from ..errors import InvalidSecretNameError

MAX_NAME_LENGTH = 127
"""Key Vault's longest secret name, in characters."""
_NAME = re.compile(r"[0-9a-zA-Z-]+")


def validate_secret_name(name: str) -> str:
    """Return ``name`` when Key Vault accepts it as a secret name.

    Raises:
        InvalidSecretNameError: ``name`` is empty, longer than 127 characters, or has a
            character other than ASCII letters, digits and ``-``.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        shown = repr(name) if isinstance(name, str) and len(name) <= 140 else "(too long)"
        raise InvalidSecretNameError(
            f"invalid secret name {shown}: Key Vault names are 1-{MAX_NAME_LENGTH} ASCII "
            "letters, digits and '-' (for example 'fabric-client-secret'); rename it in the "
            "config and in the vault",
            secret_name=name if isinstance(name, str) else "",
        )
    return name


def dotenv_keys(name: str) -> tuple[str, ...]:
    """Return the ``.env`` keys that hold secret ``name``, most specific first.

    The name as written, then its environment-variable spelling (upper case, ``-`` as
    ``_``): ``fabric-client-secret`` is also found as ``FABRIC_CLIENT_SECRET``.
    """
    env_style = name.upper().replace("-", "_")
    return (name,) if env_style == name else (name, env_style)
