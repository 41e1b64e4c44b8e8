"""The summary from the daily rollups: the same SummaryRows as repository.summary_rows, exactly.

Full UTC days inside the period read analytics_daily_rollup (a few rows per day and filter value,
not one per referral); the partial first and last days read the facts. The rollup answers no filter,
one filter (any number of its values), referring providers and organizations included, and two of the
low-cardinality filters at once (spreads.dimension); other combinations stay on the facts (`covers`
says which path applies). Medians and p90s, which a sum cannot give, come from the daily spreads
(analytics.spreads).
"""

import asyncio
from datetime import UTC
from typing import Any

from sqlalchemy import DateTime, Integer, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import spreads
from domain.analytics.days import edges, full_days
from domain.analytics.models import DailyReferrerRollup, DailyRollup
from domain.analytics.repository import (
    F,
    SummaryRows,
    bucket_of,
    bucket_start,
    filter_clauses,
    metric_row,
    reason_counts,
    referrer_list,
)
from domain.analytics.schemas import Period, SummaryFilters, SummaryGrouping
from domain.referrals.enums import DeclineReason, LeakageReason
from domain.referrals.enums import ReferralStatus as S

R = DailyRollup.__table__
RR = DailyReferrerRollup.__table__


# Two filters with several values each sum a rollup and a spread row per pair of values and day; from
# four pairs the day packs, which hold the same days' facts once, answer sooner (payer x2 + urgency x2
# by month: p95 148-152 ms from the rollups, 139 from the packs; payer x2 + channel x3: 169-177 against
# 118-137; bench/analytics_summary.py on 1,000,000 referrals).
PACKS_FROM_PAIRS = 4


def covers(period: Period, filters: SummaryFilters) -> bool:
    chosen = spreads.dimension(filters)
    if full_days(period) is None or chosen is None:
        return False
    dimension, values = chosen
    return not ("+" in dimension and len(values) >= PACKS_FROM_PAIRS)


def _counted(period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None) -> Any:
    """Rollup rows of the full days, and one row per fact of the partial days, with the same columns."""
    days, chosen = full_days(period), spreads.dimension(filters)
    assert days is not None and chosen is not None
    (first, last), (dimension, values) = days, chosen
    from_rollup = select(
        bucket_of(grouping, cast(R.c.day, DateTime())).label("bucket"),
        R.c.status,
        R.c.status_reason,
        R.c.referrals.label("n"),
        R.c.completed,
        R.c.closed,
        R.c.noshows,
        R.c.fulfilled,
    ).where(R.c.dimension == dimension, R.c.value.in_(values), R.c.day >= first.date(), R.c.day < last.date())
    from_facts = select(
        bucket_of(grouping, F.c.received_at.op("AT TIME ZONE")(literal("UTC"))),
        F.c.status,
        F.c.status_reason,
        literal(1),
        cast(F.c.completed_at.is_not(None), Integer),
        cast(F.c.closed_at.is_not(None), Integer),
        F.c.noshow_appointments,
        F.c.fulfilled_appointments,
    ).where(edges(period, days), *filter_clauses(F, filters))
    rows = union_all(from_rollup, from_facts).subquery("rows")
    # Summed per bucket, status and reason first: the forty FILTER aggregates then see a few hundred
    # rows instead of every day's (a year unfiltered by week: 27 -> 12 ms in PostgreSQL).
    return (
        select(
            rows.c.bucket,
            rows.c.status,
            rows.c.status_reason,
            *(func.sum(rows.c[name]).label(name) for name in ("n", "completed", "closed", "noshows", "fulfilled")),
        )
        .group_by(rows.c.bucket, rows.c.status, rows.c.status_reason)
        .subquery("counted")
    )


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


def _count_columns(c: Any) -> list[Any]:
    def tally(condition: Any) -> Any:
        return func.coalesce(func.sum(c.c.n).filter(condition), 0)

    return [
        _sum(c.c.n).label("volume"),
        *[tally(c.c.status == status.value).label(f"status:{status}") for status in S],
        _sum(c.c.completed).label("completed"),
        _sum(c.c.closed).label("closed"),
        *reason_counts(c, S.cancelled, [r.value for r in LeakageReason], tally),
        *reason_counts(c, S.declined, [r.value for r in DeclineReason], tally),
        _sum(c.c.noshows).label("noshows"),
        _sum(c.c.fulfilled).label("fulfilled"),
    ]


def _top_from_rollup(period: Period, filters: SummaryFilters, limit: int) -> Any:
    days, chosen = full_days(period), spreads.dimension(filters)
    assert days is not None and chosen is not None
    (first, last), (dimension, values) = days, chosen
    if dimension == "referring_provider_id":
        dimension, values = "all", [""]  # the referrers rollup is per provider already: its rows are filtered
    referrers = [RR.c.referring_provider_id.in_(filters.referring_provider_id)] if filters.referring_provider_id else []
    parts = union_all(
        select(RR.c.referring_provider_id, RR.c.referrals.label("n"), RR.c.completed).where(
            RR.c.dimension == dimension,
            RR.c.value.in_(values),
            RR.c.day >= first.date(),
            RR.c.day < last.date(),
            *referrers,
        ),
        select(F.c.referring_provider_id, literal(1), cast(F.c.completed_at.is_not(None), Integer)).where(
            edges(period, days), F.c.referring_provider_id.is_not(None), *filter_clauses(F, filters)
        ),
    ).subquery("parts")
    volume = func.sum(parts.c.n).label("volume")
    top = (
        select(parts.c.referring_provider_id, volume, func.sum(parts.c.completed).label("converted"))
        .group_by(parts.c.referring_provider_id)
        .having(func.sum(parts.c.n) > 0)  # deltas that cancel out leave a referrer with no referral
        .order_by(volume.desc(), parts.c.referring_provider_id)
        .limit(limit)
        .subquery("t")
    )
    return referrer_list(top)


def _grouped(source: Any, grouping: SummaryGrouping | None, columns: list[Any]) -> Any:
    if grouping:
        keys = [source.c.bucket, func.grouping(source.c.bucket).label("is_total")]
        return select(*keys, *columns).group_by(func.rollup(source.c.bucket))
    keys = [literal(None).label("bucket"), literal(1).label("is_total")]
    return select(*keys, *columns).select_from(source)


async def summary_rows(
    session: AsyncSession, *, period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None, top: int
) -> SummaryRows:
    """Only where `covers(period, filters)`."""
    counted = _counted(period, filters, grouping)
    ranked = _top_from_rollup(period, filters, top).label("top_referrers")
    counts = _grouped(counted, grouping, [*_count_columns(counted), ranked])
    packed = await spreads.spread_rows(session, period=period, filters=filters, grouping=grouping)
    # The medians are picked in a thread while PostgreSQL sums the counts.
    figuring = asyncio.ensure_future(spreads.figures(packed, grouped=grouping is not None))
    try:
        count_rows = (await session.execute(counts)).mappings().all()
    finally:
        spread = await figuring
    sla, channels = spread[None].pop("sla"), spread[None].pop("reminder_channels")
    rows = []
    for row in count_rows:
        if row["is_total"] == 0 and row["volume"] == 0:
            continue  # deltas that cancel out: the facts have no referral in this bucket
        rows.append({**row, **spread.get(None if row["is_total"] else row["bucket"].replace(tzinfo=UTC), {})})
    totals = next(row for row in rows if row["is_total"] == 1)
    return SummaryRows(
        totals=metric_row(totals),
        buckets=sorted((metric_row(row) for row in rows if row["is_total"] == 0), key=bucket_start),
        top_referrers=[tuple(item) for item in totals["top_referrers"] or []],
        sla=sla,
        reminder_channels=channels,
    )
