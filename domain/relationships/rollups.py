"""SQL that turns analytics_referral_facts into per-referrer (or per-organization) counts.

One grouped scan of the trailing year feeds every figure of the snapshot; a period of the
caller's choosing runs the same aggregate over its own range. Revenue joins the fee schedule
and recorded actual revenue on the way.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.models import ReferralFact
from domain.relationships.models import FeeScheduleEntry, ReferralRevenue

F = ReferralFact.__table__
FEE = FeeScheduleEntry.__table__
ACTUAL = ReferralRevenue.__table__
SPARK_WEEKS = 13

GROUP_COLUMN = {"provider": F.c.referring_provider_id, "organization": F.c.referring_organization_id}


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def has(self, column: Any) -> Any:
        return and_(column >= self.start, column < self.end)


def revenue_of() -> Any:
    """A completed referral earns its actual revenue when recorded, else its fee-schedule amount."""
    return func.coalesce(
        func.sum(func.coalesce(ACTUAL.c.amount, FEE.c.amount)).filter(F.c.completed_at.is_not(None)), 0
    )


def period_columns(window: Window, prefix: str = "") -> list[Any]:
    inside = window.has(F.c.received_at)
    return [
        func.count().filter(inside).label(f"{prefix}volume"),
        func.count(F.c.completed_at).filter(inside).label(f"{prefix}completed"),
        func.count().filter(and_(inside, F.c.status == "cancelled")).label(f"{prefix}cancelled"),
        func.count(F.c.closed_at).filter(inside).label(f"{prefix}closed"),
        func.percentile_cont(0.5).within_group(F.c.appointment_days).filter(inside).label(f"{prefix}median_days"),
        func.coalesce(
            func.sum(func.coalesce(ACTUAL.c.amount, FEE.c.amount)).filter(and_(inside, F.c.completed_at.is_not(None))),
            0,
        ).label(f"{prefix}revenue"),
    ]


def _joined() -> Any:
    return F.outerjoin(ACTUAL, ACTUAL.c.referral_id == F.c.referral_id).outerjoin(
        FEE, and_(FEE.c.service_line == F.c.service_line, FEE.c.payer_class == F.c.payer_class)
    )


async def period_counts(
    session: AsyncSession,
    *,
    kind: str,
    window: Window,
    subject_ids: list[uuid.UUID] | None = None,
    service_line: str | None = None,
) -> dict[uuid.UUID, dict[str, Any]]:
    """The period's figures and `prior_volume` (the same length just before), in one scan."""
    group = GROUP_COLUMN[kind]
    prior = Window(window.start - (window.end - window.start), window.start)
    stmt = (
        select(
            group.label("subject_id"),
            *period_columns(window),
            func.count().filter(prior.has(F.c.received_at)).label("prior_volume"),
        )
        .select_from(_joined())
        .where(group.is_not(None), Window(prior.start, window.end).has(F.c.received_at))
        .group_by(group)
    )
    if subject_ids is not None:
        stmt = stmt.where(group.in_(subject_ids))
    if service_line is not None:
        stmt = stmt.where(F.c.service_line == service_line)
    return {row["subject_id"]: dict(row) for row in (await session.execute(stmt)).mappings()}


async def monthly_counts(session: AsyncSession, *, provider_id: uuid.UUID, window: Window) -> dict[Any, dict[str, Any]]:
    """One referrer's period figures by calendar month (UTC) of receipt."""
    month = func.date_trunc("month", F.c.received_at.op("AT TIME ZONE")(literal("UTC")))
    stmt = (
        select(month.label("month"), *period_columns(window))
        .select_from(_joined())
        .where(F.c.referring_provider_id == provider_id, window.has(F.c.received_at))
        .group_by(month)
    )
    return {row["month"].date(): dict(row) for row in (await session.execute(stmt)).mappings()}


async def year_counts(
    session: AsyncSession,
    *,
    kind: str,
    end: datetime,
    months_from: datetime,
    months_to: datetime,
    strategic_lines: list[str],
) -> dict[uuid.UUID, dict[str, Any]]:
    """Everything the snapshot needs from the 365 days before `end`, one row per subject."""
    group = GROUP_COLUMN[kind]
    year = Window(end - timedelta(days=365), end)
    current = Window(end - timedelta(days=90), end)
    prior = Window(end - timedelta(days=180), end - timedelta(days=90))
    received = F.c.received_at
    weeks = [
        func.count().filter(
            Window(end - timedelta(weeks=SPARK_WEEKS - i), end - timedelta(weeks=SPARK_WEEKS - 1 - i)).has(received)
        )
        for i in range(SPARK_WEEKS)
    ]
    month = func.date_trunc("month", received.op("AT TIME ZONE")(literal("UTC")))
    stmt = (
        select(
            group.label("subject_id"),
            *period_columns(current),
            func.count().filter(prior.has(received)).label("prior_volume"),
            func.count().label("year_volume"),
            func.count(F.c.completed_at).label("year_completed"),
            func.count().filter(received >= end - timedelta(days=182)).label("last_6"),
            func.count().filter(received < end - timedelta(days=182)).label("prior_6"),
            func.count().filter(F.c.service_line.in_(strategic_lines or [""])).label("strategic"),
            func.count().filter(received >= end - timedelta(days=180)).label("last_180"),
            func.count(func.distinct(month))
            .filter(and_(received >= months_from, received < months_to))
            .label("months"),
            func.json_build_array(*weeks).label("weekly"),
        )
        .select_from(_joined())
        .where(group.is_not(None), year.has(received))
        .group_by(group)
    )
    return {row["subject_id"]: dict(row) for row in (await session.execute(stmt)).mappings()}


async def first_received(session: AsyncSession, *, kind: str) -> dict[uuid.UUID, datetime]:
    """Each subject's first referral ever: a skip scan over the (subject, received_at) index."""
    group = GROUP_COLUMN[kind]
    table = "analytics_referral_facts"
    column = group.name
    sql = f"""
        WITH RECURSIVE walk AS (
            (SELECT {column} AS id FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
            UNION ALL
            SELECT (SELECT {column} FROM {table} WHERE {column} > walk.id ORDER BY {column} LIMIT 1)
            FROM walk WHERE walk.id IS NOT NULL
        )
        SELECT id, (SELECT min(received_at) FROM {table} WHERE {column} = walk.id) FROM walk WHERE id IS NOT NULL
    """
    return {row[0]: row[1] for row in await session.execute(text(sql))}
