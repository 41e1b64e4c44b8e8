"""SMART Backend Services: EHR clients authenticate with a JWT signed by their own key
(RS384 or ES384) and get a short-lived token carrying SMART system scopes."""

import secrets
import uuid
from datetime import timedelta
from typing import Any, Protocol, cast

from jose import JWTError, jwk, jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import note, note_list
from domain.identity import limits, smart_scopes, tokens
from domain.identity.errors import InvalidClient
from domain.identity.models import EhrClient
from domain.identity.repository import EhrClientRepository
from domain.identity.schemas import EhrClientCreate, EhrClientUpdate, SmartToken
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, InvalidInput

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("RS384", "ES384")
MAX_ASSERTION_LIFETIME = 300
LEEWAY = 30
TOKEN_LIFETIME = timedelta(minutes=5)


class _KeyPair(Protocol):
    # What jose's RSA and EC key classes offer beyond the base Key its stubs return from jwk.construct.
    def is_public(self) -> bool: ...


def jwks_from(*, pem: str | None, jwks: dict[str, Any] | None) -> dict[str, Any]:
    """A JWK Set of public keys usable with RS384/ES384, or a 422 naming the field."""
    field = "body.public_key_pem" if pem is not None else "body.jwks"
    keys: list[dict[str, Any]] = []
    if pem is not None:
        algorithm = "ES384" if _is_ec_pem(pem) else "RS384"
        keys.append(_public_jwk(pem, algorithm, field))
    else:
        raw_keys = (jwks or {}).get("keys")
        if not isinstance(raw_keys, list) or not raw_keys:
            raise InvalidInput("A JWK Set needs a non-empty `keys` list.", field=field)
        for raw in raw_keys[:10]:
            if not isinstance(raw, dict) or "d" in raw:
                raise InvalidInput("Give public keys only (no private parts) in the JWK Set.", field=field)
            algorithm = raw.get("alg") or ("ES384" if raw.get("kty") == "EC" else "RS384")
            if algorithm not in ALGORITHMS:
                raise InvalidInput(f"Keys must be for {' or '.join(ALGORITHMS)}; got {algorithm}.", field=field)
            keys.append({**_public_jwk(raw, algorithm, field), **({"kid": raw["kid"]} if raw.get("kid") else {})})
    return {"keys": keys}


def _is_ec_pem(pem: str) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        return isinstance(load_pem_public_key(pem.encode()), ec.EllipticCurvePublicKey)
    except ValueError:
        return False


def _public_jwk(material: str | dict[str, Any], algorithm: str, field: str) -> dict[str, Any]:
    try:
        key = jwk.construct(material, algorithm=algorithm)
        if cast(_KeyPair, key).is_public() is False:
            raise InvalidInput("Give the public key, not the private one.", field=field)
        data = key.public_key().to_dict()
    except InvalidInput:
        raise
    except Exception as exc:  # jose raises several kinds for unreadable keys
        raise InvalidInput(f"Not a usable {algorithm} public key.", field=field) from exc
    data["alg"] = algorithm
    return data


def _check_scopes(scopes: list[str], field: str) -> list[str]:
    bad = [s for s in scopes if not smart_scopes.is_valid(s)]
    if bad:
        raise InvalidInput(f"Not SMART system scopes: {bad}; write them like system/ServiceRequest.write.", field=field)
    return sorted(set(scopes))


def _check_push_scope(scope: str | None, field: str) -> str | None:
    # The EHR may grant fewer, but what we ask for must at least be SMART system scopes.
    if scope is None:
        return None
    if not scope.split():
        raise InvalidInput("Give at least one scope, like system/Task.write.", field=field)
    return " ".join(_check_scopes(scope.split(), field))


async def register_client(session: AsyncSession, *, data: EhrClientCreate, actor: str) -> EhrClient:
    repo = EhrClientRepository(session)
    client_id = data.client_id or f"ehr-{secrets.token_hex(8)}"
    if await repo.by_client_id(client_id) is not None:
        raise Conflict(
            f"An EHR client with client_id {client_id} already exists.",
            errors=[{"field": "body.client_id", "message": "already in use"}],
        )
    client = repo.add(
        EhrClient(
            client_id=client_id,
            name=data.name,
            organization_id=data.organization_id,
            jwks=jwks_from(pem=data.public_key_pem, jwks=data.jwks),
            scopes=_check_scopes(data.scopes, "body.scopes"),
            fhir_base_url=str(data.fhir_base_url) if data.fhir_base_url else None,
            active=True,
            created_by=actor,
            push_client_id=data.push_client_id,
            push_token_url=str(data.push_token_url) if data.push_token_url else None,
            push_scope=_check_push_scope(data.push_scope, "body.push_scope"),
        )
    )
    await session.flush()
    note(session, "ehr_client.create", "ehr_client", client.id, client_id=client_id)
    return client


async def update_client(session: AsyncSession, *, client_row_id: uuid.UUID, data: EhrClientUpdate) -> EhrClient:
    client = await EhrClientRepository(session).get(client_row_id, for_update=True)
    changed: list[str] = []
    if data.name is not None:
        client.name = data.name
        changed.append("name")
    if data.scopes is not None:
        client.scopes = _check_scopes(data.scopes, "body.scopes")
        changed.append("scopes")
    if "fhir_base_url" in data.model_fields_set:
        client.fhir_base_url = str(data.fhir_base_url) if data.fhir_base_url else None
        changed.append("fhir_base_url")
    for name in ("push_client_id", "push_token_url", "push_scope"):
        if name in data.model_fields_set:
            value = getattr(data, name)
            value = str(value) if value is not None else None
            setattr(client, name, _check_push_scope(value, "body.push_scope") if name == "push_scope" else value)
            changed.append(name)
    if data.public_key_pem is not None or data.jwks is not None:
        client.jwks = jwks_from(pem=data.public_key_pem, jwks=data.jwks)
        changed.append("jwks")
    if data.active is not None and data.active != client.active:
        client.active = data.active
        changed.append("active")
        if data.active:
            await limits.clear_marker(f"ehr:{client.client_id}")
        else:
            await limits.revoke_marker(f"ehr:{client.client_id}", ttl_seconds=int(TOKEN_LIFETIME.total_seconds()) + 60)
    await session.flush()
    note(session, "ehr_client.update", "ehr_client", client.id, fields=changed)
    return client


async def get_client(session: AsyncSession, *, client_row_id: uuid.UUID) -> EhrClient:
    client = await EhrClientRepository(session).get(client_row_id)
    note(session, "ehr_client.read", "ehr_client", client.id)
    return client


async def list_clients(session: AsyncSession, *, limit: int, cursor: str | None) -> tuple[list[EhrClient], str | None]:
    items, next_cursor = await EhrClientRepository(session).find(limit=limit, cursor=cursor)
    note_list(session, "ehr_client", [c.id for c in items])
    return items, next_cursor


async def issue_token(
    session: AsyncSession,
    *,
    grant_type: str,
    assertion_type: str,
    assertion: str,
    scope: str,
    token_urls: list[str],
) -> SmartToken:
    if grant_type != "client_credentials":
        raise InvalidClient("grant_type must be client_credentials.", error="unsupported_grant_type", status=400)
    if assertion_type != ASSERTION_TYPE:
        raise InvalidClient(f"client_assertion_type must be {ASSERTION_TYPE}.", error="invalid_request", status=400)
    client = await _verify_assertion(session, assertion, token_urls)
    requested = scope.split()
    granted = [s for s in requested if smart_scopes.covered(s, client.scopes)]
    if not granted:
        raise InvalidClient(
            f"None of the requested scopes is allowed for this client; it may ask for "
            f"{' '.join(client.scopes) or 'nothing'}.",
            error="invalid_scope",
            status=400,
        )
    token, expires_in = tokens.issue(
        subject=client.client_id,
        kind="ehr_client",
        lifetime=TOKEN_LIFETIME,
        scopes=granted,
        organization_id=str(client.organization_id) if client.organization_id else None,
    )
    note(session, "ehr_client.token", "ehr_client", client.id, scopes=granted)
    return SmartToken(access_token=token, expires_in=expires_in, scope=" ".join(granted))


async def _verify_assertion(session: AsyncSession, assertion: str, token_urls: list[str]) -> EhrClient:
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.get_unverified_claims(assertion)
    except JWTError as exc:
        raise InvalidClient("client_assertion is not a JWT.") from exc
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise InvalidClient(f"client_assertion must be signed with {' or '.join(ALGORITHMS)}, not {algorithm}.")
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or issuer != claims.get("sub"):
        raise InvalidClient("client_assertion needs iss and sub, both the client_id.")
    client = await EhrClientRepository(session).by_client_id(issuer)
    if client is None or not client.active:
        raise InvalidClient("Unknown or disabled client.")
    keys = [
        k
        for k in client.jwks.get("keys", [])
        if k.get("alg") == algorithm and (header.get("kid") is None or k.get("kid") in (None, header.get("kid")))
    ]
    verified: dict[str, Any] | None = None
    for key in keys:
        try:
            verified = jwt.decode(
                assertion,
                key,
                algorithms=[algorithm],
                options={"verify_aud": False, "require_exp": True, "require_jti": True, "leeway": LEEWAY},
            )
            break
        except ExpiredSignatureError as exc:
            raise InvalidClient("client_assertion has expired.") from exc
        except JWTClaimsError as exc:
            raise InvalidClient(f"client_assertion claims are not valid: {exc}.") from exc
        except JWTError:
            continue
    if verified is None:
        raise InvalidClient("client_assertion signature does not match any registered key of this client.")
    audience = verified.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(a in token_urls for a in audiences):
        raise InvalidClient("client_assertion aud must be this token endpoint's URL.")
    now = int(utcnow().timestamp())
    expires = int(verified["exp"])
    if expires > now + MAX_ASSERTION_LIFETIME + LEEWAY:
        raise InvalidClient("client_assertion exp may be at most 5 minutes ahead.")
    for claim in ("iat", "nbf"):
        if isinstance(verified.get(claim), (int, float)) and verified[claim] > now + LEEWAY:
            raise InvalidClient(f"client_assertion {claim} is in the future.")
    jti = verified.get("jti")
    if not isinstance(jti, str) or not jti:
        raise InvalidClient("client_assertion needs a jti.")
    if not await limits.claim_once(f"smart-jti:{client.client_id}", jti, ttl_seconds=expires - now + LEEWAY):
        raise InvalidClient("This client_assertion jti was already used.")
    return client
