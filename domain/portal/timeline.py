"""A referral's timeline as its referring practice may see it."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.portal.repository import PortalRepository
from domain.portal.schemas import PortalEvent
from domain.referrals.enums import EventKind
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import ReferralEvent
from domain.referrals.repository import ReferralRepository

# Staff notes, tasks, assignments, contact attempts and duplicate handling stay inside.
VISIBLE_KINDS = (EventKind.created, EventKind.transition, EventKind.appointment)
# The words staff wrote on these moves were sent to the practice anyway (visit summary, decline notice).
NOTE_SHOWN_ON = frozenset({S.completed, S.declined})


def _view(event: ReferralEvent) -> PortalEvent:
    start = event.detail.get("start") if event.kind == EventKind.appointment else None
    return PortalEvent(
        id=event.id,
        at=event.at,
        kind=event.kind,
        from_status=event.from_status,
        to_status=event.to_status,
        reason=event.detail.get("status") if event.kind == EventKind.appointment else event.reason,
        note=event.note if event.to_status in NOTE_SHOWN_ON else None,
        missing_items=event.missing_items if event.to_status == S.needs_info else None,
        appointment_start=datetime.fromisoformat(start) if start else None,
    )


async def portal_events(session: AsyncSession, *, referral_id: uuid.UUID) -> list[PortalEvent]:
    await ReferralRepository(session).get(referral_id)
    events = await PortalRepository(session).visible_events(referral_id, VISIBLE_KINDS)
    audit.note(session, "referral.portal_events", "referral", referral_id)
    return [_view(e) for e in events]
