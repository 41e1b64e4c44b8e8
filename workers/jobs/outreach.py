"""Sending one outbox message: the arq job the relay enqueues, carrying (id, version) only."""

import asyncio
import uuid

import structlog

from domain.outreach import cadence, delivery
from domain.outreach.compose import composed_for
from domain.outreach.kinds import MessageKind
from domain.referrals import service as referrals
from domain.referrals.enums import ReferralStatus
from domain.shared.clock import utcnow
from domain.shared.db import get_sessionmaker, unit_of_work
from domain.shared.outbox import DeliveryRefused, OutboxMessage
from workers.channels import UnknownChannel, handler_for
from workers.config import outbox_config
from workers.telemetry import SENDS, observed

log = structlog.get_logger()


@observed
async def send_message(ctx: dict, message_id: str, version: int) -> str:
    with structlog.contextvars.bound_contextvars(message_id=message_id):
        return await _send(message_id, version)


async def _send(message_id: str, version: int) -> str:
    cfg = outbox_config()
    # 1. Take the row: a committed conditional UPDATE, so one worker at most holds this attempt,
    #    and the attempt counts even if this process dies mid-send.
    async with unit_of_work() as session:
        message = await delivery.take(session, message_id=uuid.UUID(message_id), version=version, lease=cfg.send_lease)
        if message is None:
            return "skipped"  # sent already, or handed to another job since
        verdict = await cadence.check(session, message, now=utcnow())
        if verdict is not None and verdict.defer_until is not None:
            await delivery.record_deferred(session, message=message, until=verdict.defer_until, rule=verdict.rule)
        elif verdict is not None:
            await delivery.record_suppressed(session, message=message, rule=verdict.rule)
        bounced = verdict is None and await delivery.refuse_if_bounced(session, message=message)
    if verdict is not None:  # counted once its transaction has committed, as are the outcomes below
        return _counted(message, "deferred" if verdict.defer_until is not None else "suppressed")
    if bounced:  # the address bounced before: not sent, and a task asks staff to use another channel
        return _counted(message, "failed")
    # 2. Send, then record it in the same transaction the handler read its rows in.
    try:
        async with get_sessionmaker()() as session:
            handler = handler_for(message.channel)
            external_id = await asyncio.wait_for(handler(message, session), cfg.send_timeout_seconds)
            recorded = await delivery.record_sent(
                session, message=message, external_id=external_id, content=composed_for(session, message.id)
            )
            if recorded and message.kind == MessageKind.loop_closure:
                await _close_loop(session, message)
            await session.commit()
    except asyncio.CancelledError:
        raise  # shutdown or job timeout: the lease runs out and the row is retried
    except Exception as exc:
        permanent = isinstance(exc, (DeliveryRefused, UnknownChannel))
        bad_address = isinstance(exc, DeliveryRefused) and exc.bad_address
        error = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        async with unit_of_work() as session:
            outcome = await delivery.record_failure(
                session,
                message=message,
                error=error,
                permanent=permanent,
                bad_address=bad_address,
                retry_base_seconds=cfg.retry_base_seconds,
            )
        log.warning(
            "message not sent",
            message_id=message_id,
            channel=message.channel,
            kind=message.kind,
            attempts=message.attempts,
            outcome=outcome and outcome.value,
            error=error[:200],
        )
        return _counted(message, "failed") if outcome and outcome.value == "failed" else _counted(message, "retried")
    _counted(message, "sent")
    return "sent" if recorded else "sent-unrecorded"


def _counted(message: OutboxMessage, outcome: str) -> str:
    SENDS.labels(message.channel, outcome).inc()
    return outcome


async def _close_loop(session, message: OutboxMessage) -> None:
    """DESIGN.md: completed -> closed once the loop-closure notice is delivered to the referrer."""
    assert message.referral_id is not None  # a loop-closure notice is always about a referral
    referral = await referrals.get_referral(session, referral_id=message.referral_id)
    if referral.status == ReferralStatus.completed:
        await referrals.transition(
            session, referral_id=referral.id, to=ReferralStatus.closed, reason=None, note=None, actor="outreach"
        )
