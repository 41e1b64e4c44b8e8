"""The summary from the day packs: the same SummaryRows as the facts give, exactly, for any filters.

A referring provider beside another filter, or three filters and more, match no key of the daily
rollups. analytics_fact_packs holds each UTC day's facts column by column (migration
`analytics_packs`), for all referrals and per value of each filter: whole days read the packs of
the chosen filter that costs least to read (its facts and its pack rows), only the arrays they need,
and numpy filters and counts them; the partial first and last days, and days changed since their
packs were built (marked), read the facts. The figures follow repository.summary_rows with `journey`: medians
and p90s as percentile_cont (spreads.percentile_cont), SLA attainment against the transaction's
now(), reminder channels per appointment, top referrers ranked and named by the same SQL.
"""

import asyncio
import uuid
from collections.abc import Sequence
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
CHUNK = 64  # pack rows a thread gathers while the next are read (a few MB)
# A pack row costs about as much to read as this many facts: PostgreSQL fetches each of its arrays from
# TOAST on its own, and each reaches Python as an object of its own. payer x2 + channel x3 over 365 days:
# payer's 730 rows hold 410,370 facts, channel's 1,092 rows about as many; counted by facts alone,
# channel was read (in process, median 139 ms), counted with its rows, payer (115 ms).
ROW_FACTS = 150
Array = np.ndarray[Any, Any]
# A reminder record: the fact's index in its pack, the channel's code, then appointments, confirmed,
# no-shows, ended; each at its pack row's width.
RECORD = 6


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


async def _setting(
    session: AsyncSession, chosen: dict[str, list[str]], first: date, last: date
) -> tuple[str | None, dict[str, int], datetime, list[date]]:
    """In one round trip: the chosen filter whose packs cost least to read over the days (None: no
    filter, read `all`), the codes of the chosen values, statuses and reasons, the transaction's now()
    (SLA attainment compares running milestones' due times with it) and the days marked since built."""
    wanted = sorted({v for values in chosen.values() for v in values} | set(STATUSES) | set(REASONS))
    codes = select(func.json_object_agg(K.c.value, K.c.id)).where(K.c.value.in_(wanted)).scalar_subquery()
    marked = select(func.array_agg(M.c.day.distinct())).where(M.c.day >= first, M.c.day < last).scalar_subquery()
    costs: Any = literal(None)
    if chosen:
        keys = [and_(P.c.dimension == DIMENSIONS[name], P.c.value.in_(values)) for name, values in chosen.items()]
        per_dimension = (
            select(P.c.dimension, (func.sum(P.c.facts) + ROW_FACTS * func.count()).label("cost"))
            .where(or_(*keys), P.c.day >= first, P.c.day < last)
            .group_by(P.c.dimension)
            .subquery("costs")
        )
        costs = select(func.json_object_agg(per_dimension.c.dimension, per_dimension.c.cost)).scalar_subquery()
    cost_of, coded, now, days = (await session.execute(select(costs, codes, func.now(), marked))).one()
    cost_of = cost_of or {}
    narrowest = (
        min(chosen, key=lambda name: (cost_of.get(DIMENSIONS[name], 0), list(DIMENSIONS).index(name)))
        if chosen
        else None
    )
    return narrowest, coded or {}, now, sorted(days or [])


@dataclass
class Facts:
    """The filtered facts gathered so far, chunk by chunk: what adds up is tallied per bucket as each
    chunk comes (so no pass over every fact at the end); durations are kept per fact with their bucket,
    for the medians and p90s. Referrers are counted apart: packs know them by code, the facts by id."""

    now_us: int  # the transaction's now(), which running milestones' due times are compared with
    buckets: list[datetime | None] = field(default_factory=list)  # bucket starts, by the index facts carry
    tally: dict[str, Array] = field(default_factory=dict)  # per bucket index (rows), see _tally
    sla: Array = field(default_factory=lambda: np.zeros((len(SLA_MILESTONES), 2), dtype=np.int64))  # decided, met
    durations: dict[str, list[tuple[Array, Array]]] = field(default_factory=lambda: {n: [] for n in DURATIONS})
    referrers_by_id: dict[uuid.UUID, list[int]] = field(default_factory=dict)
    reminders: dict[int, Array] = field(default_factory=dict)  # per reminder channel code, its four counts
    channels_by_name: dict[str, Array] = field(default_factory=dict)
    _bucket_index: dict[datetime | None, int] = field(default_factory=dict)

    def bucket_index(self, value: datetime | None) -> int:
        key = value.replace(tzinfo=UTC) if value else None
        if key not in self._bucket_index:
            self._bucket_index[key] = len(self.buckets)
            self.buckets.append(key)
        return self._bucket_index[key]

    def add(self, name: str, per_bucket: Array) -> None:
        """Adds a chunk's per-bucket counts (whole numbers, weighed ones as floats) to the tally."""
        have = self.tally.get(name)
        counted = per_bucket.astype(np.int64)  # a copy: the sum may grow it
        if have is not None and len(have) > len(counted):
            have, counted = counted, have
        if have is not None:
            counted[: len(have)] += have
        self.tally[name] = counted

    def referrers_by_code(self) -> tuple[list[int], list[int], list[int]]:
        """The referrer codes counted (0: no referrer, left out), in order, with their referrals and the
        completed ones (thousands of referrers: three lists, not a dict per referrer)."""
        volume = self.tally.get("referrers", np.zeros(0, dtype=np.int64))
        converted = _padded(self.tally.get("referrers:completed"), len(volume), 0)
        codes = np.flatnonzero(volume[1:]) + 1
        return codes.tolist(), volume[codes].tolist(), converted[codes].tolist()


async def summary_rows(
    session: AsyncSession, *, period: Period, filters: SummaryFilters, grouping: SummaryGrouping | None, top: int
) -> SummaryRows:
    """Only where `covers(period)`."""
    days = full_days(period)
    assert days is not None
    first, last = days
    chosen = _chosen(filters)
    answered, codes, now, marked = await _setting(session, chosen, first.date(), last.date())
    dimension, values = (DIMENSIONS[answered], chosen[answered]) if answered else ("all", [""])
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
    facts = Facts(now_us=(now - EPOCH) // timedelta(microseconds=1))
    status_of = {codes[s]: i for i, s in enumerate(STATUSES) if s in codes}
    reason_of = {codes[r]: i for i, r in enumerate(REASONS) if r in codes}
    gather = partial(_gather_packs, facts, masks=masks, status_of=status_of, reason_of=reason_of)
    # The edge and marked days' facts first: they are gathered in a thread while the packs are read.
    live = _live(period, days, marked, filters, bucket)
    read = await session.execute(select(live))
    fact_rows = read.all()
    gathering: asyncio.Future[None] | None = (
        asyncio.ensure_future(asyncio.to_thread(_gather_rows, facts, list(read.keys()), fact_rows))
        if fact_rows
        else None
    )
    # The reminder channels of those facts that have an appointment, looked up by key.
    booked = [row.referral_id for row in fact_rows if row.first_appointment_start is not None]
    if booked:
        # One array parameter, not one per id: the statement stays the same, so its plan is prepared once.
        listed = func.unnest(literal(booked, ARRAY(UUID(as_uuid=True)))).label("referral_id")
        facts_booked = select(listed).subquery("booked")
        channels = reminder_channels.counts(facts=facts_booked, where=[], per_fact=True)
        for row in (await session.execute(channels)).mappings():
            counts = np.array([row[name] for name in reminder_channels.COUNTS], dtype=np.int64)
            facts.channels_by_name[row["channel"]] = facts.channels_by_name.get(row["channel"], 0) + counts
    # Streamed: a chunk is gathered in a thread while PostgreSQL reads the next one's arrays (one thread
    # at a time: each waits for the one before, as they add to the same tallies).
    async for chunk in (await session.stream(packs)).partitions(CHUNK):
        if gathering is not None:
            await gathering
        gathering = asyncio.ensure_future(asyncio.to_thread(gather, chunk))
    if gathering is not None:
        await gathering
    # Each duration's medians and p90s are picked in a thread of its own (numpy's partition lets go of
    # the GIL, so they share the cores) while PostgreSQL ranks and names the top referrers.
    picking = asyncio.gather(*(asyncio.to_thread(_percentiles, facts.durations[n], facts.buckets) for n in DURATIONS))
    try:
        ranked, channel_names = await _names(session, facts, top)
    finally:
        picked = await picking
    figures = _figures(facts, dict(zip(DURATIONS, picked, strict=True)))
    sla = figures[None].values.pop("sla")
    channels_by_name = dict(facts.channels_by_name)
    for code, counts in facts.reminders.items():
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
    *,
    masks: dict[str, list[int]],
    status_of: dict[int, int],
    reason_of: dict[int, int],
) -> None:
    """One chunk of pack rows into `facts`, the facts filtered by the other filters' codes."""
    columns = list(zip(*packed, strict=True))
    sizes = np.array(columns[1], dtype=np.int64)
    at = 2
    keep = np.ones(int(sizes.sum()), dtype=bool)
    for codes in masks.values():
        coded = _ints(columns[at], sizes)
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
    # Every column of the kept facts only (by position: faster than a boolean mask in numpy).
    kept = np.flatnonzero(keep)
    all_flags = _column(named["flags"], ">i2").astype(np.int64)
    flags = all_flags[kept]
    bucket = np.repeat(np.array([facts.bucket_index(b) for b in columns[0]], dtype=np.int64), sizes)[kept]
    status = _recode(_ints(named["status"], sizes, kept), status_of)
    reason = _recode(_ints(named["reason"], sizes, kept), reason_of)
    # Durations and due times are packed for the facts that have one, in fact order.
    durations = {}
    for bit, name in enumerate(DURATIONS, start=2):
        present = (all_flags >> bit) & 1 == 1
        durations[name] = (bucket[np.flatnonzero(present[kept])], _present(named[name], ">f8", present, keep))
    running_due = []
    for i, milestone in enumerate(SLA_MILESTONES):
        running = (all_flags >> (5 + 2 * i)) & 3 == RUNNING
        running_due.append(_present(named[milestone], ">i8", running, keep))
    noshows, fulfilled = _ints(named["noshows"], sizes, kept), _ints(named["fulfilled"], sizes, kept)
    _tally(facts, bucket, status, reason, flags, noshows, fulfilled, durations, running_due)
    referrers = np.maximum(_ints(named["provider"], sizes, kept), 0)  # 0: none (-1, not coded yet, too)
    facts.add("referrers", np.bincount(referrers))
    facts.add("referrers:completed", np.bincount(referrers[np.flatnonzero(flags & 1)]))
    records, per_row = _records(named["reminders"])
    if len(records):
        starts = np.repeat(np.concatenate([[0], np.cumsum(sizes)[:-1]]), per_row)
        # The kept facts' records, in native order (as whole rows: a structured dtype's fields are slower).
        chosen = records[np.flatnonzero(keep[records[:, 0] + starts])].astype(np.int64)
        channel, counts = chosen[:, 1], chosen[:, 2:]
        used = np.flatnonzero(np.bincount(channel))  # a few channels: summed one by one
        for code in used:
            rows = counts if len(used) == 1 else counts[channel == code]
            facts.reminders[int(code)] = facts.reminders.get(int(code), 0) + rows.sum(axis=0)


def _column(chunks: Sequence[bytes], dtype: str) -> Array:
    """A packed big-endian column in native order."""
    return np.frombuffer(b"".join(chunks), dtype=dtype).astype(dtype[1:])


def _ints(chunks: Sequence[bytes], sizes: Array, kept: Array | None = None) -> Array:
    """A packed column of whole numbers (of the kept facts only, when given) as int64. Each pack row holds
    its own at one width, 1, 2 or 4 bytes, big-endian and signed: its length over the row's facts."""
    widths = [len(chunk) // int(size) for chunk, size in zip(chunks, sizes, strict=True)]
    values = _at_widths(chunks, widths)
    return (values if kept is None else values[kept]).astype(np.int64)


def _records(chunks: Sequence[bytes]) -> tuple[Array, list[int]]:
    """The reminder records of pack rows (rows of RECORD whole numbers, at the width each row's first
    byte names; an empty row has none), and how many each row holds."""
    per_row, widths, bodies = [], [], []
    for chunk in chunks:
        if not chunk:
            per_row.append(0)
            continue
        widths.append(chunk[0])
        bodies.append(memoryview(chunk)[1:])
        per_row.append(len(bodies[-1]) // (chunk[0] * RECORD))
    return _at_widths(bodies, widths).reshape(-1, RECORD), per_row


def _at_widths(chunks: Sequence[bytes | memoryview], widths: list[int]) -> Array:
    """Big-endian signed whole numbers, each chunk's at its width, one after another."""
    if len(set(widths)) == 1:  # as a rule: one join, one view
        return np.frombuffer(b"".join(chunks), dtype=f">i{widths[0]}")
    parts = [np.frombuffer(chunk, dtype=f">i{width}") for chunk, width in zip(chunks, widths, strict=True)]
    return np.concatenate([part.astype(np.int32) for part in parts]) if parts else np.zeros(0, dtype=np.int32)


def _present(chunks: Sequence[bytes], dtype: str, present: Array, keep: Array) -> Array:
    """The kept facts' values of an array packed, in fact order, only for the facts `present` marks."""
    values = np.frombuffer(b"".join(chunks), dtype=dtype)
    # By position, not by boolean mask: about twice as fast in numpy.
    return values[np.flatnonzero(keep[np.flatnonzero(present)])].astype(dtype[1:])


def _tally(
    facts: Facts,
    bucket: Array,
    status: Array,
    reason: Array,
    flags: Array,
    noshows: Array,
    fulfilled: Array,
    durations: dict[str, tuple[Array, Array]],
    running_due: list[Array],
) -> None:
    """Gathered facts (bucket index, status and reason positions, flags, counts) added per bucket;
    durations kept with their buckets; SLA milestones decided and met (running ones against now)."""
    buckets = len(facts.buckets)
    # One count per bucket, status (column 0: a status not coded yet, in the volume and under no status, as
    # the facts query counts it), completed and closed: four figures from one bincount.
    joint = bucket * (len(STATUSES) + 1)
    joint += status
    joint += 1
    joint <<= 2
    joint |= flags & 3
    per_status = np.bincount(joint, minlength=buckets * (len(STATUSES) + 1) * 4).reshape(buckets, len(STATUSES) + 1, 4)
    facts.add("volume", per_status.sum(axis=(1, 2)))
    facts.add("status", per_status[:, 1:, :].sum(axis=2))
    facts.add("completed", per_status[:, :, 1::2].sum(axis=(1, 2)))  # flags 1 and 3
    facts.add("closed", per_status[:, :, 2:].sum(axis=(1, 2)))  # flags 2 and 3
    per_bucket = partial(np.bincount, minlength=buckets)
    for name, counts in (("noshows", noshows), ("fulfilled", fulfilled)):
        some = np.flatnonzero(counts)  # mostly none: weigh only the others
        facts.add(name, per_bucket(bucket[some], weights=counts[some]))
    # Few facts have a reason: the ended ones are found among those.
    with_reason = np.flatnonzero(reason >= 0)
    status_of_reason = status[with_reason]
    for name in NAMED_REASONS:
        named_at = with_reason[status_of_reason == STATUSES.index(name)]
        ended = bucket[named_at] * len(REASONS) + reason[named_at]
        facts.add(f"reasons:{name}", np.bincount(ended, minlength=buckets * len(REASONS)).reshape(-1, len(REASONS)))
    for name, pair in durations.items():
        facts.durations[name].append(pair)
    # Every milestone's two bits at once: how many facts are in each combination of states.
    bits = 2 * len(SLA_MILESTONES)
    combined = np.bincount((flags >> 5) & ((1 << bits) - 1), minlength=1 << bits)
    for i, due in enumerate(running_due):
        state = (np.arange(1 << bits) >> (2 * i)) & 3
        met = int(combined[state == 2].sum())
        decided = int(combined[state == 1].sum()) + met + np.count_nonzero(due <= facts.now_us)
        facts.sla[i] += [decided, met]


def _gather_rows(facts: Facts, names: Sequence[str], rows: Sequence[Any]) -> None:
    """The edge and marked days' facts (rows of _live, their columns `names`) into `facts`, column by column."""
    column = dict(zip(names, zip(*rows, strict=True), strict=True))
    at = {key: facts.bucket_index(key) for key in set(column["bucket"])}
    bucket = np.array([at[key] for key in column["bucket"]], dtype=np.int64)
    flags = np.array(column["completed"], dtype=np.int64) | np.array(column["closed"], dtype=np.int64) << 1
    durations = {}  # (the flags' bits for durations present are the packs' own: _tally reads the others)
    for name in DURATIONS:
        present = np.array([value is not None for value in column[name]], dtype=bool)
        values = np.array([value for value in column[name] if value is not None], dtype=np.float64)
        durations[name] = (bucket[np.flatnonzero(present)], values)
    running_due = []  # as packed: the due times of running milestones only
    for i, milestone in enumerate(SLA_MILESTONES):
        met, due = column[f"{milestone}_met"], column[f"{milestone}_due_at"]
        state = np.array([_state(m, d) for m, d in zip(met, due, strict=True)], dtype=np.int64)
        flags |= state << (5 + 2 * i)
        running = [(due[j] - EPOCH) // timedelta(microseconds=1) for j in np.flatnonzero(state == RUNNING)]
        running_due.append(np.array(running, dtype=np.int64))
    _tally(
        facts,
        bucket,
        np.array([STATUS_AT.get(value, -1) for value in column["status"]], dtype=np.int64),
        np.array([REASON_AT.get(value, -1) for value in column["status_reason"]], dtype=np.int64),
        flags,
        np.array(column["noshow_appointments"], dtype=np.int64),
        np.array(column["fulfilled_appointments"], dtype=np.int64),
        durations,
        running_due,
    )
    for provider, completed in zip(column["referring_provider_id"], column["completed"], strict=True):
        if provider is not None:
            counted = facts.referrers_by_id.setdefault(provider, [0, 0])
            counted[0] += 1
            counted[1] += int(completed)


STATUS_AT = {name: i for i, name in enumerate(STATUSES)}
REASON_AT = {name: i for i, name in enumerate(REASONS)}


def _state(met: bool | None, due: datetime | None) -> int:
    """A milestone's state as the flags pack it."""
    return 2 if met is True else 1 if met is False else RUNNING if due is not None else 0


def _joined(parts: list[Array], dtype: Any = np.int64) -> Array:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


Percentiles = dict[datetime | None, tuple[int, list[float] | None]]


def _percentiles(parts: list[tuple[Array, Array]], buckets: list[datetime | None]) -> Percentiles:
    """One duration's count, median and p90 per bucket (None: the whole period)."""
    present = _joined([v for _, v in parts], np.float64)
    picked: Percentiles = {None: (len(present), percentile_cont(present, FRACTIONS))}
    if buckets != [None]:
        # Sorted by bucket once, each bucket's durations are a slice (52 weeks: no pass over all per week).
        of_bucket = _joined([b for b, _ in parts])
        order = np.argsort(of_bucket, kind="stable")
        ordered, bounds = present[order], np.searchsorted(of_bucket[order], np.arange(len(buckets) + 1))
        for i, key in enumerate(buckets):
            if key is not None:
                chosen = ordered[bounds[i] : bounds[i + 1]]
                picked[key] = (len(chosen), percentile_cont(chosen, FRACTIONS))
    return picked


def _figures(facts: Facts, durations: dict[str, Percentiles]) -> dict[Any, MetricRow]:
    """Per bucket (None: the whole period), the figures under repository.summary_rows' names."""
    buckets = facts.buckets
    tally = {name: _padded(facts.tally.get(name), len(buckets), width) for name, width in TALLIED.items()}
    groups: list[tuple[datetime | None, Any]] = [(None, slice(None))]
    if buckets != [None]:
        groups += [(key, i) for i, key in enumerate(buckets) if key is not None]
    figures: dict[Any, MetricRow] = {}
    for key, chosen in groups:
        values = _counts({name: per_bucket[chosen] for name, per_bucket in tally.items()}, whole=key is None)
        for name, picked in durations.items():
            values[f"{name}_n"], values[f"{name}_percentiles"] = picked.get(key, (0, None))
        if key is None or values["volume"]:
            figures[key] = MetricRow(bucket=key, values=values)
    figures[None].values["sla"] = [
        attainment(milestone, decided=int(decided), met=int(met))
        for milestone, (decided, met) in zip(SLA_MILESTONES, facts.sla, strict=True)
    ]
    return figures


# What _tally adds per bucket, and each one's columns.
TALLIED = {
    "volume": 0,
    "status": len(STATUSES),
    "completed": 0,
    "closed": 0,
    "noshows": 0,
    "fulfilled": 0,
    **{f"reasons:{name}": len(REASONS) for name in NAMED_REASONS},
}


def _padded(per_bucket: Array | None, buckets: int, width: int) -> Array:
    """A tally with a row for each bucket (a bucket seen after a chunk was tallied has none there)."""
    shape = (buckets, width) if width else (buckets,)
    out = np.zeros(shape, dtype=np.int64)
    if per_bucket is not None:
        out[: len(per_bucket)] = per_bucket
    return out


def _counts(tally: dict[str, Array], *, whole: bool) -> dict[str, Any]:
    """The figures of one bucket's tally rows (or of every bucket's, summed, for the whole period)."""
    summed = {name: (rows.sum(axis=0) if whole else rows) for name, rows in tally.items()}
    values: dict[str, Any] = {"volume": int(summed["volume"])}
    for i, name in enumerate(STATUSES):
        values[f"status:{name}"] = int(summed["status"][i])
    for name in ("completed", "closed"):
        values[name] = int(summed[name])
    for name, named in NAMED_REASONS.items():
        for r in named:
            values[f"{name}:{r}"] = int(summed[f"reasons:{name}"][REASONS.index(r)])
        values[f"{name}:other"] = values[f"status:{name}"] - sum(values[f"{name}:{r}"] for r in named)
    values["noshows"] = int(summed["noshows"])
    values["fulfilled"] = int(summed["fulfilled"])
    return values


async def _names(session: AsyncSession, facts: Facts, top: int) -> tuple[list[tuple[Any, ...]], dict[int, str]]:
    """The top referrers ranked and named as the facts query does, and the reminder channels' names."""
    codes, volumes, converted = facts.referrers_by_code()
    by_id = sorted(facts.referrers_by_id.items())
    packed = (
        select(
            func.unnest(literal(codes, ARRAY(Integer))).label("code"),
            func.unnest(literal(volumes, ARRAY(Integer))).label("volume"),
            func.unnest(literal(converted, ARRAY(Integer))).label("converted"),
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
    channel_codes = list(facts.reminders)
    names = select(func.json_object_agg(K.c.id, K.c.value)).where(K.c.id.in_(channel_codes)).scalar_subquery()
    listed, named = (await session.execute(select(referrer_list(ranked), names))).one()
    return [tuple(item) for item in listed or []], {int(k): v for k, v in (named or {}).items()}
