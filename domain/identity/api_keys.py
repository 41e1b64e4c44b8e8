"""Partner API keys: `rfk_<prefix>_<secret>`. Only the prefix and a hash of the secret are stored.

The secret is 32 random bytes, so a plain SHA-256 is enough (a slow hash guards
guessable passwords, not random keys) and keeps each request's check cheap.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import note, note_list
from domain.identity.errors import NotAuthenticated
from domain.identity.models import ApiKey
from domain.identity.repository import ApiKeyRepository
from domain.identity.schemas import ApiKeyCreate
from domain.providers.models import Organization
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput

KEY_PREFIX = "rfk_"
# Writing last use on every call would make each partner request a write; once a minute is plenty.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the whole key, shown once


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(session: AsyncSession, *, data: ApiKeyCreate, actor: str) -> IssuedKey:
    if await session.get(Organization, data.organization_id) is None:
        raise InvalidInput(f"Organization {data.organization_id} does not exist.", field="body.organization_id")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKeyRepository(session).add(
        ApiKey(
            organization_id=data.organization_id,
            name=data.name,
            prefix=prefix,
            secret_hash=_digest(secret),
            scopes=sorted(set(data.scopes)),
            created_by=actor,
        )
    )
    await session.flush()
    note(session, "api_key.create", "api_key", key.id, organization_id=str(data.organization_id))
    return IssuedKey(key, f"{KEY_PREFIX}{prefix}_{secret}")


async def list_api_keys(
    session: AsyncSession, *, organization_id: uuid.UUID | None, limit: int, cursor: str | None
) -> tuple[list[ApiKey], str | None]:
    items, next_cursor = await ApiKeyRepository(session).find(
        organization_id=organization_id, limit=limit, cursor=cursor
    )
    note_list(session, "api_key", [k.id for k in items])
    return items, next_cursor


async def get_api_key(session: AsyncSession, *, key_id: uuid.UUID) -> ApiKey:
    key = await ApiKeyRepository(session).get(key_id)
    note(session, "api_key.read", "api_key", key.id)
    return key


async def revoke_api_key(session: AsyncSession, *, key_id: uuid.UUID, actor: str) -> ApiKey:
    key = await ApiKeyRepository(session).get(key_id, for_update=True)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
    note(session, "api_key.revoke", "api_key", key.id)
    return key


async def authenticate_api_key(session: AsyncSession, *, presented: str) -> ApiKey:
    """The active key matching `presented`, its last use recorded; else 401."""
    body = presented.removeprefix(KEY_PREFIX)
    prefix, _, secret = body.partition("_")
    if not presented.startswith(KEY_PREFIX) or not prefix or not secret:
        raise NotAuthenticated("The API key is not in the form this service issues.", scheme="ApiKey")
    repo = ApiKeyRepository(session)
    key = await repo.by_prefix(prefix)
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
        raise NotAuthenticated("The API key is not valid.", scheme="ApiKey")
    if key.revoked_at is not None:
        raise NotAuthenticated("This API key was revoked.", scheme="ApiKey")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
        await repo.touch(key.id, now)
        key.last_used_at = now
    return key
