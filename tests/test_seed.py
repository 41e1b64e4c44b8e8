"""Demo data: repeatable from its seed, walks the whole lifecycle, and keeps the invariants
the services keep (milestones, timeline, sealed patient fields, blind indexes)."""

import asyncio
import hashlib
import os
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from domain.identity.models import User
from domain.identity.passwords import verify_password
from domain.journey import sla, sweeps
from domain.journey.models import ReferralClock
from domain.referrals.enums import AppointmentStatus, DeclineReason, LeakageReason, ReferralStatus
from domain.referrals.lifecycle import MILESTONE_COLUMN
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.shared.crypto import blind_index
from domain.tasks.models import Task
from seed.demo import DEMO_PASSWORD, DEMO_USERS, PORTAL_USER, build_demo, load_demo
from tests import scratch_db

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
PREFIX = f"refloop_test_seed_{os.getpid()}"


@pytest.fixture(scope="module")
def template():
    """One empty migrated database; each seeding gets a fresh copy of it."""
    name = f"{PREFIX}_empty"
    scratch_db.create_migrated(name)
    yield name
    scratch_db.drop(name)


@pytest.fixture(scope="module")
def seeded(template):
    """Two fresh databases seeded with the same seed."""
    urls = {}
    for label, seed in (("a", 7), ("b", 7)):
        urls[label] = scratch_db.create(f"{PREFIX}_{label}", template=template)
        started = time.monotonic()
        counts = load_demo(urls[label], seed=seed, now=NOW)
        print(f"\ndemo seed {seed} into a fresh database: {time.monotonic() - started:.1f} s, {counts}")
    yield urls
    for label in urls:
        scratch_db.drop(f"{PREFIX}_{label}")


def _query(url: str, work):
    async def run():
        engine = create_async_engine(url)
        try:
            async with async_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _fingerprint(session) -> dict:
    """Counts per table and a digest of every referral as the API reads it (decrypted)."""
    digest = hashlib.sha256()
    for referral in (await session.scalars(select(Referral).order_by(Referral.id))).all():
        digest.update(
            repr(
                (
                    referral.id,
                    referral.status,
                    referral.status_reason,
                    referral.patient,
                    referral.received_at,
                    referral.closed_at,
                    referral.reason,
                    referral.version,
                )
            ).encode()
        )
    for appointment in (await session.scalars(select(Appointment).order_by(Appointment.id))).all():
        digest.update(repr((appointment.id, appointment.status, appointment.start)).encode())
    counts = {
        model.__tablename__: await session.scalar(select(func.count()).select_from(model))
        for model in (Referral, ReferralEvent, Appointment, Task, User)
    }
    return {"counts": counts, "digest": digest.hexdigest()}


def test_same_seed_gives_the_same_demo_data(seeded):
    a, b = (_query(seeded[label], _fingerprint) for label in ("a", "b"))
    assert a == b
    assert 2500 <= a["counts"]["referrals"] <= 3500


def test_another_seed_gives_other_demo_data():
    def referrals(seed: int) -> list[tuple]:
        demo = build_demo(seed=seed, now=NOW, referrals=300, password_hash="-")
        return [(r["id"], r["status"], r["patient_family_name"]) for r in demo.rows[Referral]]

    assert referrals(7) == referrals(7)
    assert referrals(7) != referrals(8)


async def _spread(session) -> dict:
    def grouped(column):
        return select(column, func.count()).group_by(column)

    return {
        "status": dict((await session.execute(grouped(Referral.status))).all()),
        "reason": dict((await session.execute(grouped(Referral.status_reason))).all()),
        "appointment": dict((await session.execute(grouped(Appointment.status))).all()),
        "overdue_tasks": await session.scalar(
            select(func.count()).select_from(Task).where(Task.status.in_(["open", "in_progress"]), Task.due_at < NOW)
        ),
        "done_tasks": await session.scalar(select(func.count()).select_from(Task).where(Task.status == "done")),
        "per_referrer": [
            n
            for (n,) in (
                await session.execute(
                    select(func.count())
                    .where(Referral.referring_provider_id.is_not(None))
                    .group_by(Referral.referring_provider_id)
                    .order_by(func.count().desc())
                )
            ).all()
        ],
    }


def test_demo_data_reaches_every_status_and_outcome(seeded):
    spread = _query(seeded["a"], _spread)
    assert set(spread["status"]) == set(ReferralStatus)
    assert set(spread["appointment"]) >= {
        AppointmentStatus.booked,
        AppointmentStatus.fulfilled,
        AppointmentStatus.noshow,
        AppointmentStatus.cancelled,
    }
    reasons = set(spread["reason"])
    assert {r.value for r in LeakageReason} <= reasons
    assert {r.value for r in DeclineReason} <= reasons
    assert spread["overdue_tasks"] > 0 and spread["done_tasks"] > 0
    volumes = spread["per_referrer"]
    # A few heavy referrers and a long tail.
    assert volumes[0] >= 10 * volumes[len(volumes) // 2] and volumes[-1] <= 3


async def _inconsistencies(session) -> dict:
    found = {}
    last_move = text("""
        select count(*) from referrals r where r.status <> (
          select e.to_status from referral_events e where e.referral_id = r.id and e.to_status is not null
          order by e.at desc, e.id desc limit 1)
    """)
    found["status differs from the last move on the timeline"] = await session.scalar(last_move)
    for status, column in MILESTONE_COLUMN.items():
        if status is ReferralStatus.received:
            continue
        found[column] = await session.scalar(
            text(f"""
            select count(*) from referrals r where r.{column} is distinct from (
              select min(e.at) from referral_events e where e.referral_id = r.id and e.to_status = :status)
        """),
            {"status": status.value},
        )
    found["no-shows counted"] = await session.scalar(
        text("""
        select count(*) from referrals r where r.no_show_count <> (
          select count(*) from appointments a where a.referral_id = r.id and a.status = 'noshow')
    """)
    )
    found["task status differs from its last line on the timeline"] = await session.scalar(
        text("""
        with last as (
          select distinct on (detail->>'task_id') detail->>'task_id' as task_id, detail->>'status' as status
          from referral_events where kind = 'task' order by detail->>'task_id', at desc, id desc)
        select count(*) from tasks t left join last on last.task_id = t.id::text
        where t.referral_id is not null and last.status is distinct from t.status
    """)
    )
    found["plaintext patient names"] = await session.scalar(
        text("select count(*) from referrals where patient_family_name not like '%$%'")
    )
    referrals = (await session.scalars(select(Referral).order_by(Referral.id).limit(200))).all()
    found["blind indexes"] = sum(
        r.patient_name_dob_index
        != blind_index(r.patient_family_name, r.patient_given_name, r.patient_birth_date.isoformat())
        or r.patient_mrn_index != blind_index(r.patient_mrn)
        for r in referrals
    )
    return found


async def _completion_notes(session) -> list[str | None]:
    stmt = select(ReferralEvent.note).where(ReferralEvent.kind == "transition", ReferralEvent.to_status == "completed")
    return list((await session.scalars(stmt)).all())


def test_every_demo_visit_leaves_a_summary_for_the_referrer(seeded):
    # The practice portal's "Recent visit summaries" shows the note of the move to completed.
    notes = _query(seeded["a"], _completion_notes)
    assert len(notes) > 100
    assert all(note and note.strip() for note in notes)
    assert len(set(notes)) > 10  # each line's own words, not one sentence for all


def test_demo_referrals_keep_the_invariants_the_services_keep(seeded):
    found = _query(seeded["a"], _inconsistencies)
    assert found == dict.fromkeys(found, 0)


async def _clocks(session) -> dict:
    """How the demo's SLA clocks stand at the seed's hour, by what the board and analytics read of them."""
    c = ReferralClock
    stmt = (
        select(Referral.status, Referral.first_contact_at, c.referral_id, c.first_contact_due_at, c.first_contact_met)
        .add_columns(c.paused_since)
        .outerjoin(c, c.referral_id == Referral.id)
        .where(Referral.merged_into_id.is_(None))
    )
    rows = (await session.execute(stmt)).all()
    waiting = [r for r in rows if r.status in ("received", "accepted") and r.first_contact_at is None]
    return {
        "referrals": len(rows),
        "without_clock": sum(r.referral_id is None for r in rows),
        "overdue": sum(r.first_contact_due_at is not None and r.first_contact_due_at < NOW for r in waiting),
        "due_later": sum(r.first_contact_due_at is not None and r.first_contact_due_at >= NOW for r in waiting),
        "met": sum(r.first_contact_met is True for r in rows),
        "breached": sum(r.first_contact_met is False for r in rows),
        "needs_info": sum(r.status == "needs_info" for r in rows),
        "paused": sum(r.status == "needs_info" and r.paused_since is not None for r in rows),
    }


def test_demo_referrals_have_the_sla_clocks_intake_starts(seeded):
    found = _query(seeded["a"], _clocks)
    # One clock per referral, as intake starts it: the board flags the late ones and analytics has SLA figures.
    assert found["referrals"] > 2500 and found["without_clock"] == 0
    assert found["overdue"] > 0 and found["due_later"] > 0, found
    assert found["met"] > 0 and found["breached"] > 0, found
    assert found["paused"] == found["needs_info"] > 0, found


async def _escalations(session) -> dict:
    """The demo's breached milestones, their follow-up tasks (each with its line on the timeline), and
    what a sweep at the seed's hour would open."""
    c = ReferralClock
    found = {"breached": 0, "escalated": 0}
    for milestone in sla.MILESTONES:
        due, escalated = getattr(c, f"{milestone}_due_at"), getattr(c, f"{milestone}_escalated_at")
        found["breached"] += await session.scalar(select(func.count()).where(due <= NOW))
        found["escalated"] += await session.scalar(select(func.count()).where(escalated.is_not(None)))
    found["tasks opened by the sweep"] = await session.scalar(
        select(func.count()).select_from(ReferralEvent).where(ReferralEvent.actor == sweeps.ACTOR)
    )
    found["opened by a sweep now"] = await sweeps.escalate_breaches(session, now=NOW)
    await session.rollback()
    return found


def test_demo_breaches_already_carry_their_follow_up_tasks(seeded):
    # A new user sees the overdue work in the queues at once; the worker's first sweep has nothing left to open.
    found = _query(seeded["a"], _escalations)
    assert found["breached"] > 0, found
    assert found["escalated"] == found["tasks opened by the sweep"] == found["breached"], found
    assert found["opened by a sweep now"] == 0, found


async def _demo_users(session) -> list[User]:
    return list((await session.scalars(select(User).where(User.email.like("%@refloop.local")))).all())


def test_demo_users_sign_in_with_the_documented_password(seeded):
    users = {user.email: user for user in _query(seeded["a"], _demo_users)}
    for email in (
        "admin@refloop.local",
        "intake@refloop.local",
        "liaison@refloop.local",
        "clinician@refloop.local",
        "analyst@refloop.local",
    ):
        assert verify_password(DEMO_PASSWORD, users[email].password_hash), email
    assert {users[email].role for email, *_ in DEMO_USERS} == {"admin", "intake", "liaison", "clinician", "analyst"}
    # The portal account belongs to a referring practice that has referrals to follow.
    practice = users[PORTAL_USER]
    assert practice.role == "referrer" and verify_password(DEMO_PASSWORD, practice.password_hash)
    followed = _query(
        seeded["a"],
        lambda s: s.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.referring_organization_id == practice.organization_id)
        ),
    )
    assert followed > 0


def test_demo_outreach_history_shows_sent_held_back_and_failed_messages_on_the_timeline():
    from domain.shared.outbox import OutboxMessage

    demo = build_demo(seed=7, now=NOW, referrals=300, password_hash="-")
    messages = demo.rows[OutboxMessage]
    assert {m["status"] for m in messages} == {"sent", "suppressed", "failed"}
    assert all(m["suppressed_rule"] == "recipient_cap" for m in messages if m["status"] == "suppressed")
    assert all(m["last_error"] and m["attempts"] == 6 for m in messages if m["status"] == "failed")
    on_timeline = {e["detail"]["message_id"] for e in demo.rows[ReferralEvent] if e["kind"] == "message"}
    assert on_timeline == {str(m["id"]) for m in messages}
