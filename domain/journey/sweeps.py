"""The SLA sweep: one escalation task per breached milestone, for the lead of the referral's queue."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey.models import ReferralClock, WorkQueue
from domain.journey.sla import MILESTONES
from domain.referrals.enums import EventKind
from domain.referrals.models import Referral, ReferralEvent
from domain.shared.clock import utcnow
from domain.tasks.enums import TaskPriority, TaskStatus, TaskType
from domain.tasks.models import Task

TITLES = {"first_contact": "SLA breached: first contact", "scheduled": "SLA breached: scheduling"}
ACTOR = "system:sla-sweep"


async def escalate_breaches(session: AsyncSession, *, now: datetime | None = None, limit: int = 500) -> int:
    """Returns tasks opened (see `escalate_by_milestone`)."""
    return sum((await escalate_by_milestone(session, now=now, limit=limit)).values())


async def escalate_by_milestone(
    session: AsyncSession, *, now: datetime | None = None, limit: int = 500
) -> dict[str, int]:
    """Claims breached milestones with a conditional UPDATE over rows locked SKIP LOCKED, so two
    sweeps running at once never escalate the same milestone twice. Returns tasks opened per milestone."""
    now = now or utcnow()
    opened = dict.fromkeys(MILESTONES, 0)
    for milestone in MILESTONES:
        due = getattr(ReferralClock, f"{milestone}_due_at")
        escalated = getattr(ReferralClock, f"{milestone}_escalated_at")
        candidates = (
            select(ReferralClock.referral_id)
            .where(due <= now, escalated.is_(None))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = (
            await session.execute(
                update(ReferralClock)
                .where(ReferralClock.referral_id.in_(candidates.scalar_subquery()), due <= now, escalated.is_(None))
                .values({escalated: now})
                .returning(ReferralClock.referral_id, due)
            )
        ).all()
        for referral_id, due_at in claimed:
            await _open_escalation(session, referral_id=referral_id, milestone=milestone, due_at=due_at, now=now)
            opened[milestone] += 1
    await session.flush()
    return opened


async def _open_escalation(
    session: AsyncSession, *, referral_id: uuid.UUID, milestone: str, due_at: datetime, now: datetime
) -> None:
    queue_name = (await session.execute(select(Referral.queue).where(Referral.id == referral_id))).scalar_one()
    lead_id = None
    if queue_name:
        lead_id = (
            await session.execute(select(WorkQueue.lead_id).where(WorkQueue.name == queue_name))
        ).scalar_one_or_none()
    task = Task(
        type=TaskType.follow_up,
        title=TITLES[milestone],
        referral_id=referral_id,
        assignee_id=lead_id,
        queue=queue_name,
        due_at=now + timedelta(hours=1),
        priority=TaskPriority.urgent,
        status=TaskStatus.open,
        description=f"The {milestone.replace('_', ' ')} target passed at {due_at.isoformat()}.",
    )
    session.add(task)
    await session.flush()
    session.add(
        ReferralEvent(
            referral_id=referral_id,
            at=now,
            actor=ACTOR,
            kind=EventKind.task,
            detail={
                "sla": "breached",
                "milestone": milestone,
                "due_at": due_at.isoformat(),
                "task_id": str(task.id),
                "type": task.type.value,
                "status": task.status.value,
            },
        )
    )
