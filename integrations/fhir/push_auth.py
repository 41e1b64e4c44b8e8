"""Credentials for outbound FHIR pushes: SMART Backend Services with Refloop as the client.

We sign a short JWT assertion with our own RSA key (its public half is served at
/.well-known/jwks.json, which the EHR registers), swap it at the EHR's token endpoint for a bearer
token, and reuse that token until shortly before it ends. The key lives outside the database, so a
backup never holds it.
"""

import asyncio
import base64
import hashlib
import json
import os
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

from domain.identity.models import EhrClient
from domain.shared.outbox import DeliveryRefused
from domain.shared.per_loop import for_this_loop
from domain.shared.settings import get_settings

ALGORITHM = "RS384"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_SECONDS = 300
DEFAULT_SCOPE = "system/Task.write system/Appointment.write system/Communication.write"
# A token is renewed this long before the EHR says it ends, so none expires in flight.
RENEW_MARGIN_SECONDS = 30

_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_token_urls: dict[str, str] = {}


def _key_file() -> Path:
    settings = get_settings()
    return Path(settings.fhir.push_private_key_file or Path(settings.data_dir) / "keys" / "fhir-push-rs384.pem")


@lru_cache
def private_key_pem() -> str:
    settings = get_settings()
    if settings.fhir.push_private_key:
        return settings.fhir.push_private_key
    path = _key_file()
    if path.exists():
        return path.read_text()
    if settings.environment == "production":
        raise DeliveryRefused(
            "No key to sign FHIR push credentials with: set FHIR_PUSH_PRIVATE_KEY or FHIR_PUSH_PRIVATE_KEY_FILE."
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole or not at all, readable by this user only.
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(pem)
    os.replace(partial, path)
    return pem


def _thumbprint(public: dict[str, Any]) -> str:
    # RFC 7638: the hash of the required members, sorted, without spaces.
    canonical = json.dumps({k: public[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


@lru_cache
def public_jwks() -> dict[str, Any]:
    """The JWK Set an EHR registers to check our assertions."""
    key = serialization.load_pem_private_key(private_key_pem().encode(), password=None)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    public = {k: v for k, v in jwk.construct(public_pem, ALGORITHM).to_dict().items() if k in ("kty", "n", "e")}
    return {"keys": [{**public, "kid": _thumbprint(public), "alg": ALGORITHM, "use": "sig"}]}


def assertion(*, client_id: str, token_url: str) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": now,
        "exp": now + ASSERTION_SECONDS,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, private_key_pem(), algorithm=ALGORITHM, headers={"kid": public_jwks()["keys"][0]["kid"]})


async def _token_url(http: httpx.AsyncClient, ehr: EhrClient) -> str:
    if ehr.push_token_url:
        return ehr.push_token_url
    base = (ehr.fhir_base_url or "").rstrip("/")
    if base not in _token_urls:
        response = await http.get(f"{base}/.well-known/smart-configuration", headers={"Accept": "application/json"})
        if response.status_code == 404:
            raise DeliveryRefused(
                "The EHR publishes no /.well-known/smart-configuration; give its token URL on the EHR client."
            )
        response.raise_for_status()  # other failures: try again later
        endpoint = response.json().get("token_endpoint") if "json" in response.headers.get("content-type", "") else None
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise DeliveryRefused("The EHR's smart-configuration names no token_endpoint.")
        _token_urls[base] = endpoint
    return _token_urls[base]


async def bearer(http: httpx.AsyncClient, ehr: EhrClient, *, fresh: bool = False) -> str | None:
    """The Authorization header for a push to this EHR, or None when it takes pushes without credentials."""
    if not ehr.push_client_id:
        return None
    token_url = await _token_url(http, ehr)
    scope = ehr.push_scope or DEFAULT_SCOPE
    key = (token_url, ehr.push_client_id, scope)
    stale = _tokens.get(key) if fresh else None
    async with _lock(key):
        cached = _tokens.get(key)
        # Pushes side by side share one token request; a `fresh` caller replaces only the token it was refused.
        if cached and cached != stale and cached[1] > time.monotonic():
            return f"Bearer {cached[0]}"
        return f"Bearer {await _new_token(http, key, client_id=ehr.push_client_id)}"


def _lock(key: tuple[str, str, str]) -> asyncio.Lock:
    return for_this_loop(("fhir-push-token", *key), asyncio.Lock)


async def _new_token(http: httpx.AsyncClient, key: tuple[str, str, str], *, client_id: str) -> str:
    token_url, _, scope = key
    response = await http.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion(client_id=client_id, token_url=token_url),
        },
        headers={"Accept": "application/json"},
    )
    if response.status_code in (400, 401, 403):
        # The EHR does not accept our credentials: retrying the same ones will not change that.
        raise DeliveryRefused(
            f"The EHR's token endpoint refused our credentials: HTTP {response.status_code} "
            f"{_oauth_error(response)}".rstrip()
        )
    response.raise_for_status()
    body = response.json()
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise RuntimeError("the EHR's token endpoint answered without an access_token")
    lifetime = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 300
    _tokens[key] = (token, time.monotonic() + max(lifetime - RENEW_MARGIN_SECONDS, 0))
    return token


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "")[:100] if isinstance(body, dict) else ""
