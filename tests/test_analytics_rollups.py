"""The summary read from the daily rollups and spreads equals the summary read from the facts, figure for figure.

Seeded random histories: referrals created through the service (some backdated), moved through the
lifecycle, imported from a practice's CSV export, rewritten behind the service's back (a backdated
received_at, a new service line or status, a cleared milestone), appointments booked, ended and
removed, fact rows deleted. After each burst every filter and grouping the API offers is asked over
random periods, most of them starting and ending inside a day and some given in a non-UTC offset, and
both readers must give the same rows: counts, top referrers, and medians and p90s to the last bit,
whether the days' spreads were rebuilt since the last change or not.
"""

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from itertools import combinations
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import packs, reminder_channels, repository, rollups, spreads
from domain.analytics.schemas import Period, SummaryFilters, SummaryGrouping
from domain.journey.queries import sla_attainment
from domain.referrals import service as referrals
from domain.referrals.enums import DeclineReason, LeakageReason, PayerClass, SourceChannel, Urgency
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.schemas import ReferralCreate
from domain.relationships import imports
from tests.factories import make_organization, make_provider, referral_payload, valid_npi
from tests.history import csv_bytes, row

WINDOW = datetime(2026, 3, 1, tzinfo=UTC)  # referrals arrive over the 40 days from here
LINES = ["cardiology", "orthopedics", "dermatology"]
NAMED_LOCATIONS = ["Northside", "Southside"]
LOCATIONS = [None, *NAMED_LOCATIONS]
PAYERS = [PayerClass.commercial, PayerClass.medicare, PayerClass.self_pay]
CHANNELS = [SourceChannel.staff, SourceChannel.fax, SourceChannel.portal]
URGENCIES = [Urgency.routine, Urgency.urgent, Urgency.stat]
# The keys every fact carries in the daily tables: all, each filter, each pair of low-cardinality filters.
SINGLE_KEYS = """('all', ''),
    ('service_line', f.service_line), ('location_preference', f.location_preference),
    ('payer_class', f.payer_class), ('source_channel', f.source_channel), ('urgency', f.urgency)"""
SHORT = {
    "service_line": "line",
    "location_preference": "location",
    "payer_class": "payer",
    "source_channel": "channel",
    "urgency": "urgency",
}
PAIR_KEYS = ", ".join(
    f"('{SHORT[a]}+{SHORT[b]}', length(f.{a}) || ':' || f.{a} || f.{b})" for a, b in combinations(SHORT, 2)
)
PROVIDER_KEY = "('referring_provider_id', f.referring_provider_id::text)"
ORGANIZATION_KEY = "('referring_organization_id', f.referring_organization_id::text)"
REASONS = {
    S.declined: [r.value for r in DeclineReason] + ["incomplete", None],
    S.cancelled: [r.value for r in LeakageReason] + ["imported_reason", None],
}
MOVES: list[tuple[S, str | None]] = [(s, None) for s in (S.needs_info, S.accepted, S.scheduled, S.completed, S.closed)]
MOVES += [(S.declined, "misdirected"), (S.cancelled, "patient_unreachable"), (S.cancelled, "no_show")]


def _when(rng: random.Random) -> datetime:
    return WINDOW + timedelta(seconds=rng.randrange(40 * 86400))


class History:
    def __init__(self, session: AsyncSession, rng: random.Random, providers: list, organization) -> None:
        self.session, self.rng, self.providers, self.organization = session, rng, providers, organization
        self.ids: list[uuid.UUID] = []
        self.appointments: list[uuid.UUID] = []
        self.messages: list[uuid.UUID] = []

    async def create(self) -> None:
        rng = self.rng
        provider = rng.choice([*self.providers, None])
        payload = referral_payload(
            service_line=rng.choice(LINES),
            location_preference=rng.choice(LOCATIONS),
            payer_class=rng.choice(PAYERS).value,
            source_channel=rng.choice(CHANNELS).value,
            urgency=rng.choice(URGENCIES).value,
            received_at=_when(rng).isoformat(),
            referring_provider_id=str(provider.id) if provider else None,
            referring_organization_id=str(self.organization.id) if provider else None,
        )
        data = ReferralCreate.model_validate(payload)
        created = await referrals.create_referral(self.session, data=data, actor="test")
        self.ids.append(created.referral.id)

    async def transition(self) -> None:
        to, reason = self.rng.choice(MOVES)
        try:
            async with self.session.begin_nested():
                await referrals.transition(
                    self.session, referral_id=self.rng.choice(self.ids), to=to, reason=reason, note=None, actor="test"
                )
        except Exception:  # a move the lifecycle does not allow from the current status
            pass

    async def rewrite(self) -> None:
        """A change made outside the service, as a data fix or a database import would make it."""
        rng = self.rng
        status = rng.choice(list(S))
        choices = {
            "received_at": _when(rng),
            "service_line": rng.choice(LINES),
            "location_preference": rng.choice(LOCATIONS),
            "payer_class": rng.choice([*PAYERS, None]),
            "urgency": rng.choice(URGENCIES),
            "status": status,
            "completed_at": rng.choice([None, _when(rng)]),
            "closed_at": rng.choice([None, _when(rng)]),
            "first_contact_at": rng.choice([None, _when(rng)]),
            "referring_provider_id": rng.choice([*(p.id for p in self.providers), None]),
        }
        columns = rng.sample(sorted(choices), k=rng.randint(1, 3))
        values = {c: choices[c] for c in columns}
        if "status" in values:
            values["status_reason"] = rng.choice(REASONS.get(status, [None]))
        assignments = ", ".join(f"{c} = :{c}" for c in values)
        await self.session.execute(
            text(f"UPDATE referrals SET {assignments} WHERE id = :id"), {**values, "id": rng.choice(self.ids)}
        )

    async def appointment(self) -> None:
        rng = self.rng
        if self.appointments and rng.random() < 0.6:
            target = rng.choice(self.appointments)
            if rng.random() < 0.25:
                await self.session.execute(text("DELETE FROM patient_links WHERE appointment_id = :id"), {"id": target})
                await self.session.execute(text("DELETE FROM appointments WHERE id = :id"), {"id": target})
                self.appointments.remove(target)
            else:
                status = rng.choice(["booked", "fulfilled", "noshow", "cancelled"])
                await self.session.execute(
                    text("UPDATE appointments SET status = :s WHERE id = :id"), {"s": status, "id": target}
                )
            return
        new = uuid.uuid4()
        await self.session.execute(
            text(
                "INSERT INTO appointments (id, referral_id, status, start, created_at, updated_at) "
                "VALUES (:id, :r, :s, :start, :at, :at)"
            ),
            {
                "id": new,
                "r": rng.choice(self.ids),
                "s": rng.choice(["booked", "fulfilled", "noshow"]),
                "start": _when(rng) + timedelta(days=rng.randint(0, 20)),
                "at": _when(rng),
            },
        )
        self.appointments.append(new)

    async def link(self) -> None:
        """A booking notice or reminder with a link, by e-mail or text, sent or not, confirmed or not."""
        rng = self.rng
        if self.messages and rng.random() < 0.4:  # a message's status moves, to or from sent
            await self.session.execute(
                text("UPDATE outbox_messages SET status = :s WHERE id = :id"),
                {"s": rng.choice(["queued", "sent", "failed"]), "id": rng.choice(self.messages)},
            )
            return
        if not self.appointments:
            return
        appointment, channel, message = rng.choice(self.appointments), rng.choice(["email", "sms"]), uuid.uuid4()
        await self.session.execute(
            text(
                "INSERT INTO outbox_messages (id, channel, kind, recipient_type, idempotency_key, status, not_before) "
                "VALUES (:id, :channel, 'appointment_reminder', 'patient', :key, :status, now())"
            ),
            {"id": message, "channel": channel, "key": str(message), "status": rng.choice(["queued", "sent", "sent"])},
        )
        self.messages.append(message)
        await self.session.execute(
            text(
                "INSERT INTO patient_links (id, appointment_id, referral_id, token_hash, channel, kind, message_id, "
                "expires_at, confirmed_at) SELECT :id, a.id, a.referral_id, :token, :channel, 'reminder', :message, "
                "now() + interval '7 days', :confirmed FROM appointments a WHERE a.id = :appointment"
            ),
            {
                "id": uuid.uuid4(),
                "token": uuid.uuid4().hex,
                "channel": channel,
                "message": message,
                "confirmed": datetime.now(UTC) if rng.random() < 0.3 else None,
                "appointment": appointment,
            },
        )

    async def backdated_import(self) -> None:
        rng = self.rng
        npis = [p.npi for p in self.providers]
        rows = []
        for _ in range(rng.randint(1, 6)):
            status = rng.choice(["received", "completed", "closed", "declined", "cancelled"])
            extra: dict[str, Any] = {"service_line": rng.choice(LINES), "urgency": rng.choice(URGENCIES).value}
            if status in ("completed", "closed"):
                extra["completion_date"] = (WINDOW + timedelta(days=45)).date()
            if status == "declined":
                extra["status_reason"] = rng.choice(["out_of_network", "incomplete"])
            if status == "cancelled":
                extra["status_reason"] = rng.choice([r.value for r in LeakageReason])
            rows.append(row(rng.choice(npis), _when(rng).date(), status=status, **extra))
        await imports.import_referrals(self.session, data=csv_bytes(rows), filename="history.csv", actor="test")

    async def delete_fact(self) -> None:
        await self.session.execute(
            text("DELETE FROM analytics_referral_facts WHERE referral_id = :id"), {"id": self.rng.choice(self.ids)}
        )

    async def compact(self) -> None:
        await self.session.execute(text("SELECT analytics_rollup_compact()"))

    async def clock(self) -> None:
        """A milestone reached, missed or left running with a due time either side of now."""
        milestone = self.rng.choice(["first_contact", "scheduled"])
        met = self.rng.choice([True, False, None, None])
        due = None if met is not None else datetime.now(UTC) + timedelta(hours=self.rng.choice([-30, -1, 1, 30]))
        await self.session.execute(
            text(
                f"UPDATE referral_clocks SET {milestone}_met = :met, {milestone}_due_at = :due WHERE referral_id = :r"
            ),
            {"met": met, "due": due, "r": self.rng.choice(self.ids)},
        )

    async def refresh_spreads(self) -> None:
        await self.session.execute(text("SELECT analytics_spreads_refresh(1000)"))

    async def refresh_packs(self) -> None:
        await self.session.execute(text("SELECT analytics_packs_refresh(1000)"))

    async def step(self) -> None:
        action = self.rng.choices(
            [
                self.create,
                self.transition,
                self.rewrite,
                self.appointment,
                self.backdated_import,
                self.delete_fact,
                self.compact,
                self.refresh_spreads,
                self.refresh_packs,
                self.clock,
                self.link,
            ],
            weights=[3, 4, 4, 4, 1, 1, 1, 3, 2, 3, 8],
        )[0]
        await action()


def _random_period(rng: random.Random) -> Period:
    start = WINDOW - timedelta(days=2) + timedelta(minutes=rng.randrange(44 * 24 * 60))
    if rng.random() < 0.3:
        start = start.replace(hour=0, minute=0)
    end = start + timedelta(days=rng.randint(1, 40), minutes=rng.choice([0, rng.randrange(24 * 60)]))
    offset = timezone(timedelta(hours=rng.choice([0, -5, 5, 13])))
    return Period(start=start.astimezone(offset), end=end.astimezone(offset))


def _random_filters(rng: random.Random, providers: list, organization) -> SummaryFilters:
    kinds = ["line", "location", "payer", "channel", "urgency", "provider", "organization"]
    chosen = set(rng.sample(kinds, k=rng.choice([0, 1, 1, 2, 2, 2, 3])))
    return SummaryFilters(
        referring_provider_id=[p.id for p in rng.sample(providers, k=rng.randint(1, 2))]
        if "provider" in chosen
        else [],
        referring_organization_id=[organization.id] if "organization" in chosen else [],
        service_line=rng.sample(LINES, k=rng.randint(1, 2)) if "line" in chosen else [],
        location=rng.sample(NAMED_LOCATIONS, k=rng.randint(1, 2)) if "location" in chosen else [],
        payer_class=rng.sample(PAYERS, k=rng.randint(1, 2)) if "payer" in chosen else [],
        source_channel=rng.sample(CHANNELS, k=1) if "channel" in chosen else [],
        urgency=rng.sample(URGENCIES, k=rng.randint(1, 2)) if "urgency" in chosen else [],
    )


async def _rollups_match_facts(session: AsyncSession) -> None:
    """Per key, the rollup's deltas sum to the facts' figures, and keys without facts sum to zero."""
    facts = f"""
        SELECT d.dimension, d.value, (received_at AT TIME ZONE 'UTC')::date, status, status_reason,
               count(*)::int, count(completed_at)::int, count(closed_at)::int,
               sum(noshow_appointments)::int, sum(fulfilled_appointments)::int
        FROM analytics_referral_facts f CROSS JOIN LATERAL (VALUES {SINGLE_KEYS}, {PAIR_KEYS},
            {PROVIDER_KEY}, {ORGANIZATION_KEY}
        ) AS d(dimension, value)
        WHERE d.value IS NOT NULL GROUP BY 1, 2, 3, 4, 5
    """
    rolled = """
        SELECT dimension, value, day, status, status_reason, sum(referrals)::int, sum(completed)::int,
               sum(closed)::int, sum(noshows)::int, sum(fulfilled)::int
        FROM analytics_daily_rollup GROUP BY 1, 2, 3, 4, 5 HAVING sum(referrals) <> 0 OR sum(completed) <> 0
            OR sum(closed) <> 0 OR sum(noshows) <> 0 OR sum(fulfilled) <> 0
    """
    assert sorted(map(tuple, await session.execute(text(facts))), key=repr) == sorted(
        map(tuple, await session.execute(text(rolled))), key=repr
    )
    by_referrer = f"""
        SELECT d.dimension, d.value, (received_at AT TIME ZONE 'UTC')::date, referring_provider_id,
               count(*)::int, count(completed_at)::int
        FROM analytics_referral_facts f CROSS JOIN LATERAL (VALUES {SINGLE_KEYS}, {PAIR_KEYS},
            {ORGANIZATION_KEY}
        ) AS d(dimension, value)
        WHERE d.value IS NOT NULL AND referring_provider_id IS NOT NULL GROUP BY 1, 2, 3, 4
    """
    referrers = """
        SELECT dimension, value, day, referring_provider_id, sum(referrals)::int, sum(completed)::int
        FROM analytics_daily_referrers GROUP BY 1, 2, 3, 4 HAVING sum(referrals) <> 0 OR sum(completed) <> 0
    """
    assert sorted(map(tuple, await session.execute(text(by_referrer))), key=repr) == sorted(
        map(tuple, await session.execute(text(referrers))), key=repr
    )
    # A folded key is one row: the compaction left nothing behind twice.
    folded = """
        SELECT count(*) FROM (SELECT 1 FROM analytics_daily_rollup WHERE compacted
        GROUP BY dimension, value, day, status, status_reason HAVING count(*) > 1) twice
    """
    assert (await session.execute(text(folded))).scalar() == 0


async def _spreads_match_facts(session: AsyncSession) -> int:
    """Every day without a mark holds exactly its facts' durations, per key; returns the days compared."""
    facts = f"""
        SELECT d.dimension, d.value, (received_at AT TIME ZONE 'UTC')::date AS day,
               array_agg(contact_hours ORDER BY contact_hours) FILTER (WHERE contact_hours IS NOT NULL),
               array_agg(appointment_days ORDER BY appointment_days) FILTER (WHERE appointment_days IS NOT NULL),
               array_agg(closure_hours ORDER BY closure_hours) FILTER (WHERE closure_hours IS NOT NULL),
               count(*) FILTER (WHERE c.first_contact_met), count(c.first_contact_met),
               array_agg(c.first_contact_due_at ORDER BY c.first_contact_due_at)
                   FILTER (WHERE c.first_contact_met IS NULL AND c.first_contact_due_at IS NOT NULL),
               count(*) FILTER (WHERE c.scheduled_met), count(c.scheduled_met),
               array_agg(c.scheduled_due_at ORDER BY c.scheduled_due_at)
                   FILTER (WHERE c.scheduled_met IS NULL AND c.scheduled_due_at IS NOT NULL)
        FROM analytics_referral_facts f LEFT JOIN referral_clocks c ON c.referral_id = f.referral_id
        CROSS JOIN LATERAL (VALUES {SINGLE_KEYS}, {PAIR_KEYS},
            {PROVIDER_KEY}, {ORGANIZATION_KEY}
        ) AS d(dimension, value)
        WHERE d.value IS NOT NULL
          AND (received_at AT TIME ZONE 'UTC')::date NOT IN (SELECT day FROM analytics_spread_marks)
        GROUP BY 1, 2, 3
    """
    spread = """
        SELECT dimension, value, day, contact_hours, appointment_days, closure_hours, first_contact_met,
               first_contact_reached, first_contact_due, scheduled_met, scheduled_reached, scheduled_due
        FROM analytics_daily_spreads WHERE day NOT IN (SELECT day FROM analytics_spread_marks)
    """

    def unpacked(packed: bytes | None, dtype: str = ">f8") -> list[Any] | None:
        values = sorted(np.frombuffer(packed, dtype=dtype).tolist()) if packed else []
        return values or None

    def microseconds(times: list[datetime] | None) -> list[int] | None:
        return [(t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) for t in times] if times else None

    expected = {
        tuple(r[:3]): [
            *(list(v) if v else None for v in r[3:6]),
            r[6],
            r[7],
            microseconds(r[8]),
            r[9],
            r[10],
            microseconds(r[11]),
        ]
        for r in await session.execute(text(facts))
    }
    actual = {
        tuple(r[:3]): [
            *(unpacked(v) for v in r[3:6]),
            r[6],
            r[7],
            unpacked(r[8], ">i8"),
            r[9],
            r[10],
            unpacked(r[11], ">i8"),
        ]
        for r in await session.execute(text(spread))
    }
    assert actual == expected
    return len({key[2] for key in expected})


# Codes given from here (None: after the highest): each history's packs hold their whole numbers at one,
# two or four bytes, and with 120 a day's pack rows come at both of the first two widths.
@pytest.mark.parametrize(("seed", "chunk", "codes_from"), [(1, 1, None), (2, 2, 120), (3, packs.CHUNK, 40_000)])
async def test_rollup_summary_equals_the_facts_summary_after_random_histories(
    session: AsyncSession, seed: int, chunk: int, codes_from: int | None, monkeypatch: pytest.MonkeyPatch
):
    # The packs are read in chunks of pack rows: one or two rows a chunk make every read span several.
    monkeypatch.setattr(packs, "CHUNK", chunk)
    codes = "pg_get_serial_sequence('analytics_pack_codes', 'id')"
    highest = "(SELECT coalesce(max(id), 1) FROM analytics_pack_codes)"
    await session.execute(text(f"SELECT setval({codes}, greatest({highest}, :start))"), {"start": codes_from or 1})
    rng = random.Random(seed)
    organization = await make_organization(session)
    providers = [await make_provider(session, npi=valid_npi(seed * 100 + n)) for n in range(3)]
    history = History(session, rng, providers, organization)
    for _ in range(8):
        await history.create()
    compared = volume = by_referrer = referred = paired = spread_days = decided = reminded = 0
    uncovered = uncovered_volume = from_packs = packs_volume = 0
    for _burst in range(5):
        for _ in range(25):
            await history.step()
        await session.flush()
        await _rollups_match_facts(session)
        spread_days += await _spreads_match_facts(session)
        for _ in range(30):
            period, filters = _random_period(rng), _random_filters(rng, providers, organization)
            grouping = rng.choice([None, SummaryGrouping.week, SummaryGrouping.month])
            top = rng.choice([1, 2, 10])
            args = (period, filters, grouping, top)
            expected = await repository.summary_rows(
                session, period=period, filters=filters, grouping=grouping, top=top
            )
            covered = rollups.covers(period, filters)
            if covered:
                actual = await rollups.summary_rows(session, period=period, filters=filters, grouping=grouping, top=top)
            elif packs.covers(period):  # whole days from the day packs, the rest from the facts
                actual = await packs.summary_rows(session, period=period, filters=filters, grouping=grouping, top=top)
                from_packs += 1
                packs_volume += expected.totals.values["volume"]
                # The facts read once, with SLA attainment and reminder channels, agree with it too.
                read_once = await repository.summary_rows(
                    session, period=period, filters=filters, grouping=grouping, top=top, journey=True
                )
                assert (read_once.totals, read_once.buckets, read_once.sla) == (
                    actual.totals,
                    actual.buckets,
                    actual.sla,
                ), args
                assert read_once.reminder_channels == actual.reminder_channels, args
            else:  # the facts read once, with SLA attainment and reminder channels from the same read
                actual = await repository.summary_rows(
                    session, period=period, filters=filters, grouping=grouping, top=top, journey=True
                )
            assert actual.totals == expected.totals, args
            assert actual.buckets == expected.buckets, args
            assert actual.top_referrers == expected.top_referrers, args
            where = repository.period_clauses(period, filters)
            raw_sla = await sla_attainment(session, facts=repository.F, where=where)
            assert actual.sla == raw_sla, args
            raw_channels = await reminder_channels.by_channel(session, facts=repository.F, where=where)
            assert actual.reminder_channels == raw_channels, args
            reminded += any(item["channel"] != "none" for item in raw_channels)
            decided += sum(item["decided"] for item in raw_sla)
            if not covered:
                uncovered += 1
                uncovered_volume += expected.totals.values["volume"]
                continue
            compared += 1
            volume += expected.totals.values["volume"]
            paired += "+" in (spreads.dimension(filters) or ("",))[0]
            if filters.referring_provider_id or filters.referring_organization_id:
                by_referrer += 1
                referred += len(expected.top_referrers)
    # The comparisons were over real figures, not empty periods.
    assert compared >= 30 and volume >= 100
    assert by_referrer >= 5 and referred >= 5 and paired >= 5
    assert spread_days >= 20 and decided >= 40 and reminded >= 5
    assert uncovered >= 10 and uncovered_volume >= 30
    assert from_packs >= 8 and packs_volume >= 30
    widths = await session.execute(
        text("SELECT DISTINCT length(status) / facts FROM analytics_fact_packs WHERE dimension <> 'all'")
    )
    assert {1: {1}, 120: {1, 2}, 40_000: {4}}[codes_from or 1] <= set(widths.scalars())


async def test_medians_and_p90s_picked_in_python_equal_postgresqls_percentile_cont(session: AsyncSession):
    # The daily tables' medians and p90s are picked with numpy; the facts query asks PostgreSQL. Sizes
    # from one value up, with ties, so every way a rank falls (on a value, between two) is met.
    rng = np.random.default_rng(7)
    sizes = [*range(1, 41), 101, 1000, 1001]
    for n in sizes:
        values = rng.random(n) * 100
        if n % 3 == 0:
            values = np.round(values)  # ties
        asked = await session.execute(
            text(
                "SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v) "
                "FROM unnest(CAST(:values AS float8[])) AS v"
            ),
            {"values": values.tolist()},
        )
        assert spreads.percentile_cont(values, spreads.FRACTIONS) == asked.scalar(), n


def test_two_low_cardinality_filters_read_their_pair_key_and_other_combinations_the_facts():
    pair = spreads.dimension(SummaryFilters(service_line=["a", "ab"], location=["bc", "c"]))
    # "a" with "bc" and "ab" with "c" join to the same text; their keys differ.
    assert pair == ("line+location", ["1:abc", "1:ac", "2:abbc", "2:abc"])
    three = SummaryFilters(
        payer_class=[PayerClass.medicare], source_channel=[SourceChannel.fax], urgency=[Urgency.stat]
    )
    assert spreads.dimension(three) is None
    beside_a_referrer = SummaryFilters(referring_organization_id=[uuid.uuid4()], urgency=[Urgency.stat])
    assert spreads.dimension(beside_a_referrer) is None


def test_two_filters_with_four_pairs_of_values_or_more_are_read_from_the_day_packs():
    year = Period(start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC))
    three_pairs = SummaryFilters(payer_class=[PayerClass.medicare], source_channel=list(SourceChannel)[:3])
    four_pairs = SummaryFilters(
        payer_class=[PayerClass.medicare, PayerClass.commercial], urgency=[Urgency.stat, Urgency.asap]
    )
    one_filter = SummaryFilters(source_channel=list(SourceChannel)[:5])
    assert rollups.covers(year, three_pairs) and rollups.covers(year, one_filter)
    assert not rollups.covers(year, four_pairs) and packs.covers(year)


async def test_a_fact_made_again_counts_the_referrals_appointments(session: AsyncSession):
    """A fact removed (a merge, a data fix) and made again by the next change keeps its appointments."""
    created = await referrals.create_referral(
        session, data=ReferralCreate.model_validate(referral_payload(received_at=WINDOW.isoformat())), actor="test"
    )
    referral_id, start = created.referral.id, WINDOW + timedelta(days=3)
    await session.execute(
        text(
            "INSERT INTO appointments (id, referral_id, status, start, created_at, updated_at) "
            "VALUES (:id, :r, 'noshow', :start, now(), now())"
        ),
        {"id": uuid.uuid4(), "r": referral_id, "start": start},
    )
    await session.execute(text("DELETE FROM analytics_referral_facts WHERE referral_id = :r"), {"r": referral_id})
    await session.execute(text("UPDATE referrals SET urgency = 'stat' WHERE id = :r"), {"r": referral_id})
    fact = (
        await session.execute(
            text(
                "SELECT urgency, first_appointment_start, appointment_days, noshow_appointments "
                "FROM analytics_referral_facts WHERE referral_id = :r"
            ),
            {"r": referral_id},
        )
    ).one()
    assert tuple(fact) == ("stat", start, 3.0, 1)


async def test_the_worker_folds_the_deltas_every_five_minutes():
    from workers.jobs.analytics import compact_analytics_rollups
    from workers.main import WorkerSettings

    scheduled = [job for job in WorkerSettings.cron_jobs if job.coroutine is compact_analytics_rollups]
    assert len(scheduled) == 1 and len(scheduled[0].minute) == 12
    await compact_analytics_rollups({})  # against the test database: the folding function is there and runs


async def test_the_worker_rebuilds_marked_days_every_minute():
    from domain.shared.db import unit_of_work
    from workers.jobs.analytics import refresh_analytics_spreads
    from workers.main import WorkerSettings

    scheduled = [job for job in WorkerSettings.cron_jobs if job.coroutine is refresh_analytics_spreads]
    assert len(scheduled) == 1 and scheduled[0].second == {30} and scheduled[0].minute is None
    async with unit_of_work() as session:
        for marks in ("analytics_spread_marks", "analytics_pack_marks"):
            await session.execute(text(f"INSERT INTO {marks} (day) VALUES ('2026-03-02'), ('2026-03-03')"))
    await refresh_analytics_spreads({})
    async with unit_of_work() as session:
        for marks in ("analytics_spread_marks", "analytics_pack_marks"):
            assert (await session.execute(text(f"SELECT count(*) FROM {marks}"))).scalar() == 0, marks


async def test_truncating_the_facts_empties_the_rollups(session: AsyncSession):
    organization = await make_organization(session)
    history = History(session, random.Random(7), [await make_provider(session, npi=valid_npi(7))], organization)
    for _ in range(3):
        await history.create()
    await session.flush()
    assert (await session.execute(text("SELECT count(*) FROM analytics_daily_referrers"))).scalar()
    assert (await session.execute(text("SELECT count(*) FROM analytics_spread_marks"))).scalar()
    assert (await session.execute(text("SELECT count(*) FROM analytics_pack_marks"))).scalar()
    await session.execute(text("SELECT analytics_spreads_refresh(1000), analytics_packs_refresh(1000)"))
    assert (await session.execute(text("SELECT count(*) FROM analytics_daily_spreads"))).scalar()
    assert (await session.execute(text("SELECT count(*) FROM analytics_fact_packs"))).scalar()
    await session.execute(text("TRUNCATE analytics_referral_facts"))
    for table in (
        "analytics_daily_rollup",
        "analytics_daily_referrers",
        "analytics_daily_spreads",
        "analytics_spread_marks",
        "analytics_fact_packs",
        "analytics_pack_marks",
    ):
        assert (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0
