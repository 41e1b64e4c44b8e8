from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.db import Base
from domain.shared.models import IdMixin


class AuditEvent(IdMixin, Base):
    """Append-only: a trigger (migration `audit_append_only`) rejects UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_events"

    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    actor_kind: Mapped[str] = mapped_column(String(16))
    # `<entity>.<verb>`, e.g. referral.read, referral.list, api_key.revoke, user.login.
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    # Ids listed, fields changed, the route: never patient values.
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        Index("ix_audit_events_at_id", "at", "id"),
        Index("ix_audit_events_entity", "entity_type", "entity_id", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )
