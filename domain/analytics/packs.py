"""The summary from the day packs: the same SummaryRows as the facts give, exactly, for any filters.

A referring provider beside another filter, or three filters and more, match no key of the daily
rollups. analytics_fact_packs holds each UTC day's facts column by column (migration
`analytics_packs`), for all referrals and per value of each filter: whole days read the packs of
the chosen filter that holds the fewest facts, only the arrays they need, and numpy filters and
counts them; the partial first and last days, and days changed since their packs were
built (marked), read the facts. The figures follow repository.summary_rows with `journey`: medians
and p90s as percentile_cont (spreads.percentile_cont), SLA attainment against the transaction's
now(), reminder channels per appointment, top referrers ranked and named by the same SQL.
"""

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import DateTime, Integer, and_, cast, func, literal, or_, select, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import reminder_channels
from domain.analytics.days import edges, full_days
from domain.analytics.models import FactPack, PackCode, PackMark
from domain.analytics.repository import (
    CLOCK_COLUMNS,
    F,
    MetricRow,
    SummaryRows,
    bucket_of,
    clock_of,
    filter_clauses,
    referrer_list,
)
from domain.analytics.schemas import Period, SummaryFilters, SummaryGrouping
from domain.analytics.spreads import DURATIONS, EPOCH, FRACTIONS, percentile_cont
from domain.journey.queries import SLA_MILESTONES, attainment
from domain.referrals.enums import DeclineReason, LeakageReason
from domain.referrals.enums import ReferralStatus as S

P = FactPack.__table__
K = PackCode.__table__
M = PackMark.__table__
STATUSES = [s.value for s in S]
NAMED_REASONS = {
    S.cancelled.value: [r.value for r in LeakageReason if r.value != "other"],
    S.declined.value: [r.value for r in DeclineReason if r.value != "other"],
}
REASONS = sorted({r for named in NAMED_REASONS.values() for r in named})
RUNNING = 3  # a milestone's state in the flags: started, neither met nor missed (its due time packed)
NOT_DUE = np.iinfo(np.int64).max
Array = np.ndarray[Any, Any]
REMINDER = np.dtype([("ix", ">i4"), ("channel", ">i4"), ("counts", ">i4", (4,))])


def covers(period: Period) -> bool:
    return full_days(period) is not None


def _chosen(filters: SummaryFilters) -> dict[str, list[str]]:
    """The filters by pack array name, as the texts the codes stand for."""
    return {
        name: values
        for name, values in (
            ("provider", [str(v) for v in filters.referring_provider_id]),
            ("organization", [str(v) for v in filters.referring_organization_id]),
            ("line", list(filters.service_line)),
            ("location", list(filters.location)),
            ("payer", [v.value for v in filters.payer_class]),
            ("channel", [v.value for v in filters.source_channel]),
            ("urgency", [v.value for v in filters.urgency]),
        )
        if values
    }


# The packs' key (migration `analytics_packs`) for each filter, by pack array name.
DIMENSIONS = {
    "provider": "referring_provider_id",
    "organization": "referring_organization_id",
    "line": "service_line",
    "location": "location_preference",
    "payer": "payer_class",
    "channel": "source_channel",
    "urgency": "urgency",
}


async def _narrowest(session: AsyncSession, chosen: dict[str, list[str]], first: date, last: date) -> str | None:
    """The chosen filter whose packs hold the fewest facts over the days (None: no filter, read `all`)."""
    if not chosen:
        return None
    keys = [and_(P.c.dimension == DIMENSIONS[name], P.c.value.in_(values)) for name, values in chosen.items()]
    stmt = (
        select(P.c.dimension, func.sum(P.c.facts))
        .where(or_(*keys), P.c.day >= first, P.c.day < last)
        .group_by(P.c.dimension)
    )
    held = dict((await session.execute(stmt)).all())
    return min(chosen, key=lambda name: (held.get(DIMENSIONS[name], 0), list(DIMENSIONS).index(name)))


@dataclass
class Facts:
    """Per fact (filtered already), the columns the figures need; durations NaN and due times NOT_DUE
    where a fact has none. Referrers are counted apart: packs know them by code, the facts by id."""

    bucket: list[Array] = field(default_factory=list)
    status: list[Array] = field(default_factory=list)
    reason: list[Array] = field(default_factory=list)
    flags: list[Array] = field(default_factory=list)
    noshows: list[Array] = field(default_factory=list)
    fulfilled: list[Array] = field(default_factory=list)
    durations: dict[str, list[Array]] = field(default_factory=lambda: {name: [] for name in DURATIONS})
    due: dict[str, list[Array]] = field(default_factory=lambda: {m: [] for m in SLA_MILESTONES})
    referrers_by_code: dict[int, list[int]] = field(default_factory=dict)
    referrers_by_id: dict[uuid.UUID, list[int]] = field(default_factory=dict)
    channels_by_code: dict[int, Array] = field(default_factory=dict)
    channels_by_name: dict[str, Array] = field(default_factory=dict)


async def summary_rows(
    session: AsyncSession, *, period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None, top: int
) -> SummaryRows:
    """Only where `covers(period)`."""
    days = full_days(period)
    assert days is not None
    first, last = days
    chosen = _chosen(filters)
    answered = await _narrowest(session, chosen, first.date(), last.date())
    dimension, values = (DIMENSIONS[answered], chosen[answered]) if answered else ("all", [""])
    wanted = {v for name, vs in chosen.items() if name != answered for v in vs} | set(STATUSES) | set(REASONS)
    codes = dict((await session.execute(select(K.c.value, K.c.id).where(K.c.value.in_(wanted)))).all())
    # now() here is the transaction's: SLA attainment compares running milestones' due times with it.
    now, marked = (
        await session.execute(
            select(func.now(), func.array_agg(M.c.day.distinct())).where(M.c.day >= first.date(), M.c.day < last.date())
        )
    ).one()
    marked = sorted(marked or [])
    masks = {name: [codes[v] for v in vs if v in codes] for name, vs in chosen.items() if name != answered}
    bucket = partial(bucket_of, grouping)
    packs = select(
        bucket(cast(P.c.day, DateTime())),
        P.c.facts,
        *(P.c[name] for name in masks),
        *(P.c[name] for name in ("status", "reason", "provider", "flags", "noshows", "fulfilled", *DURATIONS)),
        *(P.c[f"{m}_due"] for m in SLA_MILESTONES),
        P.c.reminders,
    ).where(
        P.c.dimension == dimension,
        P.c.value.in_(values),
        P.c.day >= first.date(),
        P.c.day < last.date(),
        P.c.day.not_in(marked) if marked else literal(True),
    )
    packed = (await session.execute(packs)).all()
    live = _live(period, days, marked, filters, bucket)
    fact_rows = (await session.execute(select(live))).mappings().all()
    # The reminder channels of the facts read here that have an appointment, looked up by key.
    booked = [row["referral_id"] for row in fact_rows if row["first_appointment_start"] is not None]
    channel_rows: Sequence[Any] = []
    if booked:
        facts_booked = select(F.c.referral_id).where(F.c.referral_id.in_(booked)).subquery("booked")
        channels = reminder_channels.counts(facts=facts_booked, where=[], per_fact=True)
        channel_rows = (await session.execute(channels)).mappings().all()
    facts, buckets = await asyncio.to_thread(_gather, packed, fact_rows, masks, codes)
    for row in channel_rows:
        counts = np.array([row[name] for name in reminder_channels.COUNTS], dtype=np.int64)
        facts.channels_by_name[row["channel"]] = facts.channels_by_name.get(row["channel"], 0) + counts
    figures = await asyncio.to_thread(_figures, facts, buckets, now)
    sla = figures[None].values.pop("sla")
    ranked, channel_names = await _names(session, facts, top)
    channels_by_name = dict(facts.channels_by_name)
    for code, counts in facts.channels_by_code.items():
        name = channel_names[code]
        channels_by_name[name] = channels_by_name.get(name, 0) + counts
    return SummaryRows(
        totals=figures[None],
        buckets=[figures[b] for b in sorted(b for b in figures if b is not None)],
        top_referrers=ranked,
        sla=sla,
        reminder_channels=[
            reminder_channels.row_of(name, [int(n) for n in counts])
            for name, counts in sorted(channels_by_name.items())
        ],
    )


def _live(
    period: Period, days: tuple[datetime, datetime], marked: list[date], filters: SummaryFilters, bucket: Any
) -> Any:
    """The facts of the partial edge days and of marked days, filtered, with their clocks."""
    clock = clock_of(F)
    in_marked = [
        and_(F.c.received_at >= _midnight(day), F.c.received_at < _midnight(day) + timedelta(days=1)) for day in marked
    ]
    return (
        select(
            bucket(F.c.received_at.op("AT TIME ZONE")(literal("UTC"))).label("bucket"),
            F.c.referral_id,
            F.c.first_appointment_start,
            F.c.status,
            F.c.status_reason,
            F.c.referring_provider_id,
            F.c.completed_at.is_not(None).label("completed"),
            F.c.closed_at.is_not(None).label("closed"),
            F.c.noshow_appointments,
            F.c.fulfilled_appointments,
            *(F.c[name] for name in DURATIONS),
            *(clock.c[name] for name in CLOCK_COLUMNS),
        )
        .select_from(F.outerjoin(clock, true()))
        .where(or_(edges(period, days), *in_marked), *filter_clauses(F, filters))
        .subquery("live")
    )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _gather(
    packed: Sequence[Any], fact_rows: Sequence[Any], masks: dict[str, list[int]], codes: dict[str, int]
) -> tuple[Facts, list[datetime | None]]:
    """Packs and facts rows as one set of columns, the packs filtered by their codes."""
    facts = Facts()
    buckets: list[datetime | None] = []
    index: dict[datetime | None, int] = {}

    def bucket_of(value: datetime | None) -> int:
        key = value.replace(tzinfo=UTC) if value else None
        if key not in index:
            index[key] = len(buckets)
            buckets.append(key)
        return index[key]

    status_of = {codes[s]: i for i, s in enumerate(STATUSES) if s in codes}
    reason_of = {codes[r]: i for i, r in enumerate(REASONS) if r in codes}
    if packed:
        _gather_packs(facts, packed, masks, status_of, reason_of, bucket_of)
    if fact_rows:
        _gather_rows(facts, fact_rows, bucket_of)
    return facts, buckets


def _recode(codes: Array, mapping: dict[int, int]) -> Array:
    """Codes to positions in a list (-1 when not in it)."""
    if not len(codes):
        return codes
    lookup = np.full(int(codes.max()) + 2, -1, dtype=np.int64)
    for code, position in mapping.items():
        if code < len(lookup):
            lookup[code] = position
    recoded: Array = lookup[np.clip(codes, -1, len(lookup) - 2)]
    return recoded


def _gather_packs(
    facts: Facts,
    packed: Sequence[Any],
    masks: dict[str, list[int]],
    status_of: dict[int, int],
    reason_of: dict[int, int],
    bucket_of: Callable[[datetime | None], int],
) -> None:
    columns = list(zip(*packed, strict=True))
    sizes = np.array(columns[1], dtype=np.int64)
    at = 2
    keep = np.ones(int(sizes.sum()), dtype=bool)
    for codes in masks.values():
        coded = _column(columns[at], ">i4")
        chosen = np.zeros(max([int(coded.max(initial=0)), *codes]) + 2, dtype=bool)
        chosen[codes] = True
        keep &= chosen[np.clip(coded, -1, len(chosen) - 2)]  # -1 (not coded yet) lands on a False
        at += 1
    named = dict(
        zip(
            ("status", "reason", "provider", "flags", "noshows", "fulfilled", *DURATIONS, *SLA_MILESTONES, "reminders"),
            columns[at:],
            strict=True,
        )
    )
    # Every column of the kept facts only: a filter often keeps a tenth of them.
    kept = np.flatnonzero(keep)
    all_flags = _column(named["flags"], ">i2")
    flags = all_flags[kept]
    facts.flags.append(flags)
    facts.bucket.append(np.repeat(np.array([bucket_of(b) for b in columns[0]], dtype=np.int64), sizes)[kept])
    facts.status.append(_recode(_column(named["status"], ">i4", kept), status_of))
    facts.reason.append(_recode(_column(named["reason"], ">i4", kept), reason_of))
    facts.noshows.append(_column(named["noshows"], ">i4", kept))
    facts.fulfilled.append(_column(named["fulfilled"], ">i4", kept))
    # Durations and due times are packed for the facts that have one, in fact order.
    for bit, name in enumerate(DURATIONS, start=2):
        facts.durations[name].append(_sparse(named[name], ">f8", (all_flags >> bit) & 1 == 1, keep, np.nan))
    for i, milestone in enumerate(SLA_MILESTONES):
        running = (all_flags >> (5 + 2 * i)) & 3 == RUNNING
        facts.due[milestone].append(_sparse(named[milestone], ">i8", running, keep, NOT_DUE).astype(np.int64))
    referrers = _column(named["provider"], ">i4", kept)
    has = referrers > 0  # 0: no referrer
    volume = np.bincount(referrers[has])
    converted = np.bincount(referrers[has], weights=(flags & 1)[has], minlength=len(volume))
    for code in np.flatnonzero(volume):
        facts.referrers_by_code[int(code)] = [int(volume[code]), int(converted[code])]
    records = np.frombuffer(b"".join(named["reminders"]), dtype=REMINDER)
    if len(records):
        per_row = [len(chunk) // REMINDER.itemsize for chunk in named["reminders"]]
        starts = np.repeat(np.concatenate([[0], np.cumsum(sizes)[:-1]]), per_row)
        chosen_records = records[keep[records["ix"].astype(np.int64) + starts]]
        channel = chosen_records["channel"].astype(np.int64)
        counts = chosen_records["counts"].astype(np.int64)
        for code in np.unique(channel):
            facts.channels_by_code[int(code)] = counts[channel == code].sum(axis=0)


def _column(chunks: Sequence[bytes], dtype: str, kept: Array | None = None) -> Array:
    """A packed big-endian column (of the kept facts only, when given) in native order."""
    values = np.frombuffer(b"".join(chunks), dtype=dtype)
    return (values if kept is None else values[kept]).astype(dtype[1:])


def _sparse(chunks: Sequence[bytes], dtype: str, present: Array, keep: Array, missing: Any) -> Array:
    """The kept facts' values of an array packed, in fact order, only for the facts `present` marks;
    `missing` for the others."""
    values = np.frombuffer(b"".join(chunks), dtype=dtype)
    out = np.full(int(keep.sum()), missing, dtype=dtype[1:])
    out[present[keep]] = values[keep[present]]
    return out


def _gather_rows(facts: Facts, rows: Sequence[Any], bucket_of: Callable[[datetime | None], int]) -> None:
    def position(values: list[str], value: str | None) -> int:
        return values.index(value) if value in values else -1

    facts.bucket.append(np.array([bucket_of(r["bucket"]) for r in rows], dtype=np.int64))
    facts.status.append(np.array([position(STATUSES, r["status"]) for r in rows], dtype=np.int64))
    facts.reason.append(np.array([position(REASONS, r["status_reason"]) for r in rows], dtype=np.int64))
    facts.flags.append(np.array([_flags(r) for r in rows], dtype=np.int64))
    facts.noshows.append(np.array([r["noshow_appointments"] for r in rows], dtype=np.int64))
    facts.fulfilled.append(np.array([r["fulfilled_appointments"] for r in rows], dtype=np.int64))
    for name in DURATIONS:
        facts.durations[name].append(np.array([np.nan if r[name] is None else r[name] for r in rows], dtype=np.float64))
    for milestone in SLA_MILESTONES:
        facts.due[milestone].append(np.array([_due(r, milestone) for r in rows], dtype=np.int64))
    for r in rows:
        if r["referring_provider_id"] is not None:
            counted = facts.referrers_by_id.setdefault(r["referring_provider_id"], [0, 0])
            counted[0] += 1
            counted[1] += int(r["completed"])


def _state(row: Any, milestone: str) -> int:
    met, due = row[f"{milestone}_met"], row[f"{milestone}_due_at"]
    return 2 if met is True else 1 if met is False else RUNNING if due is not None else 0


def _flags(row: Any) -> int:
    flags = int(row["completed"]) | int(row["closed"]) << 1
    for bit, name in enumerate(DURATIONS, start=2):
        flags |= (row[name] is not None) << bit
    for i, milestone in enumerate(SLA_MILESTONES):
        flags |= _state(row, milestone) << (5 + 2 * i)
    return flags


def _due(row: Any, milestone: str) -> int:
    if _state(row, milestone) != RUNNING:
        return NOT_DUE
    return int((row[f"{milestone}_due_at"] - EPOCH) // timedelta(microseconds=1))


def _joined(parts: list[Array], dtype: Any = np.int64) -> Array:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _figures(facts: Facts, buckets: list[datetime | None], now: datetime) -> dict[Any, MetricRow]:
    """Per bucket (None: the whole period), the figures under repository.summary_rows' names."""
    bucket = _joined(facts.bucket)
    status, reason, flags = _joined(facts.status), _joined(facts.reason), _joined(facts.flags)
    noshows, fulfilled = _joined(facts.noshows), _joined(facts.fulfilled)
    durations = {name: _joined(parts, np.float64) for name, parts in facts.durations.items()}
    now_us = (now - EPOCH) // timedelta(microseconds=1)
    sla = []
    for i, milestone in enumerate(SLA_MILESTONES):
        state = (flags >> (5 + 2 * i)) & 3
        due = _joined(facts.due[milestone])
        decided = int(((state == 1) | (state == 2) | ((state == RUNNING) & (due <= now_us))).sum())
        sla.append(attainment(milestone, decided=decided, met=int((state == 2).sum())))
    figures: dict[Any, MetricRow] = {}
    groups: list[tuple[datetime | None, slice]] = [(None, slice(None))]
    if buckets != [None]:
        # Sorted by bucket once, each bucket is a slice: no pass over every fact per bucket (52 weeks).
        order = np.argsort(bucket, kind="stable")
        status, reason, flags, noshows, fulfilled = (a[order] for a in (status, reason, flags, noshows, fulfilled))
        durations = {name: values[order] for name, values in durations.items()}
        bounds = np.searchsorted(bucket[order], np.arange(len(buckets) + 1))
        groups += [(key, slice(bounds[i], bounds[i + 1])) for i, key in enumerate(buckets) if key is not None]
    for key, chosen in groups:
        values = _counts(status[chosen], reason[chosen], flags[chosen], noshows[chosen], fulfilled[chosen])
        for name, all_values in durations.items():
            present = all_values[chosen]
            present = present[~np.isnan(present)]
            values[f"{name}_n"] = len(present)
            values[f"{name}_percentiles"] = percentile_cont(present, FRACTIONS)
        if key is None or values["volume"]:
            figures[key] = MetricRow(bucket=key, values=values)
    figures[None].values["sla"] = sla
    return figures


def _counts(status: Array, reason: Array, flags: Array, noshows: Array, fulfilled: Array) -> dict[str, Any]:
    values: dict[str, Any] = {"volume": len(status)}
    per_status = np.bincount(status[status >= 0], minlength=len(STATUSES))
    for i, name in enumerate(STATUSES):
        values[f"status:{name}"] = int(per_status[i])
    values["completed"] = int((flags & 1).sum())
    values["closed"] = int(((flags >> 1) & 1).sum())
    for name, named in NAMED_REASONS.items():
        ended = reason[status == STATUSES.index(name)]
        for r in named:
            values[f"{name}:{r}"] = int((ended == REASONS.index(r)).sum())
        values[f"{name}:other"] = values[f"status:{name}"] - sum(values[f"{name}:{r}"] for r in named)
    values["noshows"] = int(noshows.sum())
    values["fulfilled"] = int(fulfilled.sum())
    return values


async def _names(session: AsyncSession, facts: Facts, top: int) -> tuple[list[tuple[Any, ...]], dict[int, str]]:
    """The top referrers ranked and named as the facts query does, and the reminder channels' names."""
    by_code = sorted(facts.referrers_by_code.items())
    by_id = sorted(facts.referrers_by_id.items())
    packed = (
        select(
            func.unnest(literal([c for c, _ in by_code], ARRAY(Integer))).label("code"),
            func.unnest(literal([v for _, (v, _c) in by_code], ARRAY(Integer))).label("volume"),
            func.unnest(literal([c for _, (_v, c) in by_code], ARRAY(Integer))).label("converted"),
        )
    ).subquery("packed")
    live = select(
        func.unnest(literal([i for i, _ in by_id], ARRAY(UUID(as_uuid=True)))).label("referring_provider_id"),
        func.unnest(literal([v for _, (v, _c) in by_id], ARRAY(Integer))).label("volume"),
        func.unnest(literal([c for _, (_v, c) in by_id], ARRAY(Integer))).label("converted"),
    )
    parts = union_all(
        select(
            cast(K.c.value, UUID(as_uuid=True)).label("referring_provider_id"), packed.c.volume, packed.c.converted
        ).join_from(packed, K, K.c.id == packed.c.code),
        live,
    ).subquery("parts")
    volume = func.sum(parts.c.volume).label("volume")
    ranked = (
        select(parts.c.referring_provider_id, volume, func.sum(parts.c.converted).label("converted"))
        .group_by(parts.c.referring_provider_id)
        .order_by(volume.desc(), parts.c.referring_provider_id)
        .limit(top)
        .subquery("t")
    )
    channel_codes = list(facts.channels_by_code)
    names = select(func.json_object_agg(K.c.id, K.c.value)).where(K.c.id.in_(channel_codes)).scalar_subquery()
    listed, named = (await session.execute(select(referrer_list(ranked), names))).one()
    return [tuple(item) for item in listed or []], {int(k): v for k, v in (named or {}).items()}
