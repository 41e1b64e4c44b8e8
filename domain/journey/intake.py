"""The one place intake calls into journey automation (every channel: REST, FHIR, partner)."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey import routing, sla
from domain.referrals.models import Referral


async def on_intake(session: AsyncSession, referral: Referral, *, actor: str) -> None:
    """Routing first (the queue decides the clock's calendar), then the clock."""
    if referral.queue is None and referral.assignee_id is None:
        await routing.route(session, referral, actor=actor)
    await sla.start_clock(session, referral)


async def on_referral_changed(session: AsyncSession, referral: Referral) -> None:
    await sla.on_referral_changed(session, referral)
