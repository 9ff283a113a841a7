"""Pure delay functions: capped exponential backoff and jitter that only ever adds."""

from __future__ import annotations

import math
import random

__all__ = ["add_jitter", "exponential_delay_s"]


def exponential_delay_s(
    retry_number: int, *, first_s: float, multiplier: float, max_s: float
) -> float:
    """Return ``first_s * multiplier ** (retry_number - 1)``, capped at ``max_s``.

    Fixed exponential growth suits a resource that is briefly unavailable (a 503 while a
    node restarts); contention between many clients is what the added jitter is for.
    Saturates instead of overflowing, so retry number 10,000 is as safe as 3.

    Args:
        retry_number: 1 for the first retry.
        first_s: Delay before the first retry, in seconds.
        multiplier: Growth per retry (>= 1).
        max_s: Cap on the delay, in seconds.
    """
    if retry_number < 1:
        raise ValueError("retry_number starts at 1")
    if first_s <= 0:
        return 0.0
    exponent = retry_number - 1
    if multiplier > 1 and exponent > math.log(max_s / first_s) / math.log(multiplier):
        return max_s
    return min(max_s, first_s * multiplier**exponent)


def add_jitter(delay_s: float, *, ratio: float, rng: random.Random) -> float:
    """Return ``delay_s`` plus a uniform extra in ``[0, ratio * delay_s)``.

    Jitter only adds: a wait the server asked for (Retry-After) or the documented backoff
    is a floor, never shortened, so parallel jobs spread out *after* the floor rather than
    some of them knocking early (the mistake of full jitter applied to Retry-After).
    """
    if delay_s <= 0 or ratio <= 0:
        return max(0.0, delay_s)
    return delay_s + rng.random() * ratio * delay_s
