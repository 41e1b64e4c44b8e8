"""Column helpers shared by the contexts' models."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.ids import uuid7


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class VersionMixin:
    """Optimistic concurrency: the version is the ETag; every update bumps it."""

    version: Mapped[int] = mapped_column(default=1, server_default="1")


def enum_type(enum_cls: type[enum.StrEnum], *, name: str | None = None) -> Enum:
    """A VARCHAR with a CHECK constraint: readable in SQL, cheap to extend by migration."""
    return Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
