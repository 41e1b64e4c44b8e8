"""The one place intake calls into journey automation (every channel: REST, FHIR, partner)."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey import sla
from domain.referrals.models import Referral


async def on_intake(session: AsyncSession, referral: Referral) -> None:
    await sla.start_clock(session, referral)


async def on_referral_changed(session: AsyncSession, referral: Referral) -> None:
    await sla.on_referral_changed(session, referral)
