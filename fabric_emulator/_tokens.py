"""RS256 signing keys, access-token minting and bearer-token checks."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

FABRIC_AUDIENCE = "https://api.fabric.microsoft.com"
GRAPH_AUDIENCE = "https://graph.microsoft.com"
KEY_VAULT_AUDIENCE = "https://vault.azure.net"
_KEY_FILE = "token-signing-key.pem"


class TokenRejectedError(Exception):
    """A bearer token was missing, malformed, wrongly signed, for another audience or expired."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True, kw_only=True)
class Identity:
    """Who called: the claims the emulator cares about."""

    object_id: str
    app_id: str
    tenant_id: str
    audience: str
    kind: str = "ServicePrincipal"

    @property
    def key(self) -> str:
        """Return the quota/throttling key (Fabric limits per caller identity)."""
        return self.object_id


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SigningKeys:
    """The RSA key the emulator signs every JWT with, and its JWKS form."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._private_key = private_key
        public_der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = base64.urlsafe_b64encode(hashlib.sha1(public_der).digest()).decode()  # noqa: S324
        self.kid = self.kid.rstrip("=")

    @classmethod
    def generate(cls) -> SigningKeys:
        """Make a fresh 2048-bit key."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def load_or_create(cls, state_dir: Path | None) -> SigningKeys:
        """Reuse the key kept in ``state_dir`` so tokens survive a restart; else make one."""
        if state_dir is None:
            return cls.generate()
        path = state_dir / _KEY_FILE
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if isinstance(key, rsa.RSAPrivateKey):
                return cls(key)
        keys = cls.generate()
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            keys._private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return keys

    def jwks(self) -> dict[str, Any]:
        """Return the JSON Web Key Set Entra serves at ``/discovery/v2.0/keys``."""
        numbers = self._private_key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "x5t": self.kid,
                    "n": _b64url_uint(numbers.n),
                    "e": _b64url_uint(numbers.e),
                }
            ]
        }

    def sign(self, claims: dict[str, Any]) -> str:
        """Sign ``claims`` as an RS256 JWT with this key's ``kid``."""
        return jwt.encode(
            claims, self._private_key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"}
        )

    def decode(
        self, token: str, *, audience: str | list[str] | None, now_epoch_s: float
    ) -> dict[str, Any]:
        """Verify signature, audience and expiry against emulator time; return the claims.

        Raises:
            TokenRejectedError: ``InvalidToken`` or ``TokenExpired``.
        """
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._private_key.public_key(),
                algorithms=["RS256"],
                audience=audience,
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.InvalidAudienceError as exc:
            raise TokenRejectedError(
                "InvalidToken", f"The token audience is not valid: {exc}"
            ) from exc
        except jwt.PyJWTError as exc:
            raise TokenRejectedError("InvalidToken", f"The access token is invalid: {exc}") from exc
        expires = claims.get("exp")
        if not isinstance(expires, int | float):
            raise TokenRejectedError("InvalidToken", "The access token has no expiry")
        if expires <= now_epoch_s:
            raise TokenRejectedError(
                "TokenExpired", "Access token has expired, resubmit with a new one"
            )
        return claims


def unverified_header(token: str) -> dict[str, Any]:
    """Return a JWT's header without checking anything (to pick a key)."""
    try:
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRejectedError("InvalidToken", f"Malformed token: {exc}") from exc
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """Return a JWT's claims without checking anything (to read its issuer first)."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenRejectedError("InvalidToken", f"Malformed token: {exc}") from exc
    return claims


def mint_access_token(
    keys: SigningKeys,
    *,
    issuer_base: str,
    tenant_id: str,
    audience: str,
    object_id: str,
    app_id: str,
    now_epoch_s: float,
    lifetime_s: int,
) -> str:
    """Mint an app-only access token shaped like Entra's v1 tokens for Fabric."""
    now = int(now_epoch_s)
    return keys.sign(
        {
            "aud": audience,
            "iss": f"{issuer_base}/{tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_s,
            "tid": tenant_id,
            "oid": object_id,
            "sub": object_id,
            "appid": app_id,
            "azp": app_id,
            "idtyp": "app",
            "ver": "1.0",
            "uti": uuid.uuid4().hex,
        }
    )


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    """Build the caller identity from verified claims."""
    return Identity(
        object_id=str(claims.get("oid", "")),
        app_id=str(claims.get("appid", claims.get("azp", ""))),
        tenant_id=str(claims.get("tid", "")),
        audience=str(claims.get("aud", "")),
        kind="ServicePrincipal" if claims.get("idtyp") == "app" else "User",
    )


def claims_json(claims: dict[str, Any]) -> str:
    """Render claims for logs and the control API."""
    return json.dumps(claims, sort_keys=True)
