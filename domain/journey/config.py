"""Journey settings held in memory per process, checked against the settings token on every use.

Intake reads the rules, queues, calendars and policies on every referral; loading them each time
cost several queries. Every admin change replaces the token (`bump`), in the same transaction, so a
process reloads exactly when what it holds is no longer what its transaction sees."""

import uuid
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey.business_time import Calendar
from domain.journey.models import (
    BusinessCalendar,
    CompletenessRule,
    RoutingRule,
    SlaPolicy,
    WorkQueue,
    WorkQueueMember,
)
from domain.shared.db import driver_connection


@dataclass(frozen=True)
class Rule:
    id: uuid.UUID
    name: str
    conditions: dict[str, list[str]]
    queue_id: uuid.UUID
    strategy: str


@dataclass(frozen=True)
class Completeness:
    items: list[dict[str, str]]
    remind_every_days: int
    decline_after_days: int


@dataclass(frozen=True)
class Settings:
    token: uuid.UUID | None
    rules: list[Rule] = field(default_factory=list)
    members: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)
    queue_names: dict[uuid.UUID, str] = field(default_factory=dict)
    queue_calendar: dict[str, uuid.UUID] = field(default_factory=dict)
    calendars: dict[uuid.UUID, Calendar] = field(default_factory=dict)
    default_calendar_id: uuid.UUID | None = None
    policies: dict[str, tuple[tuple[int, str], tuple[int, str]]] = field(default_factory=dict)
    completeness: dict[str, Completeness] = field(default_factory=dict)

    def calendar_for(self, queue: str | None) -> tuple[uuid.UUID | None, Calendar | None]:
        calendar_id = self.queue_calendar.get(queue or "") or self.default_calendar_id
        return calendar_id, self.calendars.get(calendar_id) if calendar_id else None


_held: Settings | None = None


SESSION_KEY = "journey_settings"


async def bump(session: AsyncSession) -> None:
    session.info.pop(SESSION_KEY, None)
    await session.execute(
        text(
            "INSERT INTO journey_settings (id, token) VALUES (1, gen_random_uuid()) "
            "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
        )
    )


async def _load(session: AsyncSession, token: uuid.UUID | None) -> Settings:
    from domain.journey.sla import to_calendar

    rules = [
        Rule(r.id, r.name, dict(r.conditions), r.queue_id, r.strategy)
        for r in (
            await session.execute(
                select(RoutingRule).where(RoutingRule.active).order_by(RoutingRule.position, RoutingRule.created_at)
            )
        ).scalars()
    ]
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for queue_id, user_id in await session.execute(
        select(WorkQueueMember.queue_id, WorkQueueMember.user_id).order_by(WorkQueueMember.user_id)
    ):
        members.setdefault(queue_id, []).append(user_id)
    queues = list((await session.execute(select(WorkQueue))).scalars())
    calendars = list((await session.execute(select(BusinessCalendar))).scalars())
    policies = {
        p.urgency: ((p.first_contact_value, p.first_contact_unit), (p.scheduled_value, p.scheduled_unit))
        for p in (await session.execute(select(SlaPolicy))).scalars()
    }
    completeness = {
        c.service_line: Completeness(list(c.items), c.remind_every_days, c.decline_after_days)
        for c in (await session.execute(select(CompletenessRule))).scalars()
    }
    return Settings(
        token=token,
        rules=rules,
        members=members,
        queue_names={q.id: q.name for q in queues},
        queue_calendar={q.name: q.calendar_id for q in queues if q.calendar_id},
        calendars={c.id: to_calendar(c) for c in calendars},
        default_calendar_id=next((c.id for c in calendars if c.is_default), None),
        policies=policies,
        completeness=completeness,
    )


async def current(session: AsyncSession) -> Settings:
    """Checked once per session (one request or job), reloaded only when the token moved."""
    global _held
    if SESSION_KEY in session.info:
        return cast(Settings, session.info[SESSION_KEY])  # session.info holds values of any type
    driver = await driver_connection(session, read=True)
    token = await driver.fetchval("SELECT token FROM journey_settings WHERE id = 1")
    held = _held
    if held is None or held.token != token or token is None:
        held = _held = await _load(session, token)
    session.info[SESSION_KEY] = held
    return held
