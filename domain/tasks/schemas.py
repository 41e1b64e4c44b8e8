import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, computed_field

from domain.shared.clock import utcnow
from domain.shared.schemas import Schema, UtcDateTime
from domain.tasks.enums import TaskPriority, TaskStatus, TaskType


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000: refuse it here, naming the field, not as a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_no_nul)]
Queue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(_no_nul)]
Description = Annotated[str, StringConstraints(max_length=4000), AfterValidator(_no_nul)]
OPEN = (TaskStatus.open, TaskStatus.in_progress)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def optional() -> Any:
    """A PATCH field that may be left out but not sent as null (its column is required)."""
    return Field(default=None, json_schema_extra=_no_default)


class TaskUpdate(Schema):
    """Send only what changes. Status `done` stamps `completed_at`; moving away from done clears it."""

    type: TaskType = optional()
    title: Title = optional()
    description: Description | None = None
    assignee_id: uuid.UUID | None = Field(default=None, description="A staff user; null unassigns.")
    queue: Queue | None = None
    due_at: UtcDateTime = optional()
    priority: TaskPriority = optional()
    status: TaskStatus = optional()


class TaskCreate(Schema):
    type: TaskType
    title: Title
    description: Description | None = None
    referral_id: uuid.UUID | None = Field(default=None, description="The referral this task is about.")
    provider_id: uuid.UUID | None = Field(default=None, description="The provider this task is about.")
    assignee_id: uuid.UUID | None = None
    queue: Queue | None = None
    due_at: UtcDateTime
    priority: TaskPriority = TaskPriority.normal


class Task(Schema):
    id: uuid.UUID
    version: int
    type: TaskType
    title: str
    description: str | None
    referral_id: uuid.UUID | None
    provider_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    queue: str | None
    due_at: UtcDateTime
    priority: TaskPriority
    status: TaskStatus
    completed_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @computed_field(description="Due in the past and still open or in progress.")  # type: ignore[prop-decorator]
    @property
    def overdue(self) -> bool:
        return self.status in OPEN and self.due_at < utcnow()
