"""Territories: which liaison owns which referrer. Admins assign; cooling alerts and follow-ups go to the owner."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.identity.models import User
from domain.providers.models import Provider
from domain.relationships.models import ReferrerOwner
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, NotFound


async def assign(session: AsyncSession, *, provider_id: uuid.UUID, liaison_id: uuid.UUID | None, actor: str) -> None:
    if await session.get(Provider, provider_id) is None:
        raise NotFound("Provider", provider_id)
    if liaison_id is None:
        await session.execute(delete(ReferrerOwner).where(ReferrerOwner.provider_id == provider_id))
    else:
        role = (await session.execute(select(User.role).where(User.id == liaison_id, User.active))).scalar_one_or_none()
        if role not in ("liaison", "admin"):
            raise InvalidInput("liaison_id must be an active liaison (or admin) user.", field="body.liaison_id")
        now = utcnow()
        await session.execute(
            pg_insert(ReferrerOwner)
            .values(provider_id=provider_id, liaison_id=liaison_id, created_at=now, updated_at=now)
            .on_conflict_do_update(index_elements=["provider_id"], set_={"liaison_id": liaison_id, "updated_at": now})
        )
    audit.note(session, "referrer.assign", "provider", provider_id, liaison_id=str(liaison_id) if liaison_id else None)


async def owner(session: AsyncSession, provider_id: uuid.UUID) -> tuple[uuid.UUID, str] | None:
    """The owning liaison's id and name."""
    stmt = (
        select(User.id, User.full_name)
        .join(ReferrerOwner, ReferrerOwner.liaison_id == User.id)
        .where(ReferrerOwner.provider_id == provider_id)
    )
    row = (await session.execute(stmt)).first()
    return (row.id, row.full_name) if row else None


async def owner_of(session: AsyncSession, provider_id: uuid.UUID) -> uuid.UUID | None:
    row = await session.get(ReferrerOwner, provider_id)
    return row.liaison_id if row else None
