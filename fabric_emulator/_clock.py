"""The emulator clock: every time-based behaviour reads it, and tests steer it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class EmulatorClock:
    """Give emulator time: real time, scaled and shifted by the control API.

    ``now()`` is ``start + offset + (monotonic elapsed) * scale``. A scale of 0 freezes
    time so a test fully decides when an LRO ends, a name is freed or a token expires;
    ``advance(seconds)`` moves it forward without anybody sleeping.

    Args:
        start_epoch_s: Emulator time at construction (default: the real wall clock).
        scale: How many emulator seconds pass per real second (default 1.0; 0 freezes).
    """

    def __init__(self, *, start_epoch_s: float | None = None, scale: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._base_s = time.time() if start_epoch_s is None else start_epoch_s
        self._anchor_mono_s = time.monotonic()
        self._scale = scale

    def now(self) -> float:
        """Return emulator time in seconds since the epoch."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        return self._base_s + (time.monotonic() - self._anchor_mono_s) * self._scale

    def now_datetime(self) -> datetime:
        """Return emulator time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=UTC)

    @property
    def scale(self) -> float:
        """Emulator seconds per real second."""
        with self._lock:
            return self._scale

    def advance(self, seconds: float) -> float:
        """Move emulator time forward by ``seconds`` (never backwards) and return it."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._base_s += seconds
            return self._now_locked()

    def set_scale(self, scale: float) -> None:
        """Change how fast emulator time flows from now on (0 freezes it)."""
        if scale < 0:
            raise ValueError("scale must be >= 0")
        with self._lock:
            self._base_s = self._now_locked()
            self._anchor_mono_s = time.monotonic()
            self._scale = scale

    def snapshot(self) -> dict[str, float]:
        """Describe the clock for the control API."""
        with self._lock:
            return {"now_epoch_s": self._now_locked(), "scale": self._scale}


def format_fabric_timestamp(epoch_s: float, *, with_zone: bool = True) -> str:
    """Format a timestamp the way Fabric does: 7 fractional digits, ``Z`` optional.

    Real LRO timestamps come without ``Z`` (reference §1); the realism profile uses that.
    """
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond:06d}0"
    return text + "Z" if with_zone else text
