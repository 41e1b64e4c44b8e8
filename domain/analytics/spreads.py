"""Medians and p90s from the daily spreads: the values percentile_cont gives over the facts, exactly.

Whole UTC days read analytics_daily_spreads (one row per day and filter value, holding that day's
durations as packed doubles); the partial first and last days, and any day a change has marked since
its spreads were built, read the facts. All of it is one statement, so one snapshot. The order
statistics are then picked with numpy and interpolated as PostgreSQL's percentile_cont does, in the
same double arithmetic, so the figures equal the facts query's to the last bit.
"""

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import DateTime, exists, func, literal, literal_column, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.days import edges, full_days
from domain.analytics.models import DailySpread, SpreadMark
from domain.analytics.repository import F, filter_clauses
from domain.analytics.schemas import Period, SummaryFilters, SummaryGrouping

S = DailySpread.__table__
M = SpreadMark.__table__
DURATIONS = ("contact_hours", "appointment_days", "closure_hours")
FRACTIONS = (0.5, 0.9)  # median and p90, as repository.percentiles asks the facts

# Per bucket start (None: the whole period), the figures under repository.percentiles' names.
Spreads = dict[datetime | None, dict[str, Any]]


def dimension(filters: SummaryFilters) -> tuple[str, list[str]] | None:
    """The one dimension the filters use and its values; ("all", [""]) for none; None for several.
    Referrer ids are keyed by their text."""
    used = [
        (name, values)
        for name, values in (
            ("referring_provider_id", [str(v) for v in filters.referring_provider_id]),
            ("referring_organization_id", [str(v) for v in filters.referring_organization_id]),
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
    return full_days(period) is not None and dimension(filters) is not None


def _utc_day(column: Any) -> Any:
    return func.timezone("UTC", func.cast(column, DateTime()))


def _statement(period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None) -> Any:
    days, chosen = full_days(period), dimension(filters)
    assert days is not None and chosen is not None
    (first, last), (key, values) = days, chosen

    def bucket(wall_time: Any) -> Any:
        return func.date_trunc(grouping.value, wall_time) if grouping else literal(None, DateTime())

    marked = select(M.c.day).where(M.c.day >= first.date(), M.c.day < last.date()).distinct().subquery("marked")
    clean = select(bucket(func.cast(S.c.day, DateTime())).label("bucket"), *(S.c[name] for name in DURATIONS)).where(
        S.c.dimension == key,
        S.c.value.in_(values),
        S.c.day >= first.date(),
        S.c.day < last.date(),
        ~exists().where(M.c.day == S.c.day),
    )

    def packed(source: Any) -> list[Any]:
        wall_time = source.c.received_at.op("AT TIME ZONE")(literal("UTC"))
        return [bucket(wall_time)] + [
            func.string_agg(func.float8send(source.c[name]), literal(b"")).filter(source.c[name].is_not(None))
            for name in DURATIONS
        ]

    at_edges = select(*packed(F)).where(edges(period, days), *filter_clauses(F, filters))
    # Lateral and fenced by OFFSET 0 (else the planner flattens it into a join that scans every fact of
    # the filter): each marked day is one index range.
    day_facts = (
        select(F.c.received_at, *(F.c[name] for name in DURATIONS))
        .where(
            F.c.received_at >= _utc_day(marked.c.day),
            F.c.received_at < _utc_day(marked.c.day + 1),
            *filter_clauses(F, filters),
        )
        .offset(0)
        .lateral("day_facts")
    )
    on_marked_days = select(*packed(day_facts)).select_from(marked.join(day_facts, true()))
    if grouping:
        # By position: a repeated date_trunc would bind its unit again and no longer match the selected one.
        at_edges, on_marked_days = at_edges.group_by(literal_column("1")), on_marked_days.group_by(literal_column("1"))
    return union_all(clean, at_edges, on_marked_days)


async def spread_values(
    session: AsyncSession, *, period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None
) -> Spreads:
    """Per bucket start (None: the whole period): `<duration>_n` and `<duration>_percentiles`, the
    names repository.percentiles gives them. Only where `covers(period, filters)`."""
    rows = (await session.execute(_statement(period, filters, grouping))).all()
    return await asyncio.to_thread(_figures, rows, grouping is not None)


def _figures(rows: Sequence[Any], grouped: bool) -> Spreads:
    chunks: dict[datetime | None, list[list[bytes]]] = defaultdict(lambda: [[] for _ in DURATIONS])
    for bucket, *packed in rows:
        keys = [None, bucket.replace(tzinfo=UTC)] if grouped else [None]
        for key in keys:
            for into, value in zip(chunks[key], packed, strict=True):
                if value:
                    into.append(value)
    chunks[None]  # the whole period has its figures even over no referrals
    figures: Spreads = {}
    for key, per_duration in chunks.items():
        figures[key] = {}
        for name, parts in zip(DURATIONS, per_duration, strict=True):
            values = np.frombuffer(b"".join(parts), dtype=">f8").astype(np.float64)
            figures[key][f"{name}_n"] = len(values)
            figures[key][f"{name}_percentiles"] = percentile_cont(values, FRACTIONS)
    return figures


def percentile_cont(values: "np.ndarray[Any, Any]", fractions: tuple[float, ...]) -> list[float] | None:
    """PostgreSQL's percentile_cont: rank fraction * (n - 1), then lo + (hi - lo) * (rank - floor(rank))."""
    n = len(values)
    if not n:
        return None
    ranks = [fraction * (n - 1) for fraction in fractions]
    wanted = sorted({int(np.floor(r)) for r in ranks} | {int(np.ceil(r)) for r in ranks})
    picked = np.partition(values, wanted)
    result = []
    for rank in ranks:
        lo, hi = int(np.floor(rank)), int(np.ceil(rank))
        low, high = float(picked[lo]), float(picked[hi])
        result.append(low if lo == hi else low + (high - low) * (rank - lo))
    return result
