"""The summary's SQL: one statement, one round trip.

It reads analytics_referral_facts (one narrow row per referral, kept current by triggers): an
index range scan on received_at, or on a filter column and received_at. Aggregates with FILTER
clauses turn the rows into the figures, ROLLUP adds the per-bucket rows beside the total, and
uncorrelated subqueries (each run once) add the top referrers and, where asked, SLA attainment and
the reminder channels.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Float, and_, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import reminder_channels
from domain.analytics.models import ReferralFact
from domain.analytics.schemas import Period, SummaryFilters, SummaryGrouping
from domain.journey.models import ReferralClock
from domain.journey.queries import SLA_MILESTONES, attainment_counts, attainments
from domain.providers.models import Affiliation, Organization, Provider
from domain.referrals.enums import DeclineReason, LeakageReason
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Referral

F = ReferralFact.__table__
P = Provider.__table__
A = Affiliation.__table__
ORG = Organization.__table__
C = ReferralClock.__table__


@dataclass(frozen=True)
class MetricRow:
    """Raw counts and percentiles for the whole period (bucket None) or one bucket."""

    bucket: datetime | None
    values: dict[str, Any]


@dataclass(frozen=True)
class SummaryRows:
    totals: MetricRow
    buckets: list[MetricRow]
    # (provider id, volume, converted, given name, family name), highest volume first.
    top_referrers: list[tuple[Any, ...]]
    # SLA attainment and reminder channels, when the reader had them at hand (as their own queries give them).
    sla: list[dict[str, Any]] | None = None
    reminder_channels: list[dict[str, Any]] | None = None


def filter_clauses(table: Any, filters: SummaryFilters) -> list[Any]:
    """The filters as WHERE clauses over the facts or a rollup (which name the shared columns alike)."""
    clauses: list[Any] = []
    for name, values in (
        ("referring_provider_id", filters.referring_provider_id),
        ("referring_organization_id", filters.referring_organization_id),
        ("service_line", filters.service_line),
        ("location_preference", filters.location),
        ("payer_class", [v.value for v in filters.payer_class]),
        ("source_channel", [v.value for v in filters.source_channel]),
        ("urgency", [v.value for v in filters.urgency]),
    ):
        if values:
            clauses.append(table.c[name].in_(values))
    return clauses


def _where(period: Period, filters: SummaryFilters) -> list[Any]:
    return [F.c.received_at >= period.start, F.c.received_at < period.end, *filter_clauses(F, filters)]


def period_clauses(period: Period, filters: SummaryFilters) -> list[Any]:
    """The summary's WHERE over analytics_referral_facts (`F`), for figures kept in other tables."""
    return _where(period, filters)


def bucket_of(grouping: SummaryGrouping | None, wall_time: Any) -> Any:
    """The week or month (UTC wall time) a row falls in, or NULL without grouping; every reader buckets alike."""
    return func.date_trunc(grouping.value, wall_time) if grouping else literal(None, DateTime())


def base_rows(
    period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None, *, journey: bool = False
) -> Any:
    """The period's facts under the filters. `journey` adds what SLA attainment and the reminder channels
    look up per fact, and reads them once into a materialised CTE that every part of the summary shares."""
    # Truncating the UTC wall time costs about half the CPU of date_trunc(..., 'UTC') on a timestamptz.
    utc_wall_time = F.c.received_at.op("AT TIME ZONE")(literal("UTC"))
    bucket = bucket_of(grouping, utc_wall_time)
    looked_up = [F.c.referral_id, F.c.first_appointment_start] if journey else []
    return (
        select(
            F.c.status,
            F.c.status_reason,
            F.c.referring_provider_id,
            F.c.completed_at,
            F.c.closed_at,
            bucket.label("bucket"),
            F.c.contact_hours,
            F.c.appointment_days,
            F.c.closure_hours,
            F.c.noshow_appointments,
            F.c.fulfilled_appointments,
            *looked_up,
        )
        .where(*_where(period, filters))
        .cte("base")
        # Inlined, two index range scans beat writing ~100k rows to a tuplestore. With `journey` there are
        # four readers, and filters no index narrows (three at once, say) would scan the period four times.
        .prefix_with("MATERIALIZED" if journey else "NOT MATERIALIZED")
    )


def _count(condition: Any) -> Any:
    return func.count().filter(condition)


def reason_counts(base: Any, status: S, reasons: list[str], tally: Callable[[Any], Any] = _count) -> list[Any]:
    """One column per reason of `status`: `tally(condition)` counts the rows that meet the condition."""
    named = [r for r in reasons if r != "other"]
    columns = [
        tally(and_(base.c.status == status.value, base.c.status_reason == reason)).label(f"{status}:{reason}")
        for reason in named
    ]
    # Anything outside the lifecycle's list (imported data, a missing reason) is `other`.
    unnamed = or_(base.c.status_reason.is_(None), base.c.status_reason.not_in(named))
    columns.append(tally(and_(base.c.status == status.value, unnamed)).label(f"{status}:other"))
    return columns


def percentiles(column: Any, name: str) -> list[Any]:
    # One sort serves both percentiles.
    return [
        func.count(column).label(f"{name}_n"),
        func.percentile_cont(literal([0.5, 0.9], ARRAY(Float))).within_group(column).label(f"{name}_percentiles"),
    ]


def _metric_columns(base: Any) -> list[Any]:
    return [
        func.count().label("volume"),
        *[func.count().filter(base.c.status == status.value).label(f"status:{status}") for status in S],
        func.count(base.c.completed_at).label("completed"),
        func.count(base.c.closed_at).label("closed"),
        *reason_counts(base, S.cancelled, [r.value for r in LeakageReason]),
        *reason_counts(base, S.declined, [r.value for r in DeclineReason]),
        *percentiles(base.c.contact_hours, "contact_hours"),
        *percentiles(base.c.appointment_days, "appointment_days"),
        *percentiles(base.c.closure_hours, "closure_hours"),
        func.coalesce(func.sum(base.c.noshow_appointments), 0).label("noshows"),
        func.coalesce(func.sum(base.c.fulfilled_appointments), 0).label("fulfilled"),
    ]


def top_referrers(base: Any, limit: int) -> Any:
    volume = func.count().label("volume")
    top = (
        select(base.c.referring_provider_id, volume, func.count(base.c.completed_at).label("converted"))
        .where(base.c.referring_provider_id.is_not(None))
        .group_by(base.c.referring_provider_id)
        .order_by(volume.desc(), base.c.referring_provider_id)
        .limit(limit)
        .subquery("t")
    )
    return referrer_list(top)


def referrer_list(top: Any) -> Any:
    """The ranked referrers of `top` (referring_provider_id, volume, converted) as one JSON array, names added."""
    practice = (
        select(func.json_build_array(ORG.c.id, ORG.c.name))
        .select_from(A.join(ORG, ORG.c.id == A.c.organization_id))
        .where(A.c.provider_id == top.c.referring_provider_id)
        .order_by(ORG.c.internal, A.c.created_at, ORG.c.name)
        .limit(1)
        .scalar_subquery()
    )
    row = func.json_build_array(
        top.c.referring_provider_id, top.c.volume, top.c.converted, P.c.given_name, P.c.family_name, P.c.npi, practice
    )
    return (
        select(func.json_agg(aggregate_order_by(row, top.c.volume.desc(), top.c.referring_provider_id)))
        .select_from(top.outerjoin(P, P.c.id == top.c.referring_provider_id))
        .scalar_subquery()
    )


async def summary_rows(
    session: AsyncSession,
    *,
    period: Period,
    filters: SummaryFilters,
    grouping: SummaryGrouping | None,
    top: int,
    ranked: Any = None,
    journey: bool = False,
) -> SummaryRows:
    """`ranked` replaces the top referrers read from the facts (a labelled scalar subquery). `journey`
    adds SLA attainment and the reminder channels, from the same read of the facts."""
    base = base_rows(period, filters, grouping, journey=journey)
    if ranked is None:
        ranked = top_referrers(base, top).label("top_referrers")
    extra = [_attainment(base).label("sla"), _channels(base).label("channels")] if journey else []
    if grouping:
        # ROLLUP(bucket): one row per bucket plus the total row (is_total = 1), even over no referrals.
        keys = [base.c.bucket, func.grouping(base.c.bucket).label("is_total")]
        stmt = select(*keys, *_metric_columns(base), ranked, *extra).group_by(func.rollup(base.c.bucket))
    else:
        keys = [literal(None).label("bucket"), literal(1).label("is_total")]
        stmt = select(*keys, *_metric_columns(base), ranked, *extra).select_from(base)
    rows = (await session.execute(stmt)).mappings().all()
    totals = next(row for row in rows if row["is_total"] == 1)
    return SummaryRows(
        totals=metric_row(totals),
        buckets=sorted((metric_row(row) for row in rows if row["is_total"] == 0), key=bucket_start),
        top_referrers=[tuple(item) for item in totals["top_referrers"] or []],
        sla=attainments(totals["sla"]) if journey else None,
        reminder_channels=(
            [reminder_channels.row_of(channel, counts) for channel, *counts in sorted(totals["channels"] or [])]
            if journey
            else None
        ),
    )


CHANNEL_FIELDS = ("channel", *reminder_channels.COUNTS)


CLOCK_COLUMNS = tuple(f"{m}_{part}" for m in SLA_MILESTONES for part in ("met", "due_at"))


def clock_of(facts: Any) -> Any:
    """Each fact's clock milestones (CLOCK_COLUMNS), as a lateral lookup by key: as a join the planner may
    hash every clock to meet a few thousand facts (LIMIT 1 keeps it a lookup)."""
    return (
        select(*(C.c[name] for name in CLOCK_COLUMNS))
        .where(C.c.referral_id == facts.c.referral_id)
        .limit(1)
        .lateral("clock")
    )


def _attainment(base: Any) -> Any:
    """journey.queries.sla_attainment over the base facts, each clock looked up by key."""
    clock = clock_of(base)
    counts = func.json_build_array(*attainment_counts(clock))
    return select(counts).select_from(base.join(clock, true())).scalar_subquery()


def _channels(base: Any) -> Any:
    """reminder_channels.counts over the base facts that have an appointment (first_appointment_start is
    set once one exists), as [channel, counts...] arrays."""
    per_channel = reminder_channels.counts(
        facts=base, where=[base.c.first_appointment_start.is_not(None)], per_fact=True
    ).subquery("per_channel")
    return select(
        func.json_agg(func.json_build_array(*(per_channel.c[name] for name in CHANNEL_FIELDS)))
    ).scalar_subquery()


def bucket_start(row: MetricRow) -> datetime:
    assert row.bucket is not None  # only the total row has no bucket
    return row.bucket


def metric_row(row: Any) -> MetricRow:
    values = {k: v for k, v in row.items() if k not in ("bucket", "is_total", "top_referrers", "sla", "channels")}
    bucket = row["bucket"].replace(tzinfo=UTC) if row["bucket"] else None  # UTC wall time, see base_rows
    return MetricRow(bucket=bucket, values=values)


@dataclass(frozen=True)
class PatternCell:
    service_line: str
    receiver_id: uuid.UUID | None
    receiver_name: str | None
    volume: int
    converted: int


async def pattern_cells(session: AsyncSession, *, referrer_id: uuid.UUID, period: Period) -> list[PatternCell]:
    """One cell per (service line, receiving provider) the referrer sent to in the period, biggest first."""
    receiver = Referral.receiving_provider_id
    name = func.concat_ws(" ", Provider.given_name, Provider.family_name)
    stmt = (
        select(F.c.service_line, receiver, name, func.count(), func.count(F.c.completed_at))
        .join(Referral, Referral.id == F.c.referral_id)
        .outerjoin(Provider, Provider.id == receiver)
        .where(F.c.referring_provider_id == referrer_id, F.c.received_at >= period.start, F.c.received_at < period.end)
        .group_by(F.c.service_line, receiver, name)
        .order_by(func.count().desc(), F.c.service_line, receiver)
    )
    rows = await session.execute(stmt)
    return [PatternCell(line, rid, rname or None, volume, converted) for line, rid, rname, volume, converted in rows]
