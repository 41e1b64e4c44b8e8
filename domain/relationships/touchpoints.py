"""Touchpoints a liaison logs, their follow-up tasks, and a referrer's relationship timeline."""

import uuid
from datetime import UTC, datetime, time
from typing import TypeVarTuple

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.audit import trail as audit
from domain.providers.models import Organization, Provider
from domain.referrals.models import Referral
from domain.relationships.models import Program, Touchpoint
from domain.relationships.schemas import TimelineItem, TouchpointCreate
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, NotFound
from domain.shared.ids import uuid7
from domain.shared.outbox import OutboxMessage
from domain.shared.repository import Repository, decode_cursor, encode_cursor
from domain.tasks.enums import TaskPriority, TaskStatus, TaskType
from domain.tasks.models import Task

Ts = TypeVarTuple("Ts")

FOLLOW_UP_HOUR = time(9, 0)


class TouchpointRepository(Repository[Touchpoint]):
    model = Touchpoint
    entity_name = "Touchpoint"


async def _subject_name(session: AsyncSession, data: TouchpointCreate) -> str:
    if data.provider_id is not None:
        provider = await session.get(Provider, data.provider_id)
        if provider is None:
            raise InvalidInput(f"Provider {data.provider_id} does not exist.", field="body.provider_id")
        return " ".join(p for p in (provider.prefix, provider.given_name, provider.family_name) if p)
    organization = await session.get(Organization, data.organization_id)
    if organization is None:
        raise InvalidInput(f"Organization {data.organization_id} does not exist.", field="body.organization_id")
    return organization.name


async def log_touchpoint(session: AsyncSession, *, data: TouchpointCreate, liaison_id: uuid.UUID) -> Touchpoint:
    name = await _subject_name(session, data)
    if (
        data.organization_id is not None
        and data.provider_id is not None
        and await session.get(Organization, data.organization_id) is None
    ):
        raise InvalidInput(f"Organization {data.organization_id} does not exist.", field="body.organization_id")
    if data.program_id is not None and await session.get(Program, data.program_id) is None:
        raise InvalidInput(f"Program {data.program_id} does not exist.", field="body.program_id")
    occurred_at = data.occurred_at or utcnow()
    if occurred_at > utcnow():
        raise InvalidInput(
            "occurred_at is in the future; log a touchpoint once it has happened.", field="body.occurred_at"
        )
    touchpoint = Touchpoint(
        id=uuid7(),
        provider_id=data.provider_id,
        organization_id=data.organization_id,
        liaison_id=liaison_id,
        occurred_at=occurred_at,
        kind=data.kind,
        program_id=data.program_id,
        notes=data.notes,
        outcome=data.outcome,
        follow_up_on=data.follow_up_on,
    )
    if data.follow_up_on is not None:
        task = Task(
            id=uuid7(),
            type=TaskType.follow_up,
            title=f"Follow up with {name}",
            description=f"After the {data.kind.replace('_', ' ')} on {occurred_at.date().isoformat()}"
            + (f": {data.outcome}" if data.outcome else ""),
            provider_id=data.provider_id,
            assignee_id=liaison_id,
            due_at=datetime.combine(data.follow_up_on, FOLLOW_UP_HOUR, UTC),
            priority=TaskPriority.normal,
            status=TaskStatus.open,
        )
        session.add(task)
        await session.flush()
        touchpoint.task_id = task.id
    session.add(touchpoint)
    await session.flush()
    audit.note(session, "touchpoint.create", "touchpoint", touchpoint.id)
    return touchpoint


async def list_touchpoints(
    session: AsyncSession,
    *,
    provider_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    liaison_id: uuid.UUID | None,
    program_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Touchpoint], str | None]:
    stmt = select(Touchpoint)
    for column, value in (
        (Touchpoint.provider_id, provider_id),
        (Touchpoint.organization_id, organization_id),
        (Touchpoint.liaison_id, liaison_id),
        (Touchpoint.program_id, program_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return await TouchpointRepository(session).paginate(
        stmt, sort=Touchpoint.occurred_at, descending=True, limit=limit, cursor=cursor
    )


async def timeline(
    session: AsyncSession, *, provider_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[TimelineItem], str | None]:
    """Referrals received, touchpoints, messages sent to the referrer and loop-closure notices, newest first.
    No patient field: a referral shows its service line, urgency and status only."""
    if await session.get(Provider, provider_id) is None:
        raise NotFound("Provider", provider_id)
    after = decode_cursor(cursor) if cursor else None
    if after is not None and not isinstance(after[0], datetime):
        raise InvalidInput("The cursor is not one this service issued.", field="query.cursor")

    def page(
        stmt: Select[*Ts], at: InstrumentedAttribute[datetime], id_: InstrumentedAttribute[uuid.UUID]
    ) -> Select[*Ts]:
        if after is not None:
            stmt = stmt.where(tuple_(at, id_) < after)
        return stmt.order_by(at.desc(), id_.desc()).limit(limit + 1)

    items: list[TimelineItem] = []
    referrals = await session.execute(
        page(
            select(Referral.id, Referral.received_at, Referral.service_line, Referral.urgency, Referral.status).where(
                Referral.referring_provider_id == provider_id
            ),
            Referral.received_at,
            Referral.id,
        )
    )
    for rid, at, line, urgency, status in referrals:
        items.append(
            TimelineItem(
                at=at,
                kind="referral_received",
                id=rid,
                summary=f"{line} referral ({urgency})",
                detail={"service_line": line, "urgency": urgency, "status": status},
            )
        )
    touchpoints = await session.execute(
        page(select(Touchpoint).where(Touchpoint.provider_id == provider_id), Touchpoint.occurred_at, Touchpoint.id)
    )
    for (t,) in touchpoints:
        items.append(
            TimelineItem(
                at=t.occurred_at,
                kind="touchpoint",
                id=t.id,
                summary=t.kind.replace("_", " ") + (f": {t.outcome}" if t.outcome else ""),
                detail={
                    "kind": t.kind,
                    "liaison_id": str(t.liaison_id),
                    "notes": t.notes,
                    "program_id": str(t.program_id) if t.program_id else None,
                },
            )
        )
    sent_at = OutboxMessage.created_at
    messages = await session.execute(
        page(
            select(
                OutboxMessage.id,
                sent_at,
                OutboxMessage.kind,
                OutboxMessage.channel,
                OutboxMessage.status,
                OutboxMessage.referral_id,
            ).where(OutboxMessage.recipient_type == "provider", OutboxMessage.recipient_id == provider_id),
            sent_at,
            OutboxMessage.id,
        )
    )
    for mid, at, kind, channel, message_status, referral_id in messages:
        closure = kind == "loop_closure"
        what = "Loop-closure notice" if closure else kind.replace("_", " ")
        items.append(
            TimelineItem(
                at=at,
                kind="loop_closure" if closure else "message",
                id=mid,
                summary=f"{what} by {channel} ({message_status})",
                detail={
                    "message_kind": kind,
                    "channel": channel,
                    "status": message_status,
                    "referral_id": str(referral_id) if referral_id else None,
                },
            )
        )
    items.sort(key=lambda i: (i.at, i.id), reverse=True)
    shown = items[:limit]
    next_cursor = encode_cursor(shown[-1].at, shown[-1].id) if len(items) > limit else None
    audit.note(session, "referrer.timeline", "provider", provider_id)
    return shown, next_cursor
