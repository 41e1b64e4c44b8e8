"""SQL fragments other contexts' lists use to filter on SLA clocks."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
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
    clock = ReferralClock.__table__
    stmt = (
        select(*attainment_counts(clock))
        .select_from(facts.join(clock, clock.c.referral_id == facts.c.referral_id))
        .where(*where)
    )
    return attainments((await session.execute(stmt)).one())


def attainment_counts(clock: Any) -> list[Any]:
    """Per milestone of SLA_MILESTONES, decided then met, as counts over rows of `clock` (anything with
    the clock's milestone columns); `attainments` reads them back in this order."""
    columns = []
    for name in SLA_MILESTONES:
        met, due = clock.c[f"{name}_met"], clock.c[f"{name}_due_at"]
        columns += [func.count().filter(or_(met.is_not(None), due <= func.now())), func.count().filter(met.is_(True))]
    return columns


def attainments(counts: Any) -> list[dict[str, Any]]:
    """The milestones' attainment from `attainment_counts`' values."""
    pairs = [counts[i : i + 2] for i in range(0, 2 * len(SLA_MILESTONES), 2)]
    return [attainment(name, decided=d, met=m) for name, (d, m) in zip(SLA_MILESTONES, pairs, strict=True)]


SLA_MILESTONES = ("first_contact", "scheduled")


def attainment(milestone: str, *, decided: int, met: int) -> dict[str, Any]:
    """One milestone's SLA attainment as the summary reports it."""
    return {
        "milestone": milestone,
        "decided": decided,
        "met": met,
        "rate": round(met / decided, 4) if decided else None,
    }
