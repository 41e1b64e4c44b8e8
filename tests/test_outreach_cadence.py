"""Nobody is spammed: caps per recipient, a minimum interval per kind, quiet hours, and a daily digest."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.outreach import cadence, sweeps
from domain.outreach.cadence import quiet_until
from domain.outreach.models import OutreachPreference
from domain.outreach.settings import outreach_settings
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from tests.test_outbox_delivery import new_referrer, refer
from workers.burst import drain

pytestmark = pytest.mark.usefixtures("committed")


async def rows(**where) -> list[OutboxMessage]:
    async with unit_of_work() as session:
        stmt = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.created_at)
        return list((await session.execute(stmt)).scalars())


def test_quiet_hours_end_next_morning_in_the_recipients_zone():
    ny = ZoneInfo("America/New_York")
    late = datetime(2026, 11, 23, 22, 30, tzinfo=ny)
    assert quiet_until(late, "America/New_York", start_hour=20, end_hour=8) == datetime(2026, 11, 24, 8, 0, tzinfo=ny)
    early = datetime(2026, 11, 24, 6, 0, tzinfo=ny)
    assert quiet_until(early, "America/New_York", start_hour=20, end_hour=8) == datetime(2026, 11, 24, 8, 0, tzinfo=ny)
    noon = datetime(2026, 11, 24, 12, 0, tzinfo=ny)
    assert quiet_until(noon, "America/New_York", start_hour=20, end_hour=8) is None
    # The same instant is daytime in Tokyo.
    assert quiet_until(late.astimezone(UTC), "Asia/Tokyo", start_hour=20, end_hour=8) is None


async def test_cap_holds_back_the_rest_and_the_digest_gathers_them_into_one_email(smtp_sink, arq_redis, monkeypatch):
    monkeypatch.setattr(outreach_settings(), "cap_count", 4)
    async with unit_of_work() as session:
        provider = await new_referrer(session)
        for _ in range(8):
            await refer(session, provider)  # 8 acknowledgements and one thank-you
    await drain(arq_redis)

    messages = await rows(recipient_id=provider.id)
    sent = [m for m in messages if m.status is MessageStatus.sent]
    held = [m for m in messages if m.status is MessageStatus.suppressed]
    assert len(sent) == 4 and len(held) == 5
    assert {m.suppressed_rule for m in held} == {"recipient_cap"}
    assert len(smtp_sink) == 4

    monkeypatch.setattr(outreach_settings(), "cap_count", 100)
    async with unit_of_work() as session:
        assert await sweeps.queue_digests(session) == 1
    async with unit_of_work() as session:
        assert await sweeps.queue_digests(session) == 0  # a second run gathers nothing twice
    await drain(arq_redis)

    [digest] = [r for r in smtp_sink.snapshot() if r.kind == "digest"]
    assert digest.subject.startswith("Your referral updates for ")
    lines = [line for line in digest.body.splitlines() if line.startswith("  - ")]
    assert len(lines) == 5
    assert {m.digest_id for m in await rows(status=MessageStatus.suppressed)} == {(await rows(kind="digest"))[0].id}


async def test_min_interval_suppresses_a_second_check_in(smtp_sink, arq_redis):
    async with unit_of_work() as session:
        provider = await new_referrer(session)
        session.add(OutreachPreference(provider_id=provider.id, check_in_days=30))
    async with unit_of_work() as session:
        assert await sweeps.queue_check_ins(session) == 1
        assert await sweeps.queue_check_ins(session) == 0  # not due again for 30 days
        await add_message(
            session,
            channel="email",
            kind="check_in",
            recipient_type="provider",
            recipient_id=provider.id,
            idempotency_key="manual-check-in",
        )
    await drain(arq_redis)
    statuses = sorted((m.status.value, m.suppressed_rule) for m in await rows(kind="check_in"))
    assert statuses == [("sent", None), ("suppressed", "min_interval")]
    [check_in] = smtp_sink.snapshot()
    assert "checking in" in check_in.subject.lower() and "Dear Dr. Anna Reyes" in check_in.body


async def test_quiet_hours_defer_a_message_rather_than_drop_it(smtp_sink, arq_redis, monkeypatch):
    local = utcnow().astimezone(ZoneInfo("Asia/Tokyo"))
    monkeypatch.setattr(outreach_settings(), "quiet_start_hour", local.hour)
    monkeypatch.setattr(outreach_settings(), "quiet_end_hour", (local.hour + 2) % 24)
    async with unit_of_work() as session:
        provider = await new_referrer(session)
        session.add(OutreachPreference(provider_id=provider.id, time_zone="Asia/Tokyo"))
        await add_message(
            session,
            channel="email",
            kind="thank_you",
            recipient_type="provider",
            recipient_id=provider.id,
            idempotency_key="quiet",
        )
    await drain(arq_redis)
    [row] = await rows(idempotency_key="quiet")
    assert row.status is MessageStatus.queued and row.attempts == 0
    wake = row.not_before.astimezone(ZoneInfo("Asia/Tokyo"))
    assert wake.hour == (local.hour + 2) % 24 and wake.minute == 0 and row.not_before > utcnow()
    assert smtp_sink.snapshot() == []


async def test_a_batch_counts_each_recipients_earlier_mail_however_it_is_addressed():
    """One count for a batch that names recipients three ways (a provider, a bare address, a patient):
    each message is held back by its own recipient's earlier mail of its kind, and by no one else's."""
    tz = ZoneInfo(outreach_settings().default_time_zone)
    noon = datetime.now(tz).replace(hour=12, minute=0, second=0, microsecond=0)  # outside quiet hours
    async with unit_of_work() as session:
        anna, ben = await new_referrer(session), await new_referrer(session, email="ben.ode@clinic.example")
        referral, other_referral = await refer(session, anna), await refer(session, ben)
        to = {
            "anna": {"recipient_type": "provider", "recipient_id": anna.id},
            "ben": {"recipient_type": "provider", "recipient_id": ben.id},
            "front desk": {"recipient_type": "address", "recipient_address": "desk@clinic.example"},
            "back office": {"recipient_type": "address", "recipient_address": "office@clinic.example"},
            "patient": {"recipient_type": "patient", "referral_id": referral.id},
            "other patient": {"recipient_type": "patient", "referral_id": other_referral.id},
        }

        async def queue(who: str, kind: str, key: str, channel: str = "email") -> OutboxMessage:
            queued = await add_message(session, channel=channel, kind=kind, idempotency_key=key, **to[who])
            assert queued is not None  # each key is new
            return queued

        earlier_mail = [
            ("anna", "check_in", "email"),
            ("front desk", "check_in", "email"),
            ("patient", "no_show", "sms"),
        ]
        for who, kind, channel in earlier_mail:
            earlier = await queue(who, kind, f"earlier:{who}", channel)
            earlier.status, earlier.sent_at = MessageStatus.sent, noon - timedelta(hours=1)
        await session.flush()
        batch = [
            await queue("anna", "check_in", "anna again"),
            await queue("anna", "acknowledgement", "anna, another kind"),
            await queue("ben", "check_in", "ben's first"),
            await queue("front desk", "check_in", "desk again"),
            await queue("back office", "check_in", "office's first"),
            await queue("patient", "no_show", "patient again", "sms"),
            await queue("other patient", "no_show", "other patient's first", "sms"),
        ]
        verdicts = await cadence.check_batch(session, batch, now=noon)
    held = {m.idempotency_key: verdicts[m.id] and verdicts[m.id].rule for m in batch}
    assert held == {
        "anna again": "min_interval",
        "anna, another kind": None,
        "ben's first": None,
        "desk again": "min_interval",
        "office's first": None,
        "patient again": "min_interval",
        "other patient's first": None,
    }
