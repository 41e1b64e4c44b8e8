"""The analytics summary: figures as DESIGN.md "Metric definitions" defines them."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import packs, rollups
from domain.analytics.repository import MetricRow, summary_rows
from domain.analytics.schemas import (
    AnalyticsSummary,
    MetricDuration,
    MetricRate,
    Period,
    PeriodMetrics,
    ReasonCount,
    ReferrerVolume,
    ReminderChannelRates,
    SeriesBucket,
    SlaAttainment,
    StatusCount,
    SummaryFilters,
    SummaryGrouping,
)
from domain.referrals.enums import DeclineReason, LeakageReason, ReferralStatus
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput

QUICK_PLANS = text(
    "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true), "
    "set_config('work_mem', '32MB', true)"
)
DEFAULT_PERIOD = timedelta(days=90)
# About three years: enough for year-on-year trends, and it bounds what one request can scan.
MAX_PERIOD = timedelta(days=1100)
# Far enough either way for any referral; keeps the date arithmetic away from year 1 and 9999.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def resolve_period(*, start: datetime | None, end: datetime | None) -> Period:
    """`to` defaults to now and `from` to 90 days before `to`; `to` is exclusive."""
    for field, value in (("query.from", start), ("query.to", end)):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidInput(f"must be between {EARLIEST.year} and {LATEST.year}.", field=field)
    end = end or utcnow()
    start = start or end - DEFAULT_PERIOD
    if start >= end:
        raise InvalidInput("`from` must be before `to` (the period is [from, to)).", field="query.from")
    if end - start > MAX_PERIOD:
        raise InvalidInput(f"The period may span at most {MAX_PERIOD.days} days.", field="query.from")
    return Period(start=start, end=end)


async def summary(
    session: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    filters: SummaryFilters,
    group_by: SummaryGrouping | None,
    top: int = 10,
) -> AnalyticsSummary:
    period = resolve_period(start=start, end=end)
    # The planner prices the per-day lookups high enough for JIT compilation (about 70 ms) and parallel
    # workers (about 30 ms to start), neither of which pays off for the few thousand rows read here.
    await session.execute(QUICK_PLANS)
    if rollups.covers(period, filters):
        rows = await rollups.summary_rows(session, period=period, filters=filters, grouping=group_by, top=top)
    elif packs.covers(period):  # a referrer beside another filter, three filters or more, many pairs
        rows = await packs.summary_rows(session, period=period, filters=filters, grouping=group_by, top=top)
    else:  # less than a whole UTC day
        rows = await summary_rows(session, period=period, filters=filters, grouping=group_by, top=top, journey=True)
    assert rows.sla is not None and rows.reminder_channels is not None  # both readers give them
    by_start = {row.bucket: row for row in rows.buckets}
    series = (
        [
            SeriesBucket(start=lo, end=hi, **_metrics(by_start.get(lo)).model_dump())
            for lo, hi in bucket_bounds(period, group_by)
        ]
        if group_by
        else []
    )
    return AnalyticsSummary(
        period_from=period.start,
        period_to=period.end,
        group_by=group_by,
        totals=_metrics(rows.totals),
        series=series,
        status_counts=[StatusCount(status=s, count=rows.totals.values[f"status:{s}"]) for s in ReferralStatus],
        top_referrers=[_referrer(*item) for item in rows.top_referrers],
        sla=[SlaAttainment(**item) for item in rows.sla],
        reminder_channels=[ReminderChannelRates(**item) for item in rows.reminder_channels],
    )


def bucket_bounds(period: Period, grouping: SummaryGrouping) -> list[tuple[datetime, datetime]]:
    """Every week (from Monday) or month touching the period, as [start, end) in UTC."""
    day = period.start.astimezone(UTC).date()
    if grouping is SummaryGrouping.week:
        day -= timedelta(days=day.weekday())
    else:
        day = day.replace(day=1)
    lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
    bounds = []
    while lo < period.end:
        hi = lo + timedelta(days=7) if grouping is SummaryGrouping.week else _next_month(lo)
        bounds.append((lo, hi))
        lo = hi
    return bounds


def _next_month(value: datetime) -> datetime:
    return value.replace(year=value.year + 1, month=1) if value.month == 12 else value.replace(month=value.month + 1)


def rate(count: int, of: int) -> MetricRate:
    return MetricRate(count=count, of=of, rate=count / of if of else None)


def _duration(values: dict[str, Any], name: str) -> MetricDuration:
    # percentile_cont over no rows is NULL, not an array of NULLs.
    median, p90 = values.get(f"{name}_percentiles") or (None, None)
    return MetricDuration(count=values.get(f"{name}_n", 0), median=median, p90=p90)


def _reasons(values: dict[str, Any], status: str, reasons: list[str], volume: int) -> list[ReasonCount]:
    counts = [(reason, values.get(f"{status}:{reason}", 0)) for reason in reasons]
    return [ReasonCount(reason=r, count=n, rate=n / volume if volume else None) for r, n in counts]


def _metrics(row: MetricRow | None) -> PeriodMetrics:
    v = row.values if row else {}
    volume = v.get("volume", 0)
    noshows, fulfilled = int(v.get("noshows", 0)), int(v.get("fulfilled", 0))
    return PeriodMetrics(
        volume=volume,
        conversion=rate(v.get("completed", 0), volume),
        leakage=rate(v.get("status:cancelled", 0), volume),
        leakage_reasons=_reasons(v, "cancelled", [r.value for r in LeakageReason], volume),
        decline=rate(v.get("status:declined", 0), volume),
        decline_reasons=_reasons(v, "declined", [r.value for r in DeclineReason], volume),
        time_to_first_contact_hours=_duration(v, "contact_hours"),
        time_to_appointment_days=_duration(v, "appointment_days"),
        no_show=rate(noshows, noshows + fulfilled),
        loop_closure=rate(v.get("closed", 0), v.get("completed", 0)),
        loop_closure_time_hours=_duration(v, "closure_hours"),
    )


def _referrer(
    provider_id: str,
    volume: int,
    converted: int,
    given: str | None,
    family: str | None,
    npi: str | None = None,
    practice: list[str] | None = None,  # [organization id, name], from JSON
) -> ReferrerVolume:
    name = " ".join(part for part in (given, family) if part) or None
    practice_id, practice_name = practice or (None, None)
    return ReferrerVolume(
        referring_provider_id=provider_id,
        name=name,
        npi=npi,
        practice_id=practice_id,
        practice_name=practice_name,
        volume=volume,
        conversion=rate(converted, volume),
    )
