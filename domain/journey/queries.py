"""SQL fragments other contexts' lists use to filter on SLA clocks."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey.models import ReferralClock
from domain.referrals.models import Referral


def sla_filter(stmt: Any, state: str) -> Any:
    """Running milestones only: met, stopped and paused ones have no due time stored."""
    stmt = stmt.join(ReferralClock, ReferralClock.referral_id == Referral.id)
    now = func.now()
    if state == "breached":
        return stmt.where(ReferralClock.next_due_at <= now)
    return stmt.where(ReferralClock.next_risk_at <= now, ReferralClock.next_due_at > now)


@dataclass(frozen=True)
class TaskJourney:
    """What the FHIR Task shows of journey automation."""

    due_at: datetime | None = None
    missing: list[str] = field(default_factory=list)


async def task_journeys(session: AsyncSession, referral_ids: list[uuid.UUID]) -> dict[uuid.UUID, TaskJourney]:
    if not referral_ids:
        return {}
    from domain.journey.completeness import missing_labels

    rows = await session.execute(
        select(ReferralClock.referral_id, ReferralClock.next_due_at).where(ReferralClock.referral_id.in_(referral_ids))
    )
    due = dict(rows.all())
    missing = await missing_labels(session, referral_ids)
    return {rid: TaskJourney(due_at=due.get(rid), missing=missing.get(rid, [])) for rid in referral_ids}


async def sla_attainment(session: AsyncSession, *, facts: Any, where: list[Any]) -> list[dict[str, Any]]:
    """Per milestone, over the period's referrals: decided = reached, or still open past its due time;
    met = reached within the target. Rate = met / decided."""
    from sqlalchemy import and_, or_

    now = func.now()
    columns = []
    for name in ("first_contact", "scheduled"):
        met = getattr(ReferralClock, f"{name}_met")
        due = getattr(ReferralClock, f"{name}_due_at")
        decided = or_(met.is_not(None), due <= now)
        columns += [
            func.count().filter(decided).label(f"{name}_decided"),
            func.count().filter(and_(met.is_(True))).label(f"{name}_met"),
        ]
    stmt = (
        select(*columns)
        .select_from(facts.join(ReferralClock, ReferralClock.referral_id == facts.c.referral_id))
        .where(*where)
    )
    row = (await session.execute(stmt)).one()._mapping
    return [attainment(name, decided=row[f"{name}_decided"], met=row[f"{name}_met"]) for name in SLA_MILESTONES]


SLA_MILESTONES = ("first_contact", "scheduled")


def attainment(milestone: str, *, decided: int, met: int) -> dict[str, Any]:
    """One milestone's SLA attainment as the summary reports it."""
    return {
        "milestone": milestone,
        "decided": decided,
        "met": met,
        "rate": round(met / decided, 4) if decided else None,
    }
