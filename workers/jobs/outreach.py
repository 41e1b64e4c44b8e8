"""Sending outbox messages: the arq job the relay enqueues, carrying (id, version) pairs only.

One job carries a batch. Its messages are taken in one statement, checked and loaded together, sent one
after another over the pooled connection, and their outcomes written in one transaction. Each message
keeps its own Message-ID and its own sent mark: a crash between a send and the marks repeats only
messages the receiver can recognise by their ids.
"""

import asyncio
import time
import uuid
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach import cadence, delivery
from domain.outreach.compose import composed_for
from domain.outreach.kinds import MessageKind
from domain.outreach.render import Rendered
from domain.referrals import service as referrals
from domain.referrals.enums import ReferralStatus
from domain.shared.clock import utcnow
from domain.shared.db import get_sessionmaker
from domain.shared.outbox import DeliveryRefused, OutboxMessage
from workers.channels import BatchHandler, UnknownChannel, batch_handler_for, handler_for
from workers.config import OutboxConfig, outbox_config
from workers.telemetry import SENDS, observed

log = structlog.get_logger()
# While sends are slow (a loaded server, many batches sharing the SMTP connections), marks are written
# at least this often, so a crash repeats a fraction of a second's mail rather than whole batches.
MARK_EVERY_SECONDS = 0.25


@observed
async def send_message(ctx: dict, message_id: str, version: int, more: list[tuple[str, int]] | None = None) -> str:
    """`more`: further (id, version) pairs the relay put in the same job."""
    pairs = [(uuid.UUID(message_id), version)] + [(uuid.UUID(i), v) for i, v in more or []]
    if len(pairs) == 1:
        with structlog.contextvars.bound_contextvars(message_id=message_id):
            return (await _send(pairs))[0]
    return ",".join(await _send(pairs))


@dataclass
class _Sent:
    message: OutboxMessage
    external_id: str | None
    content: Rendered | None
    sent_at: datetime  # when the receiver accepted it: the sent mark's and the timeline's time


async def _send(pairs: list[tuple[uuid.UUID, int]]) -> list[str]:
    cfg = outbox_config()
    # One session, and so one pooled connection, from the take to the marks: a job that waited for a
    # connection between its sends and its marks could outlive its lease.
    async with get_sessionmaker()() as session:
        # 1. Take the rows: a committed conditional UPDATE, so one worker at most holds each attempt,
        #    and the attempts count even if this process dies mid-send.
        started = time.monotonic()  # before the take: the leases it writes end no earlier than this says
        ready, outcomes = await _take(session, pairs, cfg)
        # 2. Send them: a channel that can send the batch together (e-mail over one SMTP connection) does,
        #    the others one by one. Marks are written at the end, or sooner when sending is slow.
        run = _Run(session, ready, started, cfg)
        for channel, messages in _by_channel(ready).items():
            batch = batch_handler_for(channel)
            if batch is not None:
                await run.batch(batch, messages)
            else:
                for message in messages:
                    await run.one(message)
        # 3. Every other message's own outcome, in one transaction.
        settled = run.settled + await _marked(session, run.sent)
        async with session.begin():
            for message in run.untried:
                await delivery.release(session, message=message)
            failures = [(message, await _record_failure(session, message, exc, cfg)) for message, exc in run.failed]
    # Counted once their transaction has committed; a send someone else recorded still went out.
    for message, outcome in [*settled, *failures]:
        _counted(message, "sent" if outcome == "sent-unrecorded" else outcome)
        outcomes.append(outcome)
    return outcomes + ["released"] * len(run.untried)


def _by_channel(messages: list[OutboxMessage]) -> dict[str, list[OutboxMessage]]:
    groups: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        groups.setdefault(message.channel, []).append(message)
    return groups


class _Run:
    """A batch's sends under way: what went out and is not marked yet, what failed, what was left untried.
    Its leases are renewed while it sends; after one lease's worth of sending (a server that hangs) the
    rest go back untried. Marks are written at least every MARK_EVERY_SECONDS, so a crash repeats little."""

    def __init__(self, session: AsyncSession, ready: list[OutboxMessage], started: float, cfg: OutboxConfig) -> None:
        self.session, self.ready, self.started, self.cfg = session, ready, started, cfg
        self.sent: list[_Sent] = []
        self.failed: list[tuple[OutboxMessage, Exception]] = []
        self.untried: list[OutboxMessage] = []
        self.settled: list[tuple[OutboxMessage, str]] = []
        self.marked_at = time.monotonic()
        self.lease_ends = started + cfg.send_lease_seconds
        # Room kept at the end of a lease for the marks, once the last send has had its full time.
        self.reserve = max(cfg.send_lease_seconds - cfg.send_timeout_seconds, 0) / 2

    async def ready_to_send(self) -> bool:
        """Marks and leases kept up before the next send; False once the batch's lease is spent."""
        now = time.monotonic()
        if now - self.started > self.cfg.send_lease_seconds:
            return False
        if self.sent and now - self.marked_at > MARK_EVERY_SECONDS:
            self.settled += await _marked(self.session, self.sent)
            self.sent, self.marked_at = [], now
        if self.lease_ends - now < self.cfg.send_timeout_seconds + self.reserve:
            await self.session.rollback()  # ends the reads, and any read that failed
            async with self.session.begin():
                await delivery.extend_leases(self.session, messages=self.ready, lease=self.cfg.send_lease)
            self.lease_ends = now + self.cfg.send_lease_seconds
        return True

    async def one(self, message: OutboxMessage) -> None:
        if not await self.ready_to_send():
            self.untried.append(message)
            return
        try:
            handler = handler_for(message.channel)
            external_id = await asyncio.wait_for(handler(message, self.session), self.cfg.send_timeout_seconds)
        except asyncio.CancelledError:
            raise  # shutdown or job timeout: the leases run out and the rows are retried
        except Exception as exc:
            await self._failed(message, exc)
            return
        self.sent.append(_Sent(message, external_id, composed_for(self.session, message.id), utcnow()))

    async def batch(self, handler: BatchHandler, messages: list[OutboxMessage]) -> None:
        """The channel sends them together; each outcome is kept as it comes, within the send timeout."""
        answered: set[uuid.UUID] = set()
        outcomes = handler(messages, self.session)
        try:
            async with aclosing(outcomes):
                while await self.ready_to_send():
                    try:
                        message, outcome = await asyncio.wait_for(anext(outcomes), self.cfg.send_timeout_seconds)
                    except StopAsyncIteration:
                        return
                    answered.add(message.id)
                    if isinstance(outcome, Exception):
                        await self._failed(message, outcome)
                    else:
                        self.sent.append(_Sent(message, outcome, composed_for(self.session, message.id), utcnow()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The connection broke or timed out: those not answered may or may not have arrived, and
            # are retried with their own Message-IDs.
            for message in messages:
                if message.id not in answered:
                    await self._failed(message, exc)
            return
        # Out of lease: the rest go back untried.
        self.untried += [message for message in messages if message.id not in answered]

    async def _failed(self, message: OutboxMessage, exc: Exception) -> None:
        self.failed.append((message, exc))
        if isinstance(exc, SQLAlchemyError):
            await self.session.rollback()  # the read transaction is unusable for the next message


async def _marked(session: AsyncSession, sent: list[_Sent]) -> list[tuple[OutboxMessage, str]]:
    """Write the sent marks of these messages, committed: one statement, each on its own version."""
    await session.rollback()  # ends the reads, and any read that failed
    if not sent:
        return []
    async with session.begin():
        recorded = await delivery.record_sent_many(
            session, [(i.message, i.external_id, i.content, i.sent_at) for i in sent]
        )
        for item in sent:
            if item.message.id in recorded and item.message.kind == MessageKind.loop_closure:
                await _close_loop(session, item.message)
    return [(i.message, "sent" if i.message.id in recorded else "sent-unrecorded") for i in sent]


async def _take(
    session: AsyncSession, pairs: list[tuple[uuid.UUID, int]], cfg: OutboxConfig
) -> tuple[list[OutboxMessage], list[str]]:
    """The batch's rows taken, their cadence checked and bounced addresses refused, committed."""
    outcomes: list[str] = []
    ready: list[OutboxMessage] = []
    async with session.begin():
        messages = await delivery.take_many(session, pairs=pairs, lease=cfg.send_lease)
        if not messages:
            return [], ["skipped"] * len(pairs)
        await delivery.load_recipients(session, messages)
        messages.sort(key=lambda m: m.created_at)  # the oldest first, as they were queued
        verdicts = await cadence.check_batch(session, messages, now=utcnow())
        decided: list[tuple[OutboxMessage, str]] = []
        for message in messages:
            verdict = verdicts[message.id]
            if verdict is not None and verdict.defer_until is not None:
                await delivery.record_deferred(session, message=message, until=verdict.defer_until, rule=verdict.rule)
                decided.append((message, "deferred"))
            elif verdict is not None:
                await delivery.record_suppressed(session, message=message, rule=verdict.rule)
                decided.append((message, "suppressed"))
            elif await delivery.refuse_if_bounced(session, message=message):
                # The address bounced before: not sent, and a task asks staff to use another channel.
                decided.append((message, "failed"))
            else:
                ready.append(message)
    for message in messages:
        # Kept as taken: the reads that follow may roll back, which must not expire them.
        session.expunge(message)
    # Counted once their transaction has committed, as are the outcomes of the sends.
    outcomes.extend(_counted(message, outcome) for message, outcome in decided)
    outcomes.extend(["skipped"] * (len(pairs) - len(messages)))  # sent already, or handed to another job since
    return ready, outcomes


async def _record_failure(session: AsyncSession, message: OutboxMessage, exc: Exception, cfg: OutboxConfig) -> str:
    permanent = isinstance(exc, (DeliveryRefused, UnknownChannel))
    bad_address = isinstance(exc, DeliveryRefused) and exc.bad_address
    error = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
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
        message_id=str(message.id),
        channel=message.channel,
        kind=message.kind,
        attempts=message.attempts,
        outcome=outcome and outcome.value,
        error=error[:200],
    )
    return "failed" if outcome and outcome.value == "failed" else "retried"


def _counted(message: OutboxMessage, outcome: str) -> str:
    SENDS.labels(message.channel, outcome).inc()
    return outcome


async def _close_loop(session: AsyncSession, message: OutboxMessage) -> None:
    """DESIGN.md: completed -> closed once the loop-closure notice is delivered to the referrer."""
    assert message.referral_id is not None  # a loop-closure notice is always about a referral
    referral = await referrals.get_referral(session, referral_id=message.referral_id)
    if referral.status == ReferralStatus.completed:
        await referrals.transition(
            session, referral_id=referral.id, to=ReferralStatus.closed, reason=None, note=None, actor="outreach"
        )
