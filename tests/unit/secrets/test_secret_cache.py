"""SecretCache: entries live exactly ttl_s on the injected clock."""

from __future__ import annotations

import pytest

from fabric_action.reliability import FakeClock
from fabric_action.secrets import DEFAULT_TTL_S, Secret, SecretCache


def test_default_ttl_is_one_hour() -> None:
    assert DEFAULT_TTL_S == 3600.0


def test_entry_is_served_until_just_before_the_ttl_and_dropped_at_it() -> None:
    clock = FakeClock()
    cache = SecretCache(clock, ttl_s=10.0)
    secret = Secret("v")
    cache.put("name", secret)

    clock.advance(9.999)
    just_before = cache.get("name")
    clock.advance(0.001)
    at_ttl = cache.get("name")

    assert just_before is secret
    assert at_ttl is None
    assert clock.sleeps == []


def test_names_are_case_insensitive_like_key_vault() -> None:
    cache = SecretCache(FakeClock(), ttl_s=10.0)
    cache.put("Db-Password", Secret("v"))

    assert cache.get("db-password") == Secret("v")


def test_zero_ttl_caches_nothing_and_negative_is_refused() -> None:
    cache = SecretCache(FakeClock(), ttl_s=0.0)
    cache.put("name", Secret("v"))

    assert cache.get("name") is None
    with pytest.raises(ValueError, match=">= 0"):
        SecretCache(FakeClock(), ttl_s=-1.0)


def test_clear_forgets_one_or_all() -> None:
    cache = SecretCache(FakeClock())
    for name in ("a", "b", "c"):
        cache.put(name, Secret(name))

    cache.clear("A")
    after_one = [cache.get(name) for name in ("a", "b")]
    cache.clear()

    assert after_one == [None, Secret("b")]
    assert cache.get("c") is None
