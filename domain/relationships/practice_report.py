"""The monthly report back to a referring practice: what became of the patients it sent.

Only the preview exists so far; sending it through outreach on the first business day is to come.
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.models import ReferralFact
from domain.providers.models import Organization
from domain.relationships.schemas import PracticeReport
from domain.shared.errors import NotFound

F = ReferralFact


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


async def preview(session: AsyncSession, *, organization_id: uuid.UUID, month: date) -> PracticeReport:
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization", organization_id)
    start, end = _month_bounds(month)
    mine = F.referring_organization_id == organization_id
    sent, median_days = (await session.execute(
        select(func.count(), func.percentile_cont(0.5).within_group(F.appointment_days))
        .where(mine, F.received_at >= start, F.received_at < end)
    )).one()
    seen = (await session.execute(select(func.count()).where(
        mine, F.completed_at >= start, F.completed_at < end))).scalar_one()
    notes = (await session.execute(select(func.count()).where(
        mine, F.closed_at >= start, F.closed_at < end))).scalar_one()
    label = start.strftime("%B %Y")
    wait = "no appointment yet" if median_days is None else f"{median_days:.1f} days"
    text = (f"{organization.name}, {label}: you sent us {sent} referrals; {seen} of your patients were seen; "
            f"the median wait to a first appointment was {wait}; we sent {notes} visit summaries back.")
    return PracticeReport(organization_id=organization_id, name=organization.name, month=start.date(),
                          referrals_sent=sent, patients_seen=seen, median_days_to_appointment=median_days,
                          loop_closure_notes_sent=notes, text=text)
