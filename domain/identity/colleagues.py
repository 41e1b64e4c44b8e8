"""Who a referral or task can be handed to: active staff who work referrals, readable by every
care-team role (the full user list, with e-mails and sign-in times, stays with admins)."""

import uuid

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import note_list
from domain.identity.enums import Role
from domain.identity.models import User
from domain.shared.schemas import Schema

# Analysts see aggregates only, so nothing with a patient in it is theirs to hold.
ASSIGNABLE_ROLES = (Role.admin, Role.intake, Role.liaison, Role.clinician)
LIMIT = 500


class Colleague(Schema):
    id: uuid.UUID
    full_name: str
    role: Role
    queue: str | None


class Colleagues(Schema):
    items: list[Colleague]
    queues: list[str] = Field(description="Work queues in use by these colleagues, for assigning to a queue.")


async def assignable(session: AsyncSession) -> Colleagues:
    stmt = (
        select(User)
        .where(User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))
        .order_by(User.full_name, User.id)
        .limit(LIMIT)
    )
    users = list((await session.execute(stmt)).scalars())
    note_list(session, "user", [u.id for u in users])
    queues = sorted({u.queue for u in users if u.queue})
    return Colleagues(items=[Colleague.model_validate(u) for u in users], queues=queues)


async def assignable_user_exists(session: AsyncSession, user_id: uuid.UUID) -> bool:
    stmt = select(User.id).where(User.id == user_id, User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))
    return (await session.execute(stmt)).scalar_one_or_none() is not None
