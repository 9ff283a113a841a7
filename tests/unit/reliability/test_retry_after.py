"""Retry-After parsing: the three headers, azure-core's (JS/.NET) precedence, junk, clamping."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabric_action.reliability import parse_retry_after
from fabric_action.reliability._retry_after import parse_retry_after_value

NOW_S = 1_700_000_000.0
NOW = datetime.fromtimestamp(NOW_S, tz=UTC)


def http_date(offset_s: float) -> str:
    return format_datetime(NOW + timedelta(seconds=offset_s), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"RETRY-AFTER": " 20 "}, 20.0),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "0"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"x-ms-retry-after-ms": "1500"}, 1.5),
        ({"Retry-After-Ms": "-10"}, 0.0),
        ({"Retry-After": http_date(30)}, 30.0),
        ({"Retry-After": http_date(-30)}, 0.0),
        ({"Retry-After": "Sun, 06 Nov 1994 08:49:37 -0000"}, 0.0),
        # precedence: retry-after-ms, then x-ms-retry-after-ms, then Retry-After
        ({"Retry-After": "9", "retry-after-ms": "100"}, 0.1),
        ({"Retry-After": "9", "x-ms-retry-after-ms": "200"}, 0.2),
        ({"x-ms-retry-after-ms": "200", "retry-after-ms": "100"}, 0.1),
        # junk is skipped, not fatal
        ({"retry-after-ms": "soon", "Retry-After": "4"}, 4.0),
        ({"retry-after-ms": "nan", "x-ms-retry-after-ms": "inf", "Retry-After": "4"}, 4.0),
        ({"retry-after-ms": http_date(30)}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "Mon, 99 Foo 2024 99:99:99 GMT"}, None),
        ({}, None),
        ({"Content-Type": "application/json"}, None),
    ],
)
def test_parses_each_form_with_precedence(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now_s=NOW_S) == expected


def test_http_date_is_resolved_against_the_injected_clock_not_the_real_one() -> None:
    header = {"Retry-After": http_date(60)}
    assert parse_retry_after(header, now_s=NOW_S) == 60.0
    assert parse_retry_after(header, now_s=NOW_S + 45) == 15.0


# -- property: >= 1,000 generated header sets ------------------------------------------

junk = st.text(max_size=12).filter(lambda s: _as_float(s) is None and not _is_date(s))
seconds_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(repr)
integer_values = st.integers(min_value=-(10**6), max_value=10**9).map(str)
date_values = st.integers(min_value=-(10**6), max_value=10**7).map(http_date)
ms_values = st.one_of(integer_values, seconds_values, junk)
retry_after_values = st.one_of(integer_values, seconds_values, date_values, junk)


def _as_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_date(text: str) -> bool:
    try:
        parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return True


def reference(headers: dict[str, str]) -> float | None:
    """An independent statement of the rule: first parseable header in precedence order."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 1000.0), ("x-ms-retry-after-ms", 1000.0)):
        value = _as_float(lowered.get(name, "x").strip())
        if value is not None:
            return max(0.0, value / scale)
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    value = _as_float(raw.strip())
    if value is not None:
        return max(0.0, value)
    if _is_date(raw.strip()):
        moment = parsedate_to_datetime(raw.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, moment.timestamp() - NOW_S)
    return None


def _case(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.upper(), name.title()])


header_sets = st.fixed_dictionaries(
    {},
    optional={
        "retry-after-ms": ms_values,
        "x-ms-retry-after-ms": ms_values,
        "retry-after": retry_after_values,
    },
).flatmap(
    lambda chosen: st.tuples(*(_case(name) for name in chosen)).map(
        lambda names: dict(zip(names, chosen.values(), strict=True))
    )
)


@settings(max_examples=1500, deadline=None)
@given(header_sets)
def test_generated_headers_follow_precedence_and_are_never_negative(
    headers: dict[str, str],
) -> None:
    parsed = parse_retry_after(headers, now_s=NOW_S)
    assert parsed == reference(headers)
    if parsed is not None:
        assert parsed >= 0.0
        assert math.isfinite(parsed)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_a_valid_ms_header_always_beats_retry_after(ms: int, seconds: int) -> None:
    headers = {"Retry-After": str(seconds), "x-ms-retry-after-ms": str(ms)}
    assert parse_retry_after(headers, now_s=NOW_S) == ms / 1000.0


def test_a_date_is_not_accepted_in_a_milliseconds_header() -> None:
    assert parse_retry_after_value(http_date(5), milliseconds=True, now_s=NOW_S) is None
    assert parse_retry_after_value(http_date(5), milliseconds=False, now_s=NOW_S) == 5.0
