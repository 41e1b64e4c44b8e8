"""The summary from the daily rollups: the same SummaryRows as repository.summary_rows, exactly.

Full UTC days inside the period read analytics_daily_rollup (a few rows per day and filter value,
not one per referral); the partial first and last days read the facts. The rollup answers no filter
or one filter (any number of its values); referrer filters and combined filters stay on the facts
(`covers` says which path applies), except that a filter on referring providers alone takes its top
referrers from analytics_daily_referrers (`covers_referrers`). Medians and p90s are percentile_cont
over the facts as before: a sum cannot give them.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, and_, cast, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.models import DailyReferrerRollup, DailyRollup
from domain.analytics.repository import (
    F,
    MetricRow,
    SummaryRows,
    base_rows,
    filter_clauses,
    metric_row,
    percentiles,
    reason_counts,
    referrer_list,
)
from domain.analytics.repository import summary_rows as facts_summary_rows
from domain.analytics.schemas import Period, SummaryFilters, SummaryGrouping
from domain.referrals.enums import DeclineReason, LeakageReason
from domain.referrals.enums import ReferralStatus as S

R = DailyRollup.__table__
RR = DailyReferrerRollup.__table__


def full_days(period: Period) -> tuple[datetime, datetime] | None:
    """[first, last): the whole UTC days inside the period, or None when it holds none."""
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(days=1)
    last = end.replace(hour=0, minute=0, second=0, microsecond=0)
    return (first, last) if first < last else None


def _dimension(filters: SummaryFilters) -> tuple[str, list[str]] | None:
    """The one rollup dimension the filters use and its values; ("all", [""]) for none; None otherwise."""
    if filters.referring_provider_id or filters.referring_organization_id:
        return None
    used = [
        (name, values)
        for name, values in (
            ("service_line", filters.service_line),
            ("location_preference", filters.location),
            ("payer_class", [v.value for v in filters.payer_class]),
            ("source_channel", [v.value for v in filters.source_channel]),
            ("urgency", [v.value for v in filters.urgency]),
        )
        if values
    ]
    if not used:
        return ("all", [""])
    return used[0] if len(used) == 1 else None


def covers(period: Period, filters: SummaryFilters) -> bool:
    return full_days(period) is not None and _dimension(filters) is not None


def covers_referrers(period: Period, filters: SummaryFilters) -> bool:
    """Only referring providers filter the period and it holds a whole day: `referrer_rows` applies."""
    others = replace(filters, referring_provider_id=[])
    return bool(filters.referring_provider_id) and full_days(period) is not None and _dimension(others) == ("all", [""])


async def referrer_rows(
    session: AsyncSession, *, period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None, top: int
) -> SummaryRows:
    """Only where `covers_referrers`: figures from the facts (one index range per provider), the
    top referrers from the (day, provider) rollup, which saves a second pass over the provider's facts."""
    ranked = _top_from_rollup(period, filters, top, ("all", [""])).label("top_referrers")
    return await facts_summary_rows(session, period=period, filters=filters, grouping=grouping, top=top, ranked=ranked)


def _edges(period: Period, days: tuple[datetime, datetime]) -> Any:
    """The facts of the partial first and last days."""
    first, last = days
    return or_(
        and_(F.c.received_at >= period.start, F.c.received_at < first),
        and_(F.c.received_at >= last, F.c.received_at < period.end),
    )


def _bucket(grouping: SummaryGrouping | None, wall_time: Any) -> Any:
    return func.date_trunc(grouping.value, wall_time) if grouping else literal(None, DateTime())


def _counted(period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None) -> Any:
    """Rollup rows of the full days, and one row per fact of the partial days, with the same columns."""
    days, chosen = full_days(period), _dimension(filters)
    assert days is not None and chosen is not None
    (first, last), (dimension, values) = days, chosen
    from_rollup = select(
        _bucket(grouping, cast(R.c.day, DateTime())).label("bucket"),
        R.c.status,
        R.c.status_reason,
        R.c.referrals.label("n"),
        R.c.completed,
        R.c.closed,
        R.c.noshows,
        R.c.fulfilled,
    ).where(R.c.dimension == dimension, R.c.value.in_(values), R.c.day >= first.date(), R.c.day < last.date())
    from_facts = select(
        _bucket(grouping, F.c.received_at.op("AT TIME ZONE")(literal("UTC"))),
        F.c.status,
        F.c.status_reason,
        literal(1),
        cast(F.c.completed_at.is_not(None), Integer),
        cast(F.c.closed_at.is_not(None), Integer),
        F.c.noshow_appointments,
        F.c.fulfilled_appointments,
    ).where(_edges(period, days), *filter_clauses(F, filters))
    return union_all(from_rollup, from_facts).subquery("counted")


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


def _top_from_rollup(
    period: Period, filters: SummaryFilters, limit: int, chosen: tuple[str, list[str]] | None = None
) -> Any:
    days, chosen = full_days(period), chosen or _dimension(filters)
    assert days is not None and chosen is not None
    (first, last), (dimension, values) = days, chosen
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
            _edges(period, days), F.c.referring_provider_id.is_not(None), *filter_clauses(F, filters)
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


def _start(row: MetricRow) -> datetime:
    assert row.bucket is not None  # only the total row has none
    return row.bucket


async def summary_rows(
    session: AsyncSession, *, period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None, top: int
) -> SummaryRows:
    """Only where `covers(period, filters)`."""
    counted = _counted(period, filters, grouping)
    base = base_rows(period, filters, grouping)
    ranked = _top_from_rollup(period, filters, top).label("top_referrers")
    counts = _grouped(counted, grouping, [*_count_columns(counted), ranked])
    spreads = _grouped(
        base,
        grouping,
        [
            *percentiles(base.c.contact_hours, "contact_hours"),
            *percentiles(base.c.appointment_days, "appointment_days"),
            *percentiles(base.c.closure_hours, "closure_hours"),
        ],
    )
    count_rows = (await session.execute(counts)).mappings().all()
    spread_rows = {(row["is_total"], row["bucket"]): row for row in (await session.execute(spreads)).mappings()}
    rows = []
    for row in count_rows:
        if row["is_total"] == 0 and row["volume"] == 0:
            continue  # deltas that cancel out: the facts have no referral in this bucket
        merged = dict(row)
        spread = spread_rows.get((row["is_total"], row["bucket"]))
        merged.update({k: v for k, v in (spread or {}).items() if k not in ("bucket", "is_total")})
        rows.append(merged)
    totals = next(row for row in rows if row["is_total"] == 1)
    return SummaryRows(
        totals=metric_row(totals),
        buckets=sorted((metric_row(row) for row in rows if row["is_total"] == 0), key=_start),
        top_referrers=[tuple(item) for item in totals["top_referrers"] or []],
    )
