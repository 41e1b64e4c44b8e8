"""Admin use cases for calendars, SLA policies and work queues. Never commits."""

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.identity.models import User
from domain.journey import config, schemas
from domain.journey.models import BusinessCalendar, SlaPolicy, WorkQueue, WorkQueueMember
from domain.journey.sla import DEFAULT_TARGETS
from domain.referrals.enums import Urgency
from domain.shared.errors import InvalidInput, NotFound, PreconditionFailed


def _check_version(row: BusinessCalendar | WorkQueue, expected: int | None, what: str) -> None:
    if expected is not None and row.version != expected:
        raise PreconditionFailed(f"The {what} changed since you read it (version {row.version}); read it again.")


def _calendar_values(data: schemas.CalendarWrite) -> dict[str, Any]:
    values = data.model_dump(mode="json")
    values["weekly_hours"] = {day: [list(span) for span in spans] for day, spans in data.weekly_hours.items()}
    return values


async def _clear_default(session: AsyncSession, keep: uuid.UUID | None) -> None:
    stmt = update(BusinessCalendar).where(BusinessCalendar.is_default).values(is_default=False)
    if keep is not None:
        stmt = stmt.where(BusinessCalendar.id != keep)
    await session.execute(stmt)


async def list_calendars(session: AsyncSession) -> list[BusinessCalendar]:
    return list((await session.execute(select(BusinessCalendar).order_by(BusinessCalendar.name))).scalars())


async def get_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> BusinessCalendar:
    row = await session.get(BusinessCalendar, calendar_id)
    if row is None:
        raise NotFound("Calendar", calendar_id)
    return row


async def create_calendar(session: AsyncSession, *, data: schemas.CalendarWrite) -> BusinessCalendar:
    if data.is_default:
        await _clear_default(session, None)
    row = BusinessCalendar(**_calendar_values(data), version=1)
    session.add(row)
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.calendar_create", "business_calendar", row.id)
    return row


async def replace_calendar(
    session: AsyncSession, *, calendar_id: uuid.UUID, data: schemas.CalendarWrite, expected_version: int
) -> BusinessCalendar:
    row = await session.get(BusinessCalendar, calendar_id, with_for_update=True)
    if row is None:
        raise NotFound("Calendar", calendar_id)
    _check_version(row, expected_version, "calendar")
    if data.is_default:
        await _clear_default(session, row.id)
    for name, value in _calendar_values(data).items():
        setattr(row, name, value)
    row.version += 1
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.calendar_update", "business_calendar", row.id)
    return row


def _policy_view(urgency: Urgency, row: SlaPolicy | None) -> schemas.SlaPolicy:
    if row is None:
        (fv, fu), (sv, su) = DEFAULT_TARGETS[urgency.value]
        return schemas.SlaPolicy(
            urgency=urgency,
            is_default=True,
            first_contact={"value": fv, "unit": fu},
            scheduled={"value": sv, "unit": su},
        )
    return schemas.SlaPolicy(
        urgency=urgency,
        is_default=False,
        first_contact={"value": row.first_contact_value, "unit": row.first_contact_unit},
        scheduled={"value": row.scheduled_value, "unit": row.scheduled_unit},
    )


async def list_policies(session: AsyncSession) -> list[schemas.SlaPolicy]:
    rows = {r.urgency: r for r in (await session.execute(select(SlaPolicy))).scalars()}
    return [_policy_view(u, rows.get(u.value)) for u in Urgency]


async def save_policy(session: AsyncSession, *, urgency: Urgency, data: schemas.SlaPolicyWrite) -> schemas.SlaPolicy:
    """Applies to referrals received from now on; running clocks keep the targets they started with."""
    row = await session.get(SlaPolicy, urgency.value, with_for_update=True)
    if row is None:
        row = SlaPolicy(urgency=urgency.value)
        session.add(row)
    row.first_contact_value, row.first_contact_unit = data.first_contact.value, data.first_contact.unit
    row.scheduled_value, row.scheduled_unit = data.scheduled.value, data.scheduled.unit
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.sla_policy_save", "sla_policy", urgency.value)
    return _policy_view(urgency, row)


# Work queues.


async def _members(session: AsyncSession, queue_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(WorkQueueMember.user_id).where(WorkQueueMember.queue_id == queue_id).order_by(WorkQueueMember.user_id)
    return list((await session.execute(stmt)).scalars())


async def queue_view(session: AsyncSession, row: WorkQueue) -> schemas.WorkQueue:
    return schemas.WorkQueue(
        id=row.id,
        version=row.version,
        name=row.name,
        lead_id=row.lead_id,
        calendar_id=row.calendar_id,
        member_ids=await _members(session, row.id),
    )


async def _check_refs(session: AsyncSession, data: schemas.WorkQueueWrite) -> None:
    if data.calendar_id and await session.get(BusinessCalendar, data.calendar_id) is None:
        raise InvalidInput(f"Calendar {data.calendar_id} does not exist.", field="body.calendar_id")
    wanted = {*data.member_ids, *([data.lead_id] if data.lead_id else [])}
    found = set((await session.execute(select(User.id).where(User.id.in_(wanted)))).scalars()) if wanted else set()
    if data.lead_id and data.lead_id not in found:
        raise InvalidInput(f"User {data.lead_id} does not exist.", field="body.lead_id")
    for i, member in enumerate(data.member_ids):
        if member not in found:
            raise InvalidInput(f"User {member} does not exist.", field=f"body.member_ids.{i}")


async def list_queues(session: AsyncSession) -> list[schemas.WorkQueue]:
    rows = (await session.execute(select(WorkQueue).order_by(WorkQueue.name))).scalars()
    return [await queue_view(session, row) for row in rows]


async def get_queue(session: AsyncSession, queue_id: uuid.UUID) -> WorkQueue:
    row = await session.get(WorkQueue, queue_id)
    if row is None:
        raise NotFound("Work queue", queue_id)
    return row


async def save_queue(
    session: AsyncSession,
    *,
    data: schemas.WorkQueueWrite,
    queue_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> schemas.WorkQueue:
    await _check_refs(session, data)
    row: WorkQueue | None
    if queue_id is None:
        row = WorkQueue(name=data.name, version=1, turn=0)
        session.add(row)
    else:
        row = await session.get(WorkQueue, queue_id, with_for_update=True)
        if row is None:
            raise NotFound("Work queue", queue_id)
        _check_version(row, expected_version, "work queue")
        row.version += 1
        await session.execute(delete(WorkQueueMember).where(WorkQueueMember.queue_id == row.id))
    row.name, row.lead_id, row.calendar_id = data.name, data.lead_id, data.calendar_id
    await session.flush()
    session.add_all(WorkQueueMember(queue_id=row.id, user_id=m) for m in dict.fromkeys(data.member_ids))
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.work_queue_save", "work_queue", row.id)
    return await queue_view(session, row)
