"""Task use cases. Each takes the caller's session and never commits it."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.repository import ProviderRepository
from domain.referrals.enums import EventKind
from domain.referrals.models import ReferralEvent
from domain.referrals.repository import ReferralRepository
from domain.shared import idempotency
from domain.shared.clock import utcnow
from domain.shared.errors import PreconditionFailed
from domain.tasks.enums import TaskStatus
from domain.tasks.errors import UnknownReference
from domain.tasks.models import Task
from domain.tasks.repository import TaskFilters, TaskRepository
from domain.tasks.schemas import TaskCreate, TaskUpdate


def _values(data: TaskCreate | TaskUpdate, names: Iterable[str]) -> dict[str, Any]:
    # Attributes, not model_dump(): UtcDateTime serialises to text even in python mode.
    return {name: getattr(data, name) for name in names}


async def _check_assignee(repo: TaskRepository, assignee_id: uuid.UUID | None) -> None:
    if assignee_id is not None and not await repo.user_exists(assignee_id):
        raise UnknownReference("User", assignee_id, field="body.assignee_id")


def _log_on_referral(session: AsyncSession, task: Task, actor: str) -> None:
    """A line on the referral's timeline; the title stays off it (it may name the patient)."""
    if task.referral_id is None:
        return
    ReferralRepository(session).add_event(
        ReferralEvent(
            referral_id=task.referral_id,
            actor=actor,
            kind=EventKind.task,
            detail={"task_id": str(task.id), "status": TaskStatus(task.status).value, "type": task.type},
        )
    )


async def create_task(
    session: AsyncSession,
    *,
    data: TaskCreate,
    actor: str,
    idempotency_key: str | None = None,
    idempotency_scope: str = "",
) -> Task:
    repo = TaskRepository(session)
    if idempotency_key:
        payload = data.model_dump(mode="json")
        earlier = await idempotency.claim(session, scope=idempotency_scope, key=idempotency_key, payload=payload)
        if earlier is not None:
            return await repo.get(earlier)
    if data.referral_id is not None and await ReferralRepository(session).get_or_none(data.referral_id) is None:
        raise UnknownReference("Referral", data.referral_id, field="body.referral_id")
    if data.provider_id is not None and not await ProviderRepository(session).exists(data.provider_id):
        raise UnknownReference("Provider", data.provider_id, field="body.provider_id")
    await _check_assignee(repo, data.assignee_id)
    task = repo.add(Task(**_values(data, TaskCreate.model_fields), status=TaskStatus.open))
    await session.flush()
    _log_on_referral(session, task, actor)
    if idempotency_key:
        await idempotency.record(session, scope=idempotency_scope, key=idempotency_key, resource_id=task.id)
    await session.flush()
    return task


async def get_task(session: AsyncSession, *, task_id: uuid.UUID) -> Task:
    return await TaskRepository(session).get(task_id)


async def list_tasks(
    session: AsyncSession, *, filters: TaskFilters, sort: str, descending: bool, limit: int, cursor: str | None
) -> tuple[list[Task], str | None]:
    return await TaskRepository(session).find(
        filters, now=utcnow(), sort=sort, descending=descending, limit=limit, cursor=cursor
    )


async def update_task(
    session: AsyncSession, *, task_id: uuid.UUID, data: TaskUpdate, expected_version: int, actor: str
) -> Task:
    repo = TaskRepository(session)
    task = await repo.get(task_id, for_update=True)
    if task.version != expected_version:
        raise PreconditionFailed(
            f"The task changed since you read it (version {task.version}, you sent {expected_version}); "
            "read it again and reapply your change."
        )
    changes = {k: v for k, v in _values(data, data.model_fields_set).items() if getattr(task, k) != v}
    if not changes:
        return task
    if "assignee_id" in changes:
        await _check_assignee(repo, changes["assignee_id"])
    for name, value in changes.items():
        setattr(task, name, value)
    if "status" in changes:
        # Done is stamped once per completion; reopening or cancelling clears it.
        task.completed_at = utcnow() if task.status is TaskStatus.done else None
        _log_on_referral(session, task, actor)
    task.version += 1
    await session.flush()
    return task
