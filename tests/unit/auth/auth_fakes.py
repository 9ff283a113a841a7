"""Fakes for auth unit tests: a scripted Entra behind requests-mock, test certificates.

``FakeEntra`` serves the public cloud's discovery document and token endpoint for one
tenant from a session adapter: no sockets, no network. Each token answer is taken from
a queue (default: a fresh 3599 s token), and every token request is counted.
"""

from __future__ import annotations

import datetime
import itertools
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests
import requests_mock
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from fabric_action.auth import PUBLIC_CLOUD

TENANT = "contoso.onmicrosoft.com"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
AUTHORITY = f"{PUBLIC_CLOUD.authority_host}/{TENANT}"
TOKEN_URL = f"{AUTHORITY}/oauth2/v2.0/token"


@dataclass
class FakeEntra:
    """A scripted token endpoint; ``answers`` are (status, body) pairs used in order."""

    session: requests.Session
    adapter: requests_mock.Adapter
    answers: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    forms: list[dict[str, str]] = field(default_factory=list)
    delay: threading.Event | None = None
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        """Queue one answer of the token endpoint."""
        self.answers.append((status, body))

    @property
    def token_requests(self) -> int:
        """How many token requests arrived."""
        return len(self.forms)

    def _token(self, request: Any, context: Any) -> dict[str, Any]:
        if self.delay is not None:
            self.delay.wait(5)
        with self._lock:
            self.forms.append({k: v[0] for k, v in parse_qs(request.text).items()})
            status, body = (
                self.answers.popleft()
                if self.answers
                else (200, {"token_type": "Bearer", "expires_in": 3599})
            )
            if status == 200 and "access_token" not in body:
                body = {**body, "access_token": f"token-{next(self._serial)}"}
        context.status_code = status
        return body


def start_fake_entra() -> FakeEntra:
    """Return a public-cloud session whose Entra endpoints are scripted."""
    session = PUBLIC_CLOUD.http_session({})
    adapter = requests_mock.Adapter()
    session.mount("https://", adapter)
    fake = FakeEntra(session=session, adapter=adapter)
    adapter.register_uri(
        "GET",
        f"{AUTHORITY}/v2.0/.well-known/openid-configuration",
        json={
            "token_endpoint": TOKEN_URL,
            "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
            "issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        },
    )
    adapter.register_uri("POST", TOKEN_URL, json=fake._token)
    return fake


@dataclass(frozen=True)
class AppCertificate:
    """An RSA key and its self-signed certificate, in PEM."""

    key_pem: str
    cert_pem: str
    key: rsa.RSAPrivateKey

    def encrypted_key_pem(self, password: str) -> str:
        """Return the key encrypted with ``password``."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password.encode()),
        ).decode()

    def write(self, directory: Path, name: str = "app.pem", *, key_pem: str | None = None) -> Path:
        """Write key then certificate into one PEM file and return its path."""
        path = directory / name
        path.write_text((key_pem or self.key_pem) + self.cert_pem)
        return path


def make_certificate(common_name: str = "fabric-action-test") -> AppCertificate:
    """Generate a fresh RSA 2048 key and a self-signed certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return AppCertificate(
        key_pem=key_pem, cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(), key=key
    )
