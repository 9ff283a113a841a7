"""Read how long a server asked us to wait, from its Retry-After headers.

Precedence follows azure-core's JavaScript and .NET pipelines: the millisecond headers
first (they are the precise value; ``Retry-After`` is the same wait rounded to whole
seconds for older clients), then ``Retry-After`` as delta-seconds or an HTTP-date.
azure-core for *Python* reads ``Retry-After`` first; when a server sends both, the two
agree up to rounding, so the choice only matters for sub-second precision.

A header that does not parse is skipped, not fatal, so a garbled ``retry-after-ms`` still
leaves ``Retry-After`` in charge; when nothing parses the answer is ``None`` and the caller
applies its documented default. Negative values and dates in the past clamp to 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime

__all__ = ["RETRY_AFTER_HEADERS", "parse_retry_after", "parse_retry_after_value"]

RETRY_AFTER_HEADERS = ("retry-after-ms", "x-ms-retry-after-ms", "retry-after")
"""Headers read, highest precedence first (names compared case-insensitively)."""


def parse_retry_after(headers: Mapping[str, str], *, now_s: float) -> float | None:
    """Return the server's requested wait in seconds, or None when no header parses.

    Args:
        headers: Response headers; any mapping, names compared case-insensitively.
        now_s: Current wall-clock time (epoch seconds) from the injected clock, used to
            turn an HTTP-date into a delay, so tests on a fake clock stay exact.

    Returns:
        Seconds to wait (>= 0, finite), or None.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in RETRY_AFTER_HEADERS:
        raw = lowered.get(name)
        if raw is None:
            continue
        seconds = parse_retry_after_value(raw, milliseconds=name != "retry-after", now_s=now_s)
        if seconds is not None:
            return seconds
    return None


def parse_retry_after_value(raw: str, *, milliseconds: bool, now_s: float) -> float | None:
    """Parse one header value: a number (of ms or s) or, for seconds, an HTTP-date.

    Returns:
        Seconds (>= 0, finite), or None for anything unparseable.
    """
    text = raw.strip()
    number = _finite_float(text)
    if number is not None:
        return max(0.0, number / 1000.0 if milliseconds else number)
    if milliseconds:
        return None
    return _seconds_until_http_date(text, now_s)


def _finite_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _seconds_until_http_date(text: str, now_s: float) -> float | None:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # "-0000" means UTC with no claim about the local zone
        moment = moment.replace(tzinfo=UTC)
    try:
        delay = moment.timestamp() - now_s
    except (OverflowError, OSError, ValueError):  # pragma: no cover - platform limits
        return None
    return max(0.0, delay) if math.isfinite(delay) else None
