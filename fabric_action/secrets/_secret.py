"""The secret value type: prints as ``***`` everywhere, revealed only on request."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Final, NoReturn, final

MASK: Final = "***"
"""What a secret looks like in every ``repr``, ``str``, f-string and log line."""


@final
class Secret:
    """A secret value that never shows itself by accident.

    ``repr``, ``str`` and every format spec give ``***``; :meth:`reveal` is the one way
    to the value, so each use of the plaintext is a visible, greppable call. Equality is
    constant-time and only between secrets (a ``Secret`` never equals a ``str``, so a
    comparison cannot quietly reveal a value through an assertion message). Pickling and
    ``vars()`` are refused: a secret must not reach a file, a cache or another process in
    clear. The trade-off: code that really needs the value has to call ``reveal()`` at the
    last moment, which is the point.

    Args:
        value: The plaintext.
    """

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
        self.__value = value

    def reveal(self) -> str:
        """Return the plaintext; call it where the value leaves for its one true use."""
        return self.__value

    def __repr__(self) -> str:
        return MASK

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return format(MASK, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self.__value.encode("utf-8"), other.__value.encode("utf-8"))

    def __hash__(self) -> int:
        # A digest, not the value's own hash, so equal secrets hash alike without the
        # plaintext ever being handed to another hashing routine.
        return hash(hashlib.sha256(self.__value.encode("utf-8")).digest())

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret cannot be pickled: it would leave the process in clear")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self
