"""The one place intake calls into journey automation (every channel: REST, FHIR, partner)."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey import completeness, routing, sla
from domain.referrals.models import Referral


async def on_intake(session: AsyncSession, referral: Referral, *, actor: str) -> None:
    """Routing first (the queue decides the calendar), completeness, then the clock (paused if needs_info)."""
    if referral.queue is None and referral.assignee_id is None:
        await routing.route(session, referral, actor=actor)
    await completeness.check_at_intake(session, referral, actor=actor)
    await sla.start_clock(session, referral)


async def on_referral_changed(session: AsyncSession, referral: Referral) -> None:
    await sla.on_referral_changed(session, referral)


async def on_referral_edited(session: AsyncSession, referral: Referral) -> None:
    """A PATCH or an updated ServiceRequest may bring what a needs-info referral lacked."""
    await completeness.recheck(session, referral, trigger="update")
    await sla.on_referral_changed(session, referral)  # the work queue follows a new assignee or queue
