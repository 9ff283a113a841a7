"""Backoff delays: the documented 2 s, 4 s, 8 s floors, jitter that only adds, no overflow."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabric_action.reliability import RetryOptions
from fabric_action.reliability._backoff import add_jitter, exponential_delay_s


def test_defaults_are_two_four_eight_seconds() -> None:
    options = RetryOptions()
    assert [options.transient_delay_s(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert options.max_transient_retries == 3


def test_delays_saturate_at_the_cap_instead_of_overflowing() -> None:
    assert exponential_delay_s(10_000, first_s=2.0, multiplier=2.0, max_s=60.0) == 60.0
    assert exponential_delay_s(6, first_s=2.0, multiplier=2.0, max_s=60.0) == 60.0
    assert exponential_delay_s(5, first_s=2.0, multiplier=2.0, max_s=60.0) == 32.0
    assert exponential_delay_s(50, first_s=2.0, multiplier=1.0, max_s=60.0) == 2.0
    assert exponential_delay_s(1, first_s=0.0, multiplier=2.0, max_s=60.0) == 0.0


def test_retry_numbers_start_at_one() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        exponential_delay_s(0, first_s=2.0, multiplier=2.0, max_s=60.0)


def test_jitter_of_nothing_is_nothing() -> None:
    rng = random.Random(1)
    assert add_jitter(0.0, ratio=0.5, rng=rng) == 0.0
    assert add_jitter(3.0, ratio=0.0, rng=rng) == 3.0
    assert add_jitter(-1.0, ratio=0.5, rng=rng) == 0.0


@settings(max_examples=2000, deadline=None)
@given(
    retry_number=st.integers(min_value=1, max_value=1000),
    first_s=st.floats(min_value=0.001, max_value=30.0),
    multiplier=st.floats(min_value=1.0, max_value=4.0),
    max_s=st.floats(min_value=0.001, max_value=600.0),
    ratio=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_jittered_delay_stays_within_floor_and_floor_times_one_plus_ratio(
    retry_number: int, first_s: float, multiplier: float, max_s: float, ratio: float, seed: int
) -> None:
    floor = exponential_delay_s(retry_number, first_s=first_s, multiplier=multiplier, max_s=max_s)
    assert 0.0 <= floor <= max_s
    try:
        exact = min(max_s, first_s * multiplier ** (retry_number - 1))
    except OverflowError:
        exact = max_s
    assert floor == pytest.approx(exact, rel=1e-9)
    delay = add_jitter(floor, ratio=ratio, rng=random.Random(seed))
    assert floor <= delay <= floor * (1 + ratio)


def test_jitter_is_reproducible_with_a_seeded_rng() -> None:
    first = [add_jitter(2.0, ratio=0.25, rng=random.Random(7)) for _ in range(3)]
    assert len(set(first)) == 1
    spread = {add_jitter(2.0, ratio=0.25, rng=random.Random(seed)) for seed in range(50)}
    assert len(spread) > 40
