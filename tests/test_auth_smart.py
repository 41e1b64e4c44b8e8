"""SMART Backend Services: an EHR trades a JWT signed by its own key for a short-lived scoped token."""

import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt

from domain.shared.settings import get_settings

TOKEN_URL = get_settings().fhir.token_url
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _pem(private_key, *, public: bool) -> str:
    if public:
        return (
            private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP384R1())
OTHER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _assertion(client_id, key=RSA_KEY, algorithm="RS384", **overrides):
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": TOKEN_URL,
        "exp": now + 240,
        "iat": now,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, _pem(key, public=False), algorithm=algorithm)


async def _register(client, *, key=RSA_KEY, as_jwks=False, scopes=("system/ServiceRequest.write", "system/Task.read")):
    body = {"name": "Riverside Epic", "scopes": list(scopes), "fhir_base_url": "https://ehr.example/fhir"}
    if as_jwks:
        public = jwk.construct(_pem(key, public=True), algorithm="ES384").to_dict()
        body["jwks"] = {"keys": [{**public, "kid": "k1", "alg": "ES384"}]}
    else:
        body["public_key_pem"] = _pem(key, public=True)
    response = await client.post("/v1/ehr-clients", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _token(http, assertion, scope="system/ServiceRequest.write"):
    return await http.post(
        "/v1/auth/smart/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": scope,
        },
    )


async def test_rs384_assertion_gets_a_scoped_token_that_the_fhir_guard_honours(client, client_for):
    registered = await _register(client)
    assert registered["fhir_base_url"] == "https://ehr.example/fhir"
    assert registered["jwks"]["keys"][0]["alg"] == "RS384" and "d" not in registered["jwks"]["keys"][0]
    anonymous = await client_for("anonymous")
    response = await _token(
        anonymous,
        _assertion(registered["client_id"]),
        scope="system/ServiceRequest.write system/Task.read system/Patient.read",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # Only what was both asked for and registered is granted.
    assert body["scope"] == "system/ServiceRequest.write system/Task.read"
    assert body["token_type"] == "bearer" and body["expires_in"] <= 300
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    # Task.read granted: the guard lets it through (the route answers); Appointment not: 403.
    assert (await anonymous.get("/fhir/R4/Task", headers=auth)).status_code not in (401, 403)
    assert (await anonymous.get("/fhir/R4/Appointment", headers=auth)).status_code == 403
    # An EHR token is no key to the staff API.
    assert (await anonymous.get("/v1/referrals", headers=auth)).status_code == 403


async def test_es384_key_registered_as_jwks_works(client, client_for):
    registered = await _register(client, key=EC_KEY, as_jwks=True)
    anonymous = await client_for("anonymous")
    assertion = jwt.encode(
        {
            "iss": registered["client_id"],
            "sub": registered["client_id"],
            "aud": TOKEN_URL,
            "exp": int(time.time()) + 120,
            "jti": uuid.uuid4().hex,
        },
        _pem(EC_KEY, public=False),
        algorithm="ES384",
        headers={"kid": "k1"},
    )
    response = await _token(anonymous, assertion)
    assert response.status_code == 200, response.text


def _b64(data: bytes) -> str:
    return __import__("base64").urlsafe_b64encode(data).decode().rstrip("=")


def _hs256_confusion(client_id):
    """The classic attack: sign with HMAC using the (public) RSA key as the shared secret."""
    import hashlib
    import hmac

    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(
        json.dumps(
            {
                "iss": client_id,
                "sub": client_id,
                "aud": TOKEN_URL,
                "exp": int(time.time()) + 60,
                "jti": uuid.uuid4().hex,
            }
        ).encode()
    )
    signature = hmac.new(_pem(RSA_KEY, public=True).encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


BAD_ASSERTIONS = {
    "expired": lambda cid: _assertion(cid, exp=int(time.time()) - 120, iat=int(time.time()) - 300),
    "exp more than 5 minutes ahead": lambda cid: _assertion(cid, exp=int(time.time()) + 3600),
    "not yet valid": lambda cid: _assertion(cid, nbf=int(time.time()) + 600),
    "issued in the future": lambda cid: _assertion(cid, iat=int(time.time()) + 600),
    "wrong audience": lambda cid: _assertion(cid, aud="https://somewhere-else.example/token"),
    "signed by another key": lambda cid: _assertion(cid, key=OTHER_RSA),
    "iss differs from sub": lambda cid: _assertion(cid, sub="someone-else"),
    "unknown client": lambda cid: _assertion("no-such-client"),
    "no jti": lambda cid: _assertion(cid, jti=None),
    "HS256 with the public key as secret": lambda cid: _hs256_confusion(cid),
    "alg none": lambda cid: (
        ".".join(
            __import__("base64").urlsafe_b64encode(json.dumps(p).encode()).decode().rstrip("=")
            for p in (
                {"alg": "none"},
                {"iss": cid, "sub": cid, "aud": TOKEN_URL, "exp": int(time.time()) + 60, "jti": "y"},
            )
        )
        + "."
    ),
}


@pytest.mark.parametrize("kind", list(BAD_ASSERTIONS))
async def test_bad_client_assertions_are_refused(client, client_for, kind):
    registered = await _register(client)
    anonymous = await client_for("anonymous")
    response = await _token(anonymous, BAD_ASSERTIONS[kind](registered["client_id"]))
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"


async def test_a_jti_is_never_accepted_twice(client, client_for):
    registered = await _register(client)
    anonymous = await client_for("anonymous")
    assertion = _assertion(registered["client_id"])
    assert (await _token(anonymous, assertion)).status_code == 200
    replay = await _token(anonymous, assertion)
    assert replay.status_code == 401
    assert "jti" in replay.json()["detail"]


async def test_wrong_grant_type_and_unregistered_scopes_are_400(client, client_for):
    registered = await _register(client)
    anonymous = await client_for("anonymous")
    wrong_grant = await anonymous.post(
        "/v1/auth/smart/token",
        data={
            "grant_type": "password",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": _assertion(registered["client_id"]),
            "scope": "system/Task.read",
        },
    )
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"
    no_scope = await _token(anonymous, _assertion(registered["client_id"]), scope="system/Appointment.write")
    assert no_scope.status_code == 400 and no_scope.json()["error"] == "invalid_scope"


async def test_a_disabled_client_loses_its_tokens_at_once(client, client_for):
    registered = await _register(client)
    anonymous = await client_for("anonymous")
    token = (await _token(anonymous, _assertion(registered["client_id"]), scope="system/Task.read")).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await anonymous.get("/fhir/R4/Task", headers=auth)).status_code not in (401, 403)
    assert (await client.patch(f"/v1/ehr-clients/{registered['id']}", json={"active": False})).status_code == 200
    assert (await anonymous.get("/fhir/R4/Task", headers=auth)).status_code == 401
    assert (await _token(anonymous, _assertion(registered["client_id"]))).status_code == 401


async def test_registration_rejects_private_keys_and_bad_scopes(client):
    private = await client.post(
        "/v1/ehr-clients",
        json={"name": "X", "scopes": ["system/Task.read"], "public_key_pem": _pem(RSA_KEY, public=False)},
    )
    assert private.status_code == 422 and private.json()["errors"][0]["field"] == "body.public_key_pem"
    garbage = await client.post(
        "/v1/ehr-clients",
        json={"name": "X", "scopes": ["system/Task.read"], "public_key_pem": "-----BEGIN PUBLIC KEY-----\nnope\n"},
    )
    assert garbage.status_code == 422
    scopes = await client.post(
        "/v1/ehr-clients",
        json={"name": "X", "scopes": ["patient/*.read", "admin"], "public_key_pem": _pem(RSA_KEY, public=True)},
    )
    assert scopes.status_code == 422 and scopes.json()["errors"][0]["field"] == "body.scopes"
