"""A time-to-live cache of secrets, on an injected clock."""

from __future__ import annotations

import threading

from ..reliability import Clock
from ._secret import Secret

DEFAULT_TTL_S = 3600.0
"""How long a fetched secret is reused, in seconds (the seed's one hour)."""


class SecretCache:
    """Secrets by name (case-insensitive, as in Key Vault) for ``ttl_s`` seconds.

    An entry stored at monotonic time ``t`` is served while ``now - t < ttl_s``: at
    exactly ``ttl_s`` it has expired. A TTL of 0 caches nothing.

    Args:
        clock: Where time comes from (monotonic).
        ttl_s: Lifetime of an entry, in seconds (default 3,600).
    """

    def __init__(self, clock: Clock, ttl_s: float = DEFAULT_TTL_S) -> None:
        if ttl_s < 0:
            raise ValueError(f"the secret cache TTL must be >= 0 s, got {ttl_s}")
        self._clock = clock
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Secret]] = {}

    def get(self, name: str) -> Secret | None:
        """Return the cached secret, or None when absent or expired (and drop it then)."""
        key = name.lower()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, secret = entry
            if self._clock.monotonic() - stored_at < self._ttl_s:
                return secret
            del self._entries[key]
            return None

    def put(self, name: str, secret: Secret) -> None:
        """Remember ``secret`` from now on (a TTL of 0 remembers nothing)."""
        if self._ttl_s == 0:
            return
        with self._lock:
            self._entries[name.lower()] = (self._clock.monotonic(), secret)

    def clear(self, name: str | None = None) -> None:
        """Forget one secret, or all of them."""
        with self._lock:
            if name is None:
                self._entries.clear()
            else:
                self._entries.pop(name.lower(), None)
