from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.db import Base
from domain.shared.models import IdMixin


class CapturedMail(IdMixin, Base):
    """A mail the development catcher received. Development data only: never filled in production."""

    __tablename__ = "captured_mails"

    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    mail_from: Mapped[str] = mapped_column(String(500))
    rcpt_to: Mapped[list[str]] = mapped_column(JSONB, default=list)
    subject: Mapped[str] = mapped_column(String(1000), default="")
    message_id: Mapped[str | None] = mapped_column(String(500))
    # [[name, value], ...] in the order received.
    headers: Mapped[list[list[str]]] = mapped_column(JSONB, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_captured_mails_received_at_id", "received_at", "id"),)
