"""Fixtures of the auth unit tests (the fakes live in auth_fakes.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from auth_fakes import AppCertificate, FakeEntra, make_certificate, start_fake_entra


@pytest.fixture
def fake_entra() -> Iterator[FakeEntra]:
    """A public-cloud session whose Entra endpoints are scripted."""
    fake = start_fake_entra()
    yield fake
    fake.session.close()


@pytest.fixture(scope="session")
def certificate() -> AppCertificate:
    """One certificate for the whole run (key generation is slow)."""
    return make_certificate()
