"""The outbox row shares the fate of the change that wrote it."""

from sqlalchemy import func, select

from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from tests.factories import make_referral


async def test_message_is_queued_with_ids_only(session):
    referral = await make_referral(session)
    message = await add_message(
        session,
        channel="email",
        kind="acknowledgement",
        recipient_type="provider",
        referral_id=referral.id,
        payload={"referral_id": str(referral.id)},
        idempotency_key=f"ack:{referral.id}",
    )
    assert message is not None
    assert message.status is MessageStatus.queued
    assert message.attempts == 0 and message.version == 1
    assert message.not_before is not None


async def test_same_idempotency_key_queues_one_message(session):
    first = await add_message(
        session,
        channel="email",
        kind="k",
        recipient_type="address",
        recipient_address="a@example.org",
        idempotency_key="same-key",
    )
    second = await add_message(
        session,
        channel="email",
        kind="k",
        recipient_type="address",
        recipient_address="a@example.org",
        idempotency_key="same-key",
    )
    assert first is not None and second is None
    count = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.idempotency_key == "same-key")
    )
    assert count == 1


async def test_rolled_back_change_leaves_no_message(session):
    savepoint = await session.begin_nested()
    await add_message(
        session,
        channel="email",
        kind="k",
        recipient_type="address",
        recipient_address="a@example.org",
        idempotency_key="rolled-back",
    )
    await savepoint.rollback()
    count = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.idempotency_key == "rolled-back")
    )
    assert count == 0
