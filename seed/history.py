"""Demo history before the demo's live year, loaded through the referral import as a practice's
old-system export would be, so trends, seasonality and cooling have something real to show.

The volume is proportional to the live year's (`years` x the live count), from the same
referrers with the same weights. One referrer that has gone quiet in the live data gets a
steady history over the cooling baseline weeks, so the demo always has a cooling alert; it and
about half the others belong to the demo liaison. Two programs with costs and touchpoints
give the ROI page its rows.
"""

import csv
import io
import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import User  # noqa: F401  (tasks point at users)
from domain.providers.models import Provider
from domain.referrals.models import Referral
from domain.relationships import cooling, imports, snapshot
from domain.relationships.models import FeeScheduleEntry, Program, ProgramCost, ReferrerOwner, Touchpoint
from domain.shared.ids import uuid7
from seed import catalog as C
from seed.demo import Demo, pick

HEADER = (
    "source_id",
    "received_at",
    "referrer_npi",
    "service_line",
    "urgency",
    "payer_class",
    "status",
    "status_reason",
    "appointment_date",
    "completion_date",
    "patient_given_name",
    "patient_family_name",
    "patient_birth_date",
    "patient_mrn",
)
OUTCOMES = {"completed": 30, "closed": 38, "cancelled": 16, "declined": 9}
FEES = {
    "cardiology": 420,
    "orthopedics": 510,
    "gastroenterology": 380,
    "dermatology": 190,
    "neurology": 350,
    "endocrinology": 240,
    "urology": 330,
    "pulmonology": 300,
}


def _history_rows(demo: Demo, rng: random.Random, *, years: int, per_year: int) -> list[list[str]]:
    npis = {row["id"]: row["npi"] for row in demo.rows[Provider]}
    referrers = [r for r in demo.referrers if r.provider_id is not None and npis.get(r.provider_id)]
    weights = [r.weight for r in referrers]
    start = demo.now - timedelta(days=365 * (1 + years))
    span = 365 * years
    rows = []
    for n in range(per_year * years):
        referrer = rng.choices(referrers, weights=weights)[0]
        # Weekdays, with a winter dip and a late-summer rise: a season for the cooling factor to see.
        while True:
            received = start + timedelta(days=rng.uniform(0, span))
            season = 1 + 0.25 * (received.month in (7, 8, 9)) - 0.2 * (received.month in (12, 1))
            if received.weekday() < 5 and rng.random() < season / 1.25:
                break
        rows.append(_row(rng, f"HIST-{n:06d}", npis[referrer.provider_id], received))
    return rows


def _row(rng: random.Random, source_id: str, npi: str, received: datetime) -> list[str]:
    outcome = str(pick(rng, OUTCOMES))
    line = str(pick(rng, C.PRIMARY_CARE_MIX)) if rng.random() < 0.9 else "cardiology"
    line = line if line in FEES else "cardiology"
    appointment = received + timedelta(days=rng.uniform(3, 35))
    reason = {
        "cancelled": rng.choice(("patient_unreachable", "patient_declined", "no_show", "went_elsewhere", "insurance")),
        "declined": rng.choice(("misdirected", "not_indicated", "out_of_network")),
    }.get(outcome, "")
    has_appointment = outcome in ("completed", "closed") or reason == "no_show"
    sex_names = C.FEMALE_NAMES if rng.random() < 0.54 else C.MALE_NAMES
    birth = received.date() - timedelta(days=rng.randint(18 * 365, 85 * 365))
    return [
        source_id,
        received.strftime("%Y-%m-%dT%H:%M:%SZ"),
        npi,
        line,
        "routine",
        str(pick(rng, {k: w for k, (_, w) in C.PAYERS.items()})),
        outcome,
        reason,
        appointment.date().isoformat() if has_appointment else "",
        appointment.date().isoformat() if outcome in ("completed", "closed") else "",
        rng.choice(sex_names),
        rng.choice(C.FAMILY_NAMES),
        birth.isoformat(),
        f"H{rng.randrange(10**6, 10**7)}",
    ]


def _quiet_referrer(demo: Demo):
    """A referrer with no live referral in the last 8 weeks: its history makes it a cooling one."""
    recent = {
        r["referring_provider_id"] for r in demo.rows[Referral] if r["received_at"] >= demo.now - timedelta(weeks=8)
    }
    candidates = [r for r in demo.referrers if r.provider_id is not None and r.provider_id not in recent]
    return max(candidates, key=lambda r: r.weight) if candidates else None


async def add_history(session: AsyncSession, demo: Demo, *, years: int) -> int:
    rng = random.Random(demo.rng.random())
    live = len(demo.rows[Referral])
    rows = _history_rows(demo, rng, years=years, per_year=max(live, 50)) if years else []
    quiet = _quiet_referrer(demo)
    if quiet is not None:
        npi = next(p["npi"] for p in demo.rows[Provider] if p["id"] == quiet.provider_id)
        # Two a week over the 26 weeks that end 8 weeks ago: a baseline its silence since falls far below.
        for week in range(26):
            received = demo.now - timedelta(weeks=34 - week, days=-1, hours=-3)
            for k in range(2):
                rows.append(_row(rng, f"HIST-Q-{week}-{k}", npi, received + timedelta(hours=k)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    await session.execute(
        insert(FeeScheduleEntry),
        [
            {
                "service_line": line,
                "payer_class": payer,
                "amount": Decimal(fee) * (Decimal("0.7") if payer in ("medicaid", "self_pay") else 1),
            }
            for line, fee in FEES.items()
            for payer in C.PAYERS
        ],
    )
    await _territories_and_programs(session, demo, rng, quiet)
    result = await imports.import_referrals(
        session, data=out.getvalue().encode(), filename="demo-history.csv", actor="seed"
    )
    await cooling.run(session, as_of=demo.now.date())
    await snapshot.refresh(session, as_of=demo.now.date())
    return result.loaded


async def _territories_and_programs(session: AsyncSession, demo: Demo, rng: random.Random, quiet) -> None:
    liaison = demo.users.get("liaison@refloop.local")
    if liaison is None:
        return
    owned = [r for r in demo.referrers if r.provider_id is not None and (r is quiet or rng.random() < 0.5)]
    await session.execute(
        insert(ReferrerOwner),
        [
            {"provider_id": r.provider_id, "liaison_id": liaison, "created_at": demo.now, "updated_at": demo.now}
            for r in {r.provider_id: r for r in owned}.values()
        ],
    )
    programs = [
        {"id": uuid7(), "name": name, "description": text, "created_at": demo.now, "updated_at": demo.now}
        for name, text in (
            ("Lunch-and-learn", "Lunch with a practice's physicians and staff"),
            ("Cardiology outreach", "Quarterly visits to primary care about heart failure"),
        )
    ]
    await session.execute(insert(Program), programs)
    await session.execute(
        insert(ProgramCost),
        [
            {
                "id": uuid7(),
                "program_id": p["id"],
                "incurred_on": (demo.now - timedelta(days=30 * m)).date(),
                "amount": Decimal(amount),
                "note": None,
                "created_at": demo.now,
                "updated_at": demo.now,
            }
            for p, amount in zip(programs, (450, 1200), strict=True)
            for m in range(1, 12, 2)
        ],
    )
    touches = []
    for r in owned[:40]:
        for _ in range(rng.randint(1, 3)):
            program = rng.choice([*programs, None])
            touches.append(
                {
                    "id": uuid7(),
                    "provider_id": r.provider_id,
                    "organization_id": None,
                    "liaison_id": liaison,
                    "occurred_at": demo.now - timedelta(days=rng.uniform(5, 330)),
                    "kind": "lunch_and_learn" if program is programs[0] else rng.choice(("visit", "call", "email")),
                    "program_id": program["id"] if program else None,
                    "notes": None,
                    "outcome": None,
                    "follow_up_on": None,
                    "task_id": None,
                    "created_at": demo.now,
                    "updated_at": demo.now,
                }
            )
    await session.execute(insert(Touchpoint), touches)
