"""From a committed change to a message at a real SMTP server, through arq: once, and only once."""

import asyncio

import pytest
from sqlalchemy import select

from domain.providers.models import Provider
from domain.referrals import service as referrals
from domain.referrals.enums import EventKind, ReferralStatus
from domain.referrals.models import ReferralEvent
from domain.referrals.schemas import ReferralCreate
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from domain.tasks.models import Task
from tests.factories import queue_thank_you, referral_payload
from workers import channels
from workers.burst import drain
from workers.jobs.outreach import send_message

pytestmark = pytest.mark.usefixtures("committed")


async def new_referrer(session, email: str = "anna.reyes@clinic.example", **extra) -> Provider:
    provider = Provider(
        given_name="Anna",
        family_name="Reyes",
        prefix="Dr.",
        credentials=["MD"],
        contact_points=[{"system": "email", "value": email}],
        **extra,
    )
    session.add(provider)
    await session.flush()
    return provider


async def refer(session, provider: Provider, **overrides):
    data = ReferralCreate.model_validate(referral_payload(referring_provider_id=str(provider.id), **overrides))
    return (await referrals.create_referral(session, data=data, actor="test")).referral


async def messages(**where) -> list[OutboxMessage]:
    async with unit_of_work() as session:
        stmt = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.created_at)
        return list((await session.execute(stmt)).scalars())


async def test_new_referral_acknowledgement_reaches_the_referrer_once(smtp_sink, arq_redis):
    async with unit_of_work() as session:
        provider = await new_referrer(session)
        referral = await refer(session, provider)

    await drain(arq_redis)
    await drain(arq_redis)  # a second pass finds nothing left to send

    rows = await messages(referral_id=referral.id)
    assert sorted(m.kind for m in rows) == ["acknowledgement", "thank_you"]
    assert all(m.status is MessageStatus.sent and m.attempts == 1 for m in rows)
    received = smtp_sink.snapshot()
    assert len(received) == 2
    assert {r.message_id for r in received} == {f"<{m.id}@refloop.local>" for m in rows}
    assert {r.to for r in received} == {"anna.reyes@clinic.example"}
    ack = next(r for r in received if r.kind == "acknowledgement")
    assert "Dear Dr. Anna Reyes" in ack.body and "Maria L." in ack.subject
    # The outbox and the job never held the patient's name: it was read at send time.
    assert all("Maria" not in str(m.payload) for m in rows)

    async with unit_of_work() as session:
        lines = (
            (
                await session.execute(
                    select(ReferralEvent).where(
                        ReferralEvent.referral_id == referral.id, ReferralEvent.kind == EventKind.message
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sorted(line.detail["kind"] for line in lines) == ["acknowledgement", "thank_you"]
    assert {line.detail["status"] for line in lines} == {"sent"}
    # Each line is dated when its message was sent, and says which message went out under which id.
    sent = {str(m.id): m for m in rows}
    for line in lines:
        row = sent[line.detail["message_id"]]
        assert line.at == row.sent_at and line.actor == "outreach"
        assert line.detail == {
            "message_id": str(row.id),
            "kind": row.kind,
            "channel": "email",
            "recipient_type": "provider",
            "status": "sent",
            "attempts": 1,
            "external_id": row.external_id,
        }


async def test_message_is_not_written_when_the_change_rolls_back(smtp_sink, arq_redis):
    with pytest.raises(RuntimeError):
        async with unit_of_work() as session:
            provider = await new_referrer(session)
            await refer(session, provider)
            raise RuntimeError("the request failed after the referral was written")
    await drain(arq_redis)
    assert await messages() == [] and smtp_sink.snapshot() == []


async def test_two_workers_racing_for_one_message_send_it_once(smtp_sink, arq_redis):
    message = await queue_thank_you("office@clinic.example", key="race")
    results = await asyncio.gather(*(send_message({}, str(message.id), message.version) for _ in range(6)))
    assert sorted(results).count("sent") == 1 and sorted(results).count("skipped") == 5
    assert len(smtp_sink.snapshot()) == 1


async def test_smtp_down_then_back_delivers_on_retry(smtp_sink, arq_redis):
    await queue_thank_you("office@clinic.example", key="flaky")
    smtp_sink.refuse_with = "451 4.3.0 Mail server temporarily unavailable"
    await drain(arq_redis, max_rounds=1)
    [row] = await messages(idempotency_key="flaky")
    assert row.status is MessageStatus.queued and row.attempts == 1 and "451" in row.last_error

    smtp_sink.refuse_with = None
    await asyncio.sleep(0.1)  # the retry's backoff
    await drain(arq_redis)
    [row] = await messages(idempotency_key="flaky")
    assert row.status is MessageStatus.sent and row.attempts == 2
    assert [r.message_id for r in smtp_sink.snapshot()] == [f"<{row.id}@refloop.local>"]


async def test_last_failed_retry_marks_the_message_failed_and_asks_staff(smtp_sink, arq_redis):
    async with unit_of_work() as session:
        provider = await new_referrer(session)
        referral = await refer(session, provider)
    smtp_sink.refuse_with = "451 4.3.0 Mail server temporarily unavailable"
    async with unit_of_work() as session:
        for row in await messages(referral_id=referral.id):
            (await session.get(OutboxMessage, row.id)).max_attempts = 2
    for _ in range(3):
        await drain(arq_redis)
        await asyncio.sleep(0.15)

    rows = await messages(referral_id=referral.id)
    assert {m.status for m in rows} == {MessageStatus.failed}
    assert all(m.attempts == 2 and "451" in m.last_error for m in rows)
    async with unit_of_work() as session:
        tasks = (await session.execute(select(Task).where(Task.referral_id == referral.id))).scalars().all()
    assert len(tasks) == 2 and all(t.type == "outreach" and t.priority == "high" for t in tasks)
    assert any(t.title == "Referral received could not be sent by email" for t in tasks)


async def test_poison_message_does_not_hold_up_the_others(smtp_sink, arq_redis, monkeypatch):
    async def explode(message, session):
        raise ValueError("cannot render this one")

    monkeypatch.setitem(channels.HANDLERS, "poison", explode)
    async with unit_of_work() as session:
        await add_message(
            session,
            channel="poison",
            kind="thank_you",
            recipient_type="address",
            recipient_address="x@example.org",
            idempotency_key="poison",
            max_attempts=3,
        )
        for n in range(5):
            await add_message(
                session,
                channel="email",
                kind="thank_you",
                recipient_type="address",
                recipient_address=f"office{n}@clinic.example",
                idempotency_key=f"good-{n}",
            )
    for _ in range(4):
        await drain(arq_redis)
        await asyncio.sleep(0.15)
    assert len(smtp_sink.snapshot()) == 5
    [poison] = await messages(idempotency_key="poison")
    assert poison.status is MessageStatus.failed and poison.attempts == 3
    assert poison.last_error == "ValueError: cannot render this one"


async def test_referrer_without_email_fails_at_once_with_a_task(smtp_sink, arq_redis):
    async with unit_of_work() as session:
        provider = Provider(given_name="Sam", family_name="Okafor", credentials=["DO"], contact_points=[])
        session.add(provider)
        await session.flush()
        referral = await refer(session, provider)
    await drain(arq_redis)
    rows = await messages(referral_id=referral.id)
    assert {m.status for m in rows} == {MessageStatus.failed} and {m.attempts for m in rows} == {1}
    assert "no email address" in rows[0].last_error
    assert smtp_sink.snapshot() == []


async def test_loop_closure_delivered_closes_the_referral(smtp_sink, arq_redis):
    async with unit_of_work() as session:
        provider = await new_referrer(session)
        referral = await refer(session, provider)
        for to in (ReferralStatus.accepted, ReferralStatus.scheduled):
            await referrals.transition(session, referral_id=referral.id, to=to, reason=None, note=None, actor="t")
        await referrals.transition(
            session,
            referral_id=referral.id,
            to=ReferralStatus.completed,
            reason=None,
            note="Stable angina. Started metoprolol; stress echo in 6 weeks.",
            actor="t",
        )
    await drain(arq_redis)
    [closure] = [r for r in smtp_sink.snapshot() if r.kind == "loop_closure"]
    assert "Started metoprolol; stress echo in 6 weeks." in closure.body
    async with unit_of_work() as session:
        assert (await referrals.get_referral(session, referral_id=referral.id)).status == ReferralStatus.closed


async def test_mail_follows_the_smtp_settings_to_a_new_server(smtp_sink, arq_redis, monkeypatch):
    from domain.shared.settings import get_settings
    from integrations.email.sink import start_sink

    await queue_thank_you("first@clinic.example", key="before-move")
    await drain(arq_redis)
    assert [r.to for r in smtp_sink.snapshot()] == ["first@clinic.example"]

    # The relay moves: an open connection to the old one must not carry the next mail there.
    controller, new_inbox = start_sink()
    try:
        monkeypatch.setattr(get_settings().smtp, "port", controller.port)
        await queue_thank_you("second@clinic.example", key="after-move")
        await drain(arq_redis)
        assert [r.to for r in new_inbox.snapshot()] == ["second@clinic.example"]
        assert len(smtp_sink.snapshot()) == 1
    finally:
        controller.stop()
