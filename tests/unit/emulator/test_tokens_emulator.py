"""The emulator's RS256 keys: signing, verification on emulator time, JWKS, persistence."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from fabric_emulator._tokens import (
    FABRIC_AUDIENCE,
    GRAPH_AUDIENCE,
    SigningKeys,
    TokenRejectedError,
    identity_from_claims,
    mint_access_token,
    unverified_claims,
    unverified_header,
)

TENANT_ID = "9a20985c-4a41-50d3-8fd6-915660565ed5"
LONG_AGO_S = 1_000_000.0
"""An emulator time decades before the wall clock: expiry must follow it, not time.time()."""


@pytest.fixture(scope="module")
def keys() -> SigningKeys:
    return SigningKeys.generate()


@pytest.fixture(scope="module")
def other_keys() -> SigningKeys:
    return SigningKeys.generate()


def _token(keys: SigningKeys, *, now_s: float = LONG_AGO_S, lifetime_s: int = 3599) -> str:
    return mint_access_token(
        keys,
        issuer_base="https://sts.windows.net",
        tenant_id=TENANT_ID,
        audience=FABRIC_AUDIENCE,
        object_id="object-1",
        app_id="app-1",
        now_epoch_s=now_s,
        lifetime_s=lifetime_s,
    )


def test_minted_token_has_entra_v1_app_claims(keys: SigningKeys) -> None:
    claims = keys.decode(_token(keys), audience=FABRIC_AUDIENCE, now_epoch_s=LONG_AGO_S)

    assert claims["iss"] == f"https://sts.windows.net/{TENANT_ID}/"
    assert (claims["tid"], claims["oid"], claims["appid"]) == (TENANT_ID, "object-1", "app-1")
    assert (claims["idtyp"], claims["ver"]) == ("app", "1.0")
    assert claims["iat"] == claims["nbf"] == int(LONG_AGO_S)
    assert claims["exp"] == int(LONG_AGO_S) + 3599


def test_header_names_the_key(keys: SigningKeys) -> None:
    header = unverified_header(_token(keys))

    assert header == {"alg": "RS256", "kid": keys.kid, "typ": "JWT"}


def test_decode_accepts_any_listed_audience(keys: SigningKeys) -> None:
    claims = keys.decode(
        _token(keys), audience=[GRAPH_AUDIENCE, FABRIC_AUDIENCE], now_epoch_s=LONG_AGO_S
    )

    assert claims["aud"] == FABRIC_AUDIENCE


def test_wrong_audience_is_invalid_token(keys: SigningKeys) -> None:
    with pytest.raises(TokenRejectedError) as caught:
        keys.decode(_token(keys), audience=GRAPH_AUDIENCE, now_epoch_s=LONG_AGO_S)

    assert caught.value.error_code == "InvalidToken"


def test_token_of_another_key_is_invalid_token(keys: SigningKeys, other_keys: SigningKeys) -> None:
    with pytest.raises(TokenRejectedError) as caught:
        keys.decode(_token(other_keys), audience=FABRIC_AUDIENCE, now_epoch_s=LONG_AGO_S)

    assert caught.value.error_code == "InvalidToken"


def test_expiry_follows_emulator_time_to_the_second(keys: SigningKeys) -> None:
    token = _token(keys, lifetime_s=60)
    expires = int(LONG_AGO_S) + 60

    keys.decode(token, audience=FABRIC_AUDIENCE, now_epoch_s=expires - 1)
    with pytest.raises(TokenRejectedError) as caught:
        keys.decode(token, audience=FABRIC_AUDIENCE, now_epoch_s=expires)

    assert caught.value.error_code == "TokenExpired"


def test_token_without_expiry_is_invalid(keys: SigningKeys) -> None:
    token = keys.sign({"aud": FABRIC_AUDIENCE, "tid": TENANT_ID})

    with pytest.raises(TokenRejectedError) as caught:
        keys.decode(token, audience=FABRIC_AUDIENCE, now_epoch_s=LONG_AGO_S)

    assert caught.value.error_code == "InvalidToken"


def test_garbage_is_invalid_token(keys: SigningKeys) -> None:
    for text in ("", "not-a-jwt", "a.b.c"):
        with pytest.raises(TokenRejectedError) as caught:
            keys.decode(text, audience=FABRIC_AUDIENCE, now_epoch_s=LONG_AGO_S)
        assert caught.value.error_code == "InvalidToken"


def test_jwks_round_trip_verifies_with_pyjwt(keys: SigningKeys) -> None:
    jwks = keys.jwks()
    token = _token(keys, now_s=LONG_AGO_S)

    key = jwt.PyJWKSet.from_dict(jwks)[unverified_header(token)["kid"]]
    claims = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=FABRIC_AUDIENCE,
        options={"verify_exp": False},
    )

    assert claims["oid"] == "object-1"
    assert jwks["keys"][0]["kty"] == "RSA"
    assert jwks["keys"][0]["use"] == "sig"


def test_kid_is_the_sha1_of_the_public_key(keys: SigningKeys) -> None:
    public = jwt.PyJWKSet.from_dict(keys.jwks()).keys[0].key
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).decode().rstrip("=")

    assert keys.kid == expected


def test_key_is_kept_in_the_state_dir(tmp_path: Path) -> None:
    first = SigningKeys.load_or_create(tmp_path)
    again = SigningKeys.load_or_create(tmp_path)
    token = _token(first)

    assert again.kid == first.kid
    assert again.decode(token, audience=FABRIC_AUDIENCE, now_epoch_s=LONG_AGO_S)["oid"]
    mode = stat.S_IMODE((tmp_path / "token-signing-key.pem").stat().st_mode)
    assert mode == 0o600


def test_without_a_state_dir_every_start_gets_a_new_key() -> None:
    assert SigningKeys.load_or_create(None).kid != SigningKeys.load_or_create(None).kid


def test_unverified_helpers_reject_malformed_tokens() -> None:
    with pytest.raises(TokenRejectedError):
        unverified_header("nope")
    with pytest.raises(TokenRejectedError):
        unverified_claims("nope")


def test_unverified_claims_skip_signature_but_read_claims(other_keys: SigningKeys) -> None:
    assert unverified_claims(_token(other_keys))["appid"] == "app-1"


def test_identity_kind_follows_idtyp() -> None:
    app = identity_from_claims({"oid": "o", "appid": "a", "tid": "t", "idtyp": "app"})
    user = identity_from_claims({"oid": "o", "azp": "a", "tid": "t", "aud": "x"})

    assert (app.kind, app.app_id, app.key) == ("ServicePrincipal", "a", "o")
    assert (user.kind, user.app_id, user.audience) == ("User", "a", "x")
