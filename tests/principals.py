"""Callers of every kind for tests: staff users by role, partner keys, EHR clients.

Tokens are minted by the same code the token endpoints use (domain.identity.tokens),
and rows are real, so each request goes through the real guard.
"""

import itertools
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import tokens
from domain.identity.api_keys import create_api_key
from domain.identity.models import EhrClient, User
from domain.identity.passwords import hash_password
from domain.identity.schemas import PARTNER_SCOPES, ApiKeyCreate
from domain.providers.models import Organization

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
_counter = itertools.count(1)


async def make_user(session: AsyncSession, *, role: str = "admin", active: bool = True, **overrides: Any) -> User:
    n = next(_counter)
    user = User(
        email=f"{role}{n}-{uuid.uuid4().hex[:8]}@clinic.test",
        full_name=f"Test {role.title()} {n}",
        role=role,
        password_hash=_PASSWORD_HASH,
        active=active,
        **overrides,
    )
    session.add(user)
    await session.flush()
    return user


def user_token(user: User, *, session_id: str | None = None) -> str:
    token, _ = tokens.issue(
        subject=str(user.id),
        kind="user",
        lifetime=timedelta(minutes=15),
        role=str(user.role),
        session_id=session_id or str(uuid.uuid4()),
    )
    return token


async def make_partner_organization(session: AsyncSession, **overrides: Any) -> Organization:
    org = Organization(name=f"Partner Practice {next(_counter)}", kind="practice", **overrides)
    session.add(org)
    await session.flush()
    return org


async def make_api_key(
    session: AsyncSession, *, organization_id: uuid.UUID | None = None, scopes: list[str] | None = None
) -> tuple[uuid.UUID, str]:
    """(key id, the whole key) for a partner organisation (a new one unless given)."""
    if organization_id is None:
        organization_id = (await make_partner_organization(session)).id
    issued = await create_api_key(
        session,
        data=ApiKeyCreate(organization_id=organization_id, name="test portal", scopes=list(scopes or PARTNER_SCOPES)),
        actor="test",
    )
    return issued.key.id, issued.secret


async def make_ehr_client(
    session: AsyncSession,
    *,
    jwks: dict | None = None,
    scopes: list[str] | None = None,
    organization_id: uuid.UUID | None = None,
) -> EhrClient:
    client = EhrClient(
        client_id=f"ehr-test-{uuid.uuid4().hex[:10]}",
        name="Test EHR",
        jwks=jwks or {"keys": []},
        scopes=scopes or ["system/*.*"],
        organization_id=organization_id,
        active=True,
        created_by="test",
    )
    session.add(client)
    await session.flush()
    return client


def ehr_token(client: EhrClient, scopes: list[str]) -> str:
    token, _ = tokens.issue(subject=client.client_id, kind="ehr_client", lifetime=timedelta(minutes=5), scopes=scopes)
    return token
