"""Portal tables: a referral's message thread and the service catalog staff publish."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.crypto import Encrypted
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin


class ThreadMessage(IdMixin, Base):
    """One post in the conversation between a referring practice and the intake team about a referral."""

    __tablename__ = "referral_thread_messages"

    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    # practice | intake: which side wrote it, so the other side is the one notified.
    side: Mapped[str] = mapped_column(String(16))
    # Free text about a patient: sealed like every other PHI column.
    body: Mapped[str] = mapped_column(Encrypted("referral_thread_messages.body"))

    __table_args__ = (Index("ix_referral_thread_messages_referral_at", "referral_id", "at"),)


class CatalogEntry(TimestampMixin, Base):
    """What a referring practice reads about one service line before it refers (no patient data)."""

    __tablename__ = "catalog_entries"

    service_line: Mapped[str] = mapped_column(String(64), primary_key=True)
    referral_criteria: Mapped[str | None] = mapped_column(String(4000))
    payer_classes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")
    locations: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list, server_default="{}")
    # {"name", "phone", "email", "hours"}: whom a practice calls to schedule.
    scheduling_contact: Mapped[dict[str, str | None]] = mapped_column(JSONB, default=dict, server_default="{}")
    updated_by: Mapped[str | None] = mapped_column(String(120))
