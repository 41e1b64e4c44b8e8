import uuid
from typing import Annotated, Literal

from fastapi import Header, Query, Response, status

from api.deps import CurrentPrincipal, IfMatch, Paging, Session, etag, sort_order
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.shared.schemas import Page, UtcDateTime
from domain.tasks import models, service
from domain.tasks.enums import TaskStatus
from domain.tasks.repository import TaskFilters
from domain.tasks.schemas import Queue, Task, TaskCreate, TaskUpdate

router = PrefixedRouter(prefix="/tasks", tags=["tasks"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=255, description="Resending with the same key returns the first result."
    ),
]


@router.post(
    "",
    response_model=Task,
    status_code=status.HTTP_201_CREATED,
    description="A task about a referral also appears on that referral's timeline.",
    responses=problem_responses(401, 403, 422),
)
async def create_task(
    body: TaskCreate,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> models.Task:
    task = await service.create_task(
        session,
        data=body,
        actor=principal.actor,
        idempotency_key=idempotency_key,
        idempotency_scope=f"{principal.actor}:tasks",
    )
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    response.headers["ETag"] = etag(task.version)
    return task


@router.get("", response_model=Page[Task], responses=problem_responses(401, 403, 422))
async def list_tasks(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    assignee_id: uuid.UUID | None = None,
    queue: Annotated[Queue | None, Query()] = None,
    status_: Annotated[list[TaskStatus] | None, Query(alias="status")] = None,
    referral_id: uuid.UUID | None = None,
    provider_id: uuid.UUID | None = None,
    due_before: Annotated[UtcDateTime | None, Query(description="Due strictly before this time.")] = None,
    overdue: Annotated[bool | None, Query(description="true: past due and still open or in progress.")] = None,
    sort: Literal["due_at", "-due_at", "created_at", "-created_at"] = "due_at",
) -> Page[Task]:
    filters = TaskFilters(
        assignee_id=assignee_id,
        queue=queue,
        status=status_,
        referral_id=referral_id,
        provider_id=provider_id,
        due_before=due_before,
        overdue=overdue,
    )
    items, next_cursor = await service.list_tasks(
        session,
        filters=filters,
        **sort_order(sort),
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{task_id}", response_model=Task, responses=problem_responses(401, 403, 404))
async def get_task(
    task_id: uuid.UUID, session: Session, principal: CurrentPrincipal, response: Response
) -> models.Task:
    task = await service.get_task(session, task_id=task_id)
    response.headers["ETag"] = etag(task.version)
    return task


@router.patch("/{task_id}", response_model=Task, responses=problem_responses(401, 403, 404, 412, 422, 428))
async def update_task(
    task_id: uuid.UUID,
    body: TaskUpdate,
    session: Session,
    principal: CurrentPrincipal,
    expected_version: IfMatch,
    response: Response,
) -> models.Task:
    task = await service.update_task(
        session,
        task_id=task_id,
        data=body,
        expected_version=expected_version,
        actor=principal.actor,
    )
    response.headers["ETag"] = etag(task.version)
    return task
