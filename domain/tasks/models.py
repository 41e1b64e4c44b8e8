import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.crypto import Encrypted
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, VersionMixin, enum_type
from domain.tasks.enums import TaskPriority, TaskStatus, TaskType


class Task(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "tasks"

    type: Mapped[TaskType] = mapped_column(enum_type(TaskType))
    # Staff write patient names into these ("Call Mrs Lopez about her MRI"): sealed like patient fields.
    title: Mapped[str] = mapped_column(Encrypted("tasks.title"))
    description: Mapped[str | None] = mapped_column(Encrypted("tasks.description"))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"), index=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    queue: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    priority: Mapped[TaskPriority] = mapped_column(enum_type(TaskPriority), default=TaskPriority.normal)
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus), default=TaskStatus.open)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_at"),
        Index("ix_tasks_status_due", "status", "due_at"),
        # The default list order (soonest due first) as an index range scan.
        Index("ix_tasks_due_at_id", "due_at", "id"),
    )
