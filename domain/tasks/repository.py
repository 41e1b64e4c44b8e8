import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, not_, select

from domain.identity.models import User
from domain.shared.repository import Repository
from domain.tasks.enums import TaskStatus
from domain.tasks.models import Task

OPEN_STATUSES = (TaskStatus.open, TaskStatus.in_progress)


@dataclass(frozen=True)
class TaskFilters:
    assignee_id: uuid.UUID | None = None
    queue: str | None = None
    status: list[TaskStatus] | None = None
    referral_id: uuid.UUID | None = None
    provider_id: uuid.UUID | None = None
    due_before: datetime | None = None
    # True: due in the past and still open; False: everything else.
    overdue: bool | None = None


# Only non-null columns: keyset pagination skips rows whose sort value is NULL.
SORTS = {"due_at": Task.due_at, "created_at": Task.created_at}


class TaskRepository(Repository[Task]):
    model = Task
    entity_name = "Task"

    async def user_exists(self, user_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(User.id == user_id))))

    async def find(
        self, filters: TaskFilters, *, now: datetime, sort: str, descending: bool, limit: int, cursor: str | None
    ) -> tuple[list[Task], str | None]:
        stmt = select(Task)
        for column, value in (
            (Task.assignee_id, filters.assignee_id),
            (Task.queue, filters.queue),
            (Task.referral_id, filters.referral_id),
            (Task.provider_id, filters.provider_id),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.status:
            stmt = stmt.where(Task.status.in_(filters.status))
        if filters.due_before is not None:
            stmt = stmt.where(Task.due_at < filters.due_before)
        if filters.overdue is not None:
            overdue = and_(Task.due_at < now, Task.status.in_(OPEN_STATUSES))
            stmt = stmt.where(overdue if filters.overdue else not_(overdue))
        return await self.paginate(stmt, sort=SORTS[sort], descending=descending, limit=limit, cursor=cursor)
