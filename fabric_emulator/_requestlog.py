"""The request log: what every client sent and got, for tests to assert on."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

_MAX_ENTRIES = 200_000


@dataclass(frozen=True, kw_only=True)
class LogEntry:
    """One request as the emulator saw it.

    ``at_s`` is emulator time when the request arrived; ``duration_ms`` is real time spent
    answering. ``authorization`` records whether an Authorization header came with it (the
    test of "the token never reaches a host outside the allow-list" reads this).
    """

    seq: int
    at_s: float
    method: str
    path: str
    query: str
    status: int
    identity: str | None
    duration_ms: float
    request_id: str
    listener: str
    host: str
    authorization: bool
    retry_after: str | None
    injected: tuple[str, ...]
    error_code: str | None


class RequestLog:
    """A bounded, thread-safe list of :class:`LogEntry`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LogEntry] = deque(maxlen=_MAX_ENTRIES)
        self._next_seq = 1

    def next_seq(self) -> int:
        """Reserve the sequence number of a new request."""
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            return seq

    def append(self, entry: LogEntry) -> None:
        """Record a finished request."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, *, since_seq: int = 0) -> list[LogEntry]:
        """Return entries with ``seq > since_seq``, oldest first."""
        with self._lock:
            return sorted((e for e in self._entries if e.seq > since_seq), key=lambda e: e.seq)

    def clear(self) -> None:
        """Forget every entry (sequence numbers keep counting)."""
        with self._lock:
            self._entries.clear()

    def to_json(self, *, since_seq: int = 0) -> list[dict[str, Any]]:
        """Serialise entries for the control API."""
        return [asdict(entry) for entry in self.entries(since_seq=since_seq)]
