"""A referral's message thread between the referring practice and the intake team.

Each post tells the other side, through the outbox, only that there is a new message: the words
stay behind the sign-in (sealed at rest, every read audited).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.identity.models import User
from domain.portal.models import ThreadMessage
from domain.portal.repository import PortalRepository
from domain.portal.schemas import ThreadMessage as ThreadMessageView
from domain.referrals.models import Referral
from domain.referrals.repository import ReferralRepository
from domain.shared.outbox import add_message


def _view(message: ThreadMessage, author_name: str) -> ThreadMessageView:
    return ThreadMessageView(
        id=message.id,
        referral_id=message.referral_id,
        at=message.at,
        side=message.side,
        author_name=author_name,
        body=message.body,
    )


async def read(session: AsyncSession, *, referral_id: uuid.UUID) -> list[ThreadMessageView]:
    await ReferralRepository(session).get(referral_id)
    rows = await PortalRepository(session).thread(referral_id)
    audit.note(session, "referral.thread_read", "referral", referral_id, messages=len(rows))
    return [_view(m, name) for m, name in rows]


async def post(
    session: AsyncSession, *, referral_id: uuid.UUID, body: str, author: User, from_practice: bool
) -> ThreadMessageView:
    referral = await ReferralRepository(session).get(referral_id)
    repo = PortalRepository(session)
    message = ThreadMessage(
        referral_id=referral.id, author_id=author.id, body=body, side="practice" if from_practice else "intake"
    )
    repo.add(message)
    await session.flush()
    await _notify(session, repo, referral, message, from_practice=from_practice)
    audit.note(session, "referral.thread_post", "referral", referral.id, message=str(message.id), side=message.side)
    return _view(message, author.full_name)


async def _notify(
    session: AsyncSession, repo: PortalRepository, referral: Referral, message: ThreadMessage, *, from_practice: bool
) -> None:
    if from_practice:
        recipients, path = await repo.intake_recipients(referral.assignee_id), f"/referrals/{referral.id}"
    elif referral.referring_organization_id is not None:
        recipients = await repo.portal_users(referral.referring_organization_id, active_only=True)
        path = f"/portal/referrals/{referral.id}"
    else:
        recipients, path = [], ""
    for user in recipients:
        if user.id == message.author_id:
            continue
        await add_message(
            session,
            channel="email",
            kind="thread_message",
            recipient_type="user",
            recipient_id=user.id,
            recipient_address=user.email,
            referral_id=referral.id,
            payload={"thread_message_id": str(message.id), "path": path},
            idempotency_key=f"thread_message:{message.id}:{user.id}",
        )
