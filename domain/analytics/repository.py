"""The summary's SQL: one statement, one round trip.

A CTE picks the referrals received in the period that match the filters (an index range scan on
received_at or on a filter column), with each one's appointment facts from a LATERAL lookup on
appointments.referral_id. Aggregates with FILTER clauses turn it into the figures, ROLLUP adds the
per-bucket rows beside the total, and two uncorrelated subqueries (run once) add the status counts
and the top referrers.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, and_, cast, extract, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array_agg
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.schemas import Grouping, Period, SummaryFilters
from domain.providers.models import Provider
from domain.referrals.enums import AppointmentStatus, DeclineReason, LeakageReason, ReferralStatus as S
from domain.referrals.models import Appointment, Referral

R = Referral.__table__
A = Appointment.__table__
P = Provider.__table__


@dataclass(frozen=True)
class MetricRow:
    """Raw counts and percentiles for the whole period (bucket None) or one bucket."""

    bucket: datetime | None
    values: dict[str, Any]


@dataclass(frozen=True)
class SummaryRows:
    totals: MetricRow
    buckets: list[MetricRow]
    status_counts: dict[str, int]
    # (provider id, volume, converted, given name, family name), highest volume first.
    top_referrers: list[tuple[Any, ...]]


def _hours(later: Any, earlier: Any, unit_seconds: int) -> Any:
    return cast(extract("epoch", later - earlier), Float) / literal(float(unit_seconds), Float)


def _where(period: Period, filters: SummaryFilters) -> list[Any]:
    clauses: list[Any] = [R.c.received_at >= period.start, R.c.received_at < period.end]
    for column, values in (
        (R.c.referring_provider_id, filters.referring_provider_id),
        (R.c.referring_organization_id, filters.referring_organization_id),
        (R.c.service_line, filters.service_line),
        (R.c.location_preference, filters.location),
        (R.c.payer_class, [v.value for v in filters.payer_class]),
        (R.c.source_channel, [v.value for v in filters.source_channel]),
        (R.c.urgency, [v.value for v in filters.urgency]),
    ):
        if values:
            clauses.append(column.in_(values))
    return clauses


def _base(period: Period, filters: SummaryFilters, grouping: Grouping | None) -> Any:
    # Per referral: its first booked appointment (earliest created, whatever its later status)
    # and how many of its appointments ended fulfilled or noshow.
    appointments = (
        select(
            array_agg(aggregate_order_by(A.c.start, A.c.created_at, A.c.id), type_=ARRAY(DateTime(timezone=True)))[1]
            .label("first_start"),
            func.count().filter(A.c.status == AppointmentStatus.noshow.value).label("noshows"),
            func.count().filter(A.c.status == AppointmentStatus.fulfilled.value).label("fulfilled"),
        )
        .where(A.c.referral_id == R.c.id)
        .lateral("ap")
    )
    bucket = (
        func.date_trunc(grouping.value, R.c.received_at, "UTC") if grouping else literal(None, DateTime(timezone=True))
    )
    return (
        select(
            R.c.status,
            R.c.status_reason,
            R.c.referring_provider_id,
            R.c.completed_at,
            R.c.closed_at,
            bucket.label("bucket"),
            _hours(R.c.first_contact_at, R.c.received_at, 3600).label("contact_hours"),
            _hours(appointments.c.first_start, R.c.received_at, 86400).label("appointment_days"),
            _hours(R.c.closed_at, R.c.completed_at, 3600).label("closure_hours"),
            appointments.c.noshows,
            appointments.c.fulfilled,
        )
        .select_from(R.outerjoin(appointments, literal(True)))
        .where(*_where(period, filters))
        .cte("base")
    )


def _reason_counts(base: Any, status: S, reasons: list[str]) -> list[Any]:
    named = [r for r in reasons if r != "other"]
    columns = [
        func.count().filter(and_(base.c.status == status.value, base.c.status_reason == reason)).label(f"{status}:{reason}")
        for reason in named
    ]
    # Anything outside the lifecycle's list (imported data, a missing reason) is `other`.
    unnamed = or_(base.c.status_reason.is_(None), base.c.status_reason.not_in(named))
    columns.append(func.count().filter(and_(base.c.status == status.value, unnamed)).label(f"{status}:other"))
    return columns


def _percentiles(column: Any, name: str) -> list[Any]:
    return [
        func.count(column).label(f"{name}_n"),
        func.percentile_cont(0.5).within_group(column).label(f"{name}_median"),
        func.percentile_cont(0.9).within_group(column).label(f"{name}_p90"),
    ]


def _metric_columns(base: Any) -> list[Any]:
    return [
        func.count().label("volume"),
        func.count(base.c.completed_at).label("completed"),
        func.count(base.c.closed_at).label("closed"),
        func.count().filter(base.c.status == S.cancelled.value).label("cancelled"),
        func.count().filter(base.c.status == S.declined.value).label("declined"),
        *_reason_counts(base, S.cancelled, [r.value for r in LeakageReason]),
        *_reason_counts(base, S.declined, [r.value for r in DeclineReason]),
        *_percentiles(base.c.contact_hours, "contact_hours"),
        *_percentiles(base.c.appointment_days, "appointment_days"),
        *_percentiles(base.c.closure_hours, "closure_hours"),
        func.coalesce(func.sum(base.c.noshows), 0).label("noshows"),
        func.coalesce(func.sum(base.c.fulfilled), 0).label("fulfilled"),
    ]


def _status_counts(base: Any) -> Any:
    per_status = select(base.c.status, func.count().label("n")).group_by(base.c.status).subquery("s")
    return select(func.json_object_agg(per_status.c.status, per_status.c.n)).scalar_subquery()


def _top_referrers(base: Any, limit: int) -> Any:
    volume = func.count().label("volume")
    top = (
        select(base.c.referring_provider_id, volume, func.count(base.c.completed_at).label("converted"))
        .where(base.c.referring_provider_id.is_not(None))
        .group_by(base.c.referring_provider_id)
        .order_by(volume.desc(), base.c.referring_provider_id)
        .limit(limit)
        .subquery("t")
    )
    row = func.json_build_array(top.c.referring_provider_id, top.c.volume, top.c.converted, P.c.given_name, P.c.family_name)
    return (
        select(func.json_agg(aggregate_order_by(row, top.c.volume.desc(), top.c.referring_provider_id)))
        .select_from(top.outerjoin(P, P.c.id == top.c.referring_provider_id))
        .scalar_subquery()
    )


async def summary_rows(
    session: AsyncSession, *, period: Period, filters: SummaryFilters, grouping: Grouping | None, top: int
) -> SummaryRows:
    base = _base(period, filters, grouping)
    extras = [_status_counts(base).label("status_counts"), _top_referrers(base, top).label("top_referrers")]
    if grouping:
        # ROLLUP(bucket): one row per bucket plus the total row (is_total = 1), even over no referrals.
        keys = [base.c.bucket, func.grouping(base.c.bucket).label("is_total")]
        stmt = select(*keys, *_metric_columns(base), *extras).group_by(func.rollup(base.c.bucket))
    else:
        keys = [literal(None).label("bucket"), literal(1).label("is_total")]
        stmt = select(*keys, *_metric_columns(base), *extras).select_from(base)
    rows = (await session.execute(stmt)).mappings().all()
    totals = next(row for row in rows if row["is_total"] == 1)
    return SummaryRows(
        totals=_metric_row(totals),
        buckets=sorted((_metric_row(row) for row in rows if row["is_total"] == 0), key=lambda b: b.bucket),
        status_counts=totals["status_counts"] or {},
        top_referrers=[tuple(item) for item in totals["top_referrers"] or []],
    )


def _metric_row(row: Any) -> MetricRow:
    values = {k: v for k, v in row.items() if k not in ("bucket", "is_total", "status_counts", "top_referrers")}
    return MetricRow(bucket=row["bucket"], values=values)
