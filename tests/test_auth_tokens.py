"""Every kind of bad bearer token and API key is a 401 problem with WWW-Authenticate, never a way in."""

import base64
import json
import time
import uuid

import pytest
from jose import jwt

from domain.identity import tokens
from domain.shared.settings import get_settings
from tests.principals import make_api_key, make_user


def _claims(user_id, **overrides):
    now = int(time.time())
    claims = {
        "iss": tokens.ISSUER,
        "aud": tokens.AUDIENCE,
        "sub": str(user_id),
        "kind": "user",
        "role": "admin",
        "sid": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims, key=None, algorithm="HS256"):
    return jwt.encode(claims, key or get_settings().security.secret_key, algorithm=algorithm)


def _unsigned(claims):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


BAD_TOKENS = {
    "expired": lambda uid: _sign(
        _claims(uid, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    ),
    "not yet valid (nbf in the future)": lambda uid: _sign(_claims(uid, nbf=int(time.time()) + 3600)),
    "issued in the future (iat)": lambda uid: _sign(_claims(uid, iat=int(time.time()) + 3600)),
    "wrong signature": lambda uid: _sign(_claims(uid), key="someone-elses-secret-key-of-32-bytes!"),
    "alg none": lambda uid: _unsigned(_claims(uid)),
    "wrong audience": lambda uid: _sign(_claims(uid, aud="another-api")),
    "wrong issuer": lambda uid: _sign(_claims(uid, iss="https://evil.example")),
    "no expiry": lambda uid: _sign(_claims(uid, exp=None)),
    "unknown kind": lambda uid: _sign(_claims(uid, kind="partner")),
    "not a jwt": lambda uid: "definitely-not-a-token",
    "HS384 instead of HS256": lambda uid: _sign(_claims(uid), algorithm="HS384"),
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_bad_bearer_tokens_are_401(client_for, session, kind):
    user = await make_user(session)
    anonymous = await client_for("anonymous")
    response = await anonymous.get("/v1/referrals", headers={"Authorization": f"Bearer {BAD_TOKENS[kind](user.id)}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Traceback" not in response.text


async def test_the_same_claims_properly_signed_are_accepted(client_for, session):
    """The control for the table above: only the defect makes those tokens fail."""
    user = await make_user(session)
    anonymous = await client_for("anonymous")
    response = await anonymous.get("/v1/referrals", headers={"Authorization": f"Bearer {_sign(_claims(user.id))}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_missing_or_malformed_authorization_is_401(client_for, header):
    anonymous = await client_for("anonymous")
    response = await anonymous.get("/v1/referrals", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


async def test_revoked_api_key_stops_working_at_once(client, client_for, session):
    key_id, secret = await make_api_key(session)
    anonymous = await client_for("anonymous")
    assert (await anonymous.get("/v1/referrals", headers={"X-API-Key": secret})).status_code == 200
    assert (await client.post(f"/v1/api-keys/{key_id}/revoke")).status_code == 200
    response = await anonymous.get("/v1/referrals", headers={"X-API-Key": secret})
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize("presented", ["rfk_nope", "rfk_deadbeef_wrongsecret", "not-a-key", "rfk__"])
async def test_unknown_or_malformed_api_keys_are_401(client_for, session, presented):
    await make_api_key(session)
    anonymous = await client_for("anonymous")
    response = await anonymous.get("/v1/referrals", headers={"X-API-Key": presented})
    assert response.status_code == 401


async def test_a_valid_key_with_a_tampered_secret_is_401(client_for, session):
    _, secret = await make_api_key(session)
    anonymous = await client_for("anonymous")
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert (await anonymous.get("/v1/referrals", headers={"X-API-Key": tampered})).status_code == 401


async def test_token_of_a_deleted_or_disabled_user_is_refused(client, client_for, session):
    user = await make_user(session, role="intake")
    token = _sign(_claims(user.id, role="intake"))
    anonymous = await client_for("anonymous")
    assert (await anonymous.get("/v1/referrals", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    await client.patch(f"/v1/users/{user.id}", json={"active": False})
    assert (await anonymous.get("/v1/referrals", headers={"Authorization": f"Bearer {token}"})).status_code == 401
