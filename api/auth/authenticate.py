"""Who is calling: a staff or EHR bearer token, or a partner's X-API-Key."""

import uuid

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Principal
from domain.identity import limits, tokens
from domain.identity.api_keys import authenticate_api_key
from domain.identity.errors import NotAuthenticated

# Requests per key per minute; a partner portal batching referrals stays well under it.
PARTNER_RATE_LIMIT = 600
PARTNER_RATE_WINDOW = 60


async def authenticate(request: Request, session: AsyncSession) -> Principal:
    api_key = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization")
    if api_key and authorization:
        raise NotAuthenticated("Send either a bearer token or an API key, not both.")
    if api_key:
        return await _partner(session, api_key)
    if not authorization:
        raise NotAuthenticated(
            "This route needs a bearer token (staff, EHR) or an X-API-Key (partners).", error="invalid_request"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Use the Bearer scheme: `Authorization: Bearer <token>`.", error="invalid_request")
    return await bearer_principal(token.strip())


async def bearer_principal(token: str) -> Principal:
    """A staff or EHR bearer token's principal; NotAuthenticated when it is invalid, expired or revoked."""
    claims = tokens.verify(token)
    if claims.kind == "user":
        markers = [f"user:{claims.subject}"] + ([f"family:{claims.session_id}"] if claims.session_id else [])
        if await limits.any_revoked(*markers):
            raise NotAuthenticated("This session has ended; log in again.")
        return Principal(
            actor=f"user:{claims.subject}",
            kind="user",
            user_id=uuid.UUID(claims.subject),
            role=claims.role,
            session_id=claims.session_id,
            organization_id=uuid.UUID(claims.organization_id) if claims.organization_id else None,
            password_change_required=claims.password_change_required,
        )
    if await limits.any_revoked(f"ehr:{claims.subject}"):
        raise NotAuthenticated("This EHR client has been disabled.")
    return Principal(
        actor=f"ehr:{claims.subject}",
        kind="ehr_client",
        scopes=claims.scopes,
        organization_id=uuid.UUID(claims.organization_id) if claims.organization_id else None,
        credential_id=claims.subject,
    )


async def _partner(session: AsyncSession, presented: str) -> Principal:
    key = await authenticate_api_key(session, presented=presented.strip())
    await limits.rate_limit(f"api-key:{key.id}", limit=PARTNER_RATE_LIMIT, window_seconds=PARTNER_RATE_WINDOW)
    return Principal(
        actor=f"partner:{key.id}",
        kind="partner",
        organization_id=key.organization_id,
        scopes=frozenset(key.scopes),
        credential_id=str(key.id),
    )
