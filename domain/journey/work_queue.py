"""The coordinator's work queue: their and their queues' open referrals and tasks, most at risk first.

Each source is read as an index range scan already in order (referral clocks by owner and due time,
tasks by owner and due time) with a LIMIT, and the few rows are merged here."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.identity.models import User
from domain.journey.models import ReferralClock, WorkQueue, WorkQueueMember
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.lifecycle import allowed_moves
from domain.referrals.models import Referral
from domain.shared.clock import utcnow
from domain.tasks.enums import TaskStatus
from domain.tasks.models import Task

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
OPEN_TASKS = (TaskStatus.open, TaskStatus.in_progress)


@dataclass
class WorkItem:
    type: str  # referral | task
    id: uuid.UUID
    referral_id: uuid.UUID | None
    label: str
    status: str
    urgency: str
    due_at: datetime | None
    sla_state: str | None
    queue: str | None
    assignee_id: uuid.UUID | None
    next_moves: list[str]
    rank: int


async def my_queues(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    member = (
        select(WorkQueue.name)
        .join(WorkQueueMember, WorkQueueMember.queue_id == WorkQueue.id)
        .where(WorkQueueMember.user_id == user_id)
    )
    names = set((await session.execute(member)).scalars())
    own = (await session.execute(select(User.queue).where(User.id == user_id))).scalar_one_or_none()
    return sorted(names | ({own} if own else set()))


BY_TIME_TO_BREACH = (
    ReferralClock.next_due_at.asc().nulls_last(),
    ReferralClock.urgency_rank,
    ReferralClock.referral_id,
)


async def _referral_ids(session: AsyncSession, user_id: uuid.UUID, queues: list[str], limit: int) -> list[uuid.UUID]:
    """One ordered, limited index scan per owner (me, each of my queues), merged in one round trip."""
    cols = (ReferralClock.referral_id, ReferralClock.next_due_at, ReferralClock.urgency_rank)
    owners = [ReferralClock.assignee_id == user_id, *[ReferralClock.queue == name for name in queues]]
    parts = [
        select(*cols).where(ReferralClock.is_open, owner).order_by(*BY_TIME_TO_BREACH).limit(limit).subquery().select()
        for owner in owners
    ]
    merged = union_all(*parts).subquery()
    stmt = select(merged.c.referral_id).order_by(
        merged.c.next_due_at.asc().nulls_last(), merged.c.urgency_rank, merged.c.referral_id
    )
    # A referral assigned to me in my own queue comes twice: keep it once.
    return list(dict.fromkeys((await session.execute(stmt)).scalars()))[:limit]


TASK_COLUMNS = (
    Task.id,
    Task.referral_id,
    Task.title,
    Task.status,
    Task.priority,
    Task.due_at,
    Task.queue,
    Task.assignee_id,
)
REFERRAL_COLUMNS = (
    Referral.id,
    Referral.status,
    Referral.urgency,
    Referral.service_line,
    Referral.queue,
    Referral.assignee_id,
    Referral.patient_given_name,
    Referral.patient_family_name,
    ReferralClock.next_due_at,
    ReferralClock.next_risk_at,
    ReferralClock.paused_since,
    ReferralClock.urgency_rank,
)


async def _tasks(
    session: AsyncSession, user_id: uuid.UUID, queues: list[str], limit: int
) -> list[Row[*tuple[Any, ...]]]:
    """The soonest-due open tasks per owner, one ordered index scan each, in one round trip."""
    owners = [Task.assignee_id == user_id, *[Task.queue == name for name in queues]]
    parts = [
        select(Task.id)
        .where(owner, Task.status.in_(OPEN_TASKS))
        .order_by(Task.due_at, Task.id)
        .limit(limit)
        .subquery()
        .select()
        for owner in owners
    ]
    ids = set((await session.execute(union_all(*parts))).scalars())
    if not ids:
        return []
    # Only the columns shown: each sealed column read is a decryption.
    return list((await session.execute(select(*TASK_COLUMNS).where(Task.id.in_(ids)))).all())


def _sla_state(
    paused_since: datetime | None, next_due_at: datetime | None, next_risk_at: datetime | None, now: datetime
) -> str:
    if paused_since is not None:
        return "paused"
    if next_due_at is None:
        return "met"
    if next_due_at <= now:
        return "breached"
    if next_risk_at is not None and next_risk_at <= now:
        return "at_risk"
    return "on_track"


async def work_queue(
    session: AsyncSession, *, user_id: uuid.UUID, limit: int = 100
) -> tuple[list[str], list[WorkItem]]:
    """(the queues I work from, my items most at risk first)."""
    now = utcnow()
    queues = await my_queues(session, user_id)
    referral_ids = await _referral_ids(session, user_id, queues, limit)
    items: list[WorkItem] = []
    if referral_ids:
        rows = await session.execute(
            select(*REFERRAL_COLUMNS)
            .join(ReferralClock, ReferralClock.referral_id == Referral.id)
            .where(Referral.id.in_(referral_ids))
        )
        for row in rows:
            status = S(row.status)
            items.append(
                WorkItem(
                    type="referral",
                    id=row.id,
                    referral_id=row.id,
                    label=f"{row.patient_given_name} {row.patient_family_name[:1]}. · {row.service_line}",
                    status=status.value,
                    urgency=str(row.urgency),
                    due_at=row.next_due_at,
                    sla_state=_sla_state(row.paused_since, row.next_due_at, row.next_risk_at, now),
                    queue=row.queue,
                    assignee_id=row.assignee_id,
                    next_moves=[m.value for m in allowed_moves(status)],
                    rank=row.urgency_rank,
                )
            )
    for task in await _tasks(session, user_id, queues, limit):  # rows of TASK_COLUMNS
        items.append(
            WorkItem(
                type="task",
                id=task.id,
                referral_id=task.referral_id,
                label=task.title,
                status=str(task.status),
                urgency=str(task.priority),
                due_at=task.due_at,
                sla_state="breached" if task.due_at <= now else None,
                queue=task.queue,
                assignee_id=task.assignee_id,
                next_moves=["done"],
                rank=PRIORITY_RANK[str(task.priority)],
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    items.sort(key=lambda i: (i.due_at or far, i.rank, str(i.id)))
    items = items[:limit]
    audit.note_list(
        session, "referral", [i.referral_id for i in items if i.type == "referral" and i.referral_id is not None]
    )
    return queues, items
