"""Periodic outreach: the daily digest of what caps held back, and referrer check-ins."""

import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.cadence import RECIPIENT_CAP
from domain.outreach.kinds import Channel
from domain.outreach.kinds import MessageKind as K
from domain.outreach.models import OutreachPreference
from domain.outreach.repository import OutboxRepository
from domain.providers.models import Provider
from domain.shared.clock import utcnow
from domain.shared.outbox import OutboxMessage, add_message


async def queue_digests(session: AsyncSession, *, limit: int = 5000) -> int:
    """One digest per recipient gathering every held-back message; returns digests queued."""
    repo = OutboxRepository(session)
    held = await repo.held_back(rules=(RECIPIENT_CAP,), limit=limit)
    groups: dict[tuple[str, uuid.UUID | None, str | None], list[OutboxMessage]] = defaultdict(list)
    for m in held:
        groups[(m.recipient_type, m.recipient_id, m.recipient_address)].append(m)
    today = utcnow().date().isoformat()
    queued = 0
    for (recipient_type, recipient_id, address), messages in groups.items():
        digest = await add_message(
            session,
            channel=Channel.email.value,
            kind=K.digest.value,
            recipient_type=recipient_type,
            recipient_id=recipient_id,
            recipient_address=address,
            payload={"message_ids": [str(m.id) for m in messages]},
            idempotency_key=f"digest:{recipient_type}:{recipient_id or address}:{today}:{messages[0].id}",
        )
        if digest is not None:
            await repo.mark_digested([m.id for m in messages], digest.id)
            queued += 1
    return queued


async def queue_check_ins(session: AsyncSession) -> int:
    """A check-in to each referrer whose cadence is due."""
    now = utcnow()
    stmt = (
        select(OutreachPreference)
        .where(OutreachPreference.check_in_days.is_not(None))
        .with_for_update(skip_locked=True)
    )
    queued = 0
    for pref in (await session.execute(stmt)).scalars():
        days = pref.check_in_days
        if days is None:  # the query leaves these out; the check is for the type
            continue
        if pref.last_check_in_at and pref.last_check_in_at > now - timedelta(days=days):
            continue
        provider = await session.get(Provider, pref.provider_id)
        if provider is None:
            continue
        period = int(now.timestamp() // (days * 86400))
        message = await add_message(
            session,
            channel=Channel.email.value,
            kind=K.check_in.value,
            recipient_type="provider",
            recipient_id=provider.id,
            payload={"provider_id": str(provider.id)},
            idempotency_key=f"check_in:{provider.id}:{pref.check_in_days}:{period}",
        )
        pref.last_check_in_at = now
        queued += message is not None
    return queued
