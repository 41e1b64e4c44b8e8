"""The outcome of each send attempt: sent, retried later, or failed with a task for staff."""

import random
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.kinds import TITLES, MessageKind
from domain.outreach.render import Rendered
from domain.outreach.repository import LookupRepository, OutboxRepository, SentMark
from domain.providers import hygiene
from domain.providers.models import Provider
from domain.referrals.enums import EventKind
from domain.referrals.models import Referral, ReferralEvent
from domain.shared.clock import utcnow
from domain.shared.outbox import SECRET_KEY, MessageStatus, OutboxMessage
from domain.shared.repository import one_of
from domain.tasks.enums import TaskPriority, TaskType
from domain.tasks.models import Task

ACTOR = "outreach"
LOADED_KEY = "outreach.loaded"
# Receivers echo addresses in their errors; a patient's address must not land in clear text.
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|\+?\d[\d ().-]{6,}\d")


def scrub(error: str) -> str:
    return _ADDRESS.sub("[address]", error)[:2000]


def backoff(attempts: int, *, base_seconds: float, cap_seconds: float = 3600.0) -> timedelta:
    """Exponential with full jitter: 1x, 2x, 4x... the base, capped, so retries spread out."""
    ceiling = min(cap_seconds, base_seconds * (2 ** max(attempts - 1, 0)))
    return timedelta(seconds=ceiling / 2 + random.random() * ceiling / 2)


def _title(message: OutboxMessage) -> str:
    try:
        return TITLES[MessageKind(message.kind)]
    except ValueError:
        return message.kind


def _timeline(
    session: AsyncSession, message: OutboxMessage, status: MessageStatus, at: datetime | None = None, **detail: object
) -> None:
    # OutboxRepository.settle_sent writes the same event for a batch in SQL: keep the two alike.
    if message.referral_id is None:
        return
    session.add(
        ReferralEvent(
            referral_id=message.referral_id,
            at=at or utcnow(),
            actor=ACTOR,
            kind=EventKind.message,
            detail={
                "message_id": str(message.id),
                "kind": message.kind,
                "channel": message.channel,
                "recipient_type": message.recipient_type,
                "status": status.value,
                "attempts": message.attempts,
                **detail,
            },
        )
    )


async def take(session: AsyncSession, *, message_id: uuid.UUID, version: int, lease: timedelta) -> OutboxMessage | None:
    return await OutboxRepository(session).take_for_send(message_id, version, lease=lease)


async def take_many(
    session: AsyncSession, *, pairs: list[tuple[uuid.UUID, int]], lease: timedelta
) -> list[OutboxMessage]:
    return await OutboxRepository(session).take_many_for_send(pairs, lease=lease)


async def load_recipients(session: AsyncSession, messages: list[OutboxMessage]) -> None:
    """A batch's providers, referrals and preferences in one query each: the bounce check, cadence and
    compose then find them in the session instead of asking once per message."""
    providers = {m.recipient_id for m in messages if m.recipient_type == "provider" and m.recipient_id}
    referrals = {m.referral_id for m in messages if m.referral_id}
    # The session's identity map holds rows weakly: keep them for as long as the session lives.
    kept = session.info.setdefault(LOADED_KEY, [])
    if providers:
        found = select(Provider).where(one_of(Provider.id, "ids", list(providers)))
        kept += (await session.execute(found)).scalars().all()
        await LookupRepository(session).load_preferences(providers)
    if referrals:
        stmt = select(Referral).where(one_of(Referral.id, "ids", list(referrals)))
        kept += (await session.execute(stmt)).scalars().all()


async def extend_leases(session: AsyncSession, *, messages: list[OutboxMessage], lease: timedelta) -> None:
    """A batch still sending keeps its rows: their leases move on, their versions do not."""
    await OutboxRepository(session).extend_leases([(m.id, m.version) for m in messages], lease=lease)


async def release(session: AsyncSession, *, message: OutboxMessage) -> bool:
    """Hand a taken message back untried (its batch ran out of lease): the attempt does not count."""
    return await OutboxRepository(session).settle(
        message.id, message.version, claimed_until=None, attempts=message.attempts - 1
    )


async def record_sent(
    session: AsyncSession,
    *,
    message: OutboxMessage,
    external_id: str | None,
    content: Rendered | None = None,
    at: datetime | None = None,
) -> bool:
    """Mark it sent, keeping the words as they went out (sealed); a one-time secret leaves the payload."""
    values: dict[str, Any] = {}
    if content is not None:
        values.update(sent_subject=content.subject, sent_body=content.body)
    if SECRET_KEY in (message.payload or {}):
        values["payload"] = {k: v for k, v in message.payload.items() if k != SECRET_KEY}
    done = await OutboxRepository(session).settle(
        message.id,
        message.version,
        status=MessageStatus.sent,
        sent_at=at or utcnow(),
        external_id=external_id,
        claimed_until=None,
        last_error=None,
        **values,
    )
    if done:
        _timeline(session, message, MessageStatus.sent, at=at, external_id=external_id)
    return done


async def record_sent_many(
    session: AsyncSession, sent: list[tuple[OutboxMessage, str | None, Rendered | None, datetime]]
) -> set[uuid.UUID]:
    """`record_sent` for a batch, each (message, external id, words, when accepted): one statement writes
    the marks, each message still on its own version, and their timeline events. Returns the ids
    recorded (a row that moved on is not)."""
    recorded: set[uuid.UUID] = set()
    marks: list[SentMark] = []
    for message, external_id, content, sent_at in sent:
        if SECRET_KEY in (message.payload or {}):
            # The one-time secret also leaves the payload: that row gets an update of its own.
            if await record_sent(session, message=message, external_id=external_id, content=content, at=sent_at):
                recorded.add(message.id)
            continue
        subject, body = (content.subject, content.body) if content else (None, None)
        marks.append(SentMark(message.id, message.version, external_id, subject, body, sent_at))
    return recorded | await OutboxRepository(session).settle_sent(marks, at=utcnow(), actor=ACTOR)


async def _fail(session: AsyncSession, message: OutboxMessage, error: str) -> bool:
    """Failed for good: a task asks staff to reach the recipient another way."""
    if not await OutboxRepository(session).settle(
        message.id, message.version, status=MessageStatus.failed, claimed_until=None, last_error=error
    ):
        return False
    session.add(
        Task(
            type=TaskType.outreach,
            title=f"{_title(message)} could not be sent by {message.channel}",
            description=f"Message {message.id} failed after {message.attempts} attempt(s): {error[:500]}. "
            "Reach the recipient another way, then resend it from the message list if useful.",
            referral_id=message.referral_id,
            provider_id=message.recipient_id if message.recipient_type == "provider" else None,
            due_at=utcnow() + timedelta(hours=4),
            priority=TaskPriority.high,
        )
    )
    _timeline(session, message, MessageStatus.failed, error=error[:200])
    return True


async def record_failure(
    session: AsyncSession,
    *,
    message: OutboxMessage,
    error: str,
    permanent: bool,
    retry_base_seconds: float,
    bad_address: bool = False,
) -> MessageStatus | None:
    """Schedule the next attempt, or fail the message and ask staff to reach the recipient."""
    error = scrub(error)
    repo = OutboxRepository(session)
    if not permanent and message.attempts < message.max_attempts:
        done = await repo.settle(
            message.id,
            message.version,
            claimed_until=None,
            last_error=error,
            not_before=utcnow() + backoff(message.attempts, base_seconds=retry_base_seconds),
        )
        return MessageStatus.queued if done else None
    if not await _fail(session, message, error):
        return None
    if bad_address and message.channel == "email" and message.recipient_type == "provider" and message.recipient_id:
        # A refusal of the address itself is a bounce: the directory's hygiene list shows it, outreach holds
        # further mail to it. A policy refusal (say 554 5.7.1) failed this message only.
        await hygiene.mark_bounced(session, message.recipient_id, reason=error)
    return MessageStatus.failed


def bounce_reason(provider: Provider | None) -> str | None:
    """Why an e-mail to this provider must not go out: the address outreach would use bounced."""
    point = next((c for c in (provider.contact_points if provider else None) or [] if c.get("system") == "email"), None)
    if point is None or not point.get("bad"):
        return None
    when = str(point.get("bad_at") or "")[:10] or "an earlier send"
    return f"e-mail address bounced on {when}; fix it in the directory"


async def refuse_if_bounced(session: AsyncSession, *, message: OutboxMessage) -> bool:
    """An e-mail to a provider whose address bounced is not sent: it fails at once with the reason, and the
    failure's task asks staff to use another channel. Marking the address good lets the next one go."""
    if message.channel != "email" or message.recipient_type != "provider" or message.recipient_id is None:
        return False
    reason = bounce_reason(await session.get(Provider, message.recipient_id))
    if reason is None:
        return False
    await _fail(session, message, reason)
    return True


async def record_suppressed(session: AsyncSession, *, message: OutboxMessage, rule: str) -> bool:
    done = await OutboxRepository(session).settle(
        message.id, message.version, status=MessageStatus.suppressed, suppressed_rule=rule, claimed_until=None
    )
    if done:
        _timeline(session, message, MessageStatus.suppressed, rule=rule)
    return done


async def record_deferred(session: AsyncSession, *, message: OutboxMessage, until: datetime, rule: str) -> bool:
    """Quiet hours: the message waits, its attempt does not count."""
    return await OutboxRepository(session).settle(
        message.id,
        message.version,
        not_before=until,
        claimed_until=None,
        attempts=message.attempts - 1,
        last_error=f"deferred by {rule}",
    )


@dataclass(frozen=True)
class Backlog:
    channel: str
    due: int  # queued and due: what the relay and workers have yet to move
    scheduled: int  # queued for later: retries in backoff, deferred, reminders
    oldest_due_age_seconds: float  # how long the longest-waiting due message has waited (0: none)


async def backlog(session: AsyncSession) -> list[Backlog]:
    now = utcnow()
    return [
        Backlog(channel, due, scheduled, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        for channel, due, scheduled, oldest in await OutboxRepository(session).backlog(now=now)
    ]


async def claim_due(session: AsyncSession, *, limit: int, lease: timedelta) -> list[tuple[uuid.UUID, int]]:
    return await OutboxRepository(session).claim_due(limit=limit, lease=lease)
