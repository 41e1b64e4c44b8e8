import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin


class PatientLink(IdMixin, TimestampMixin, Base):
    """One link, carried by one message (a booking notice or a reminder), for one appointment.

    Only the token's sha256 is kept; the token itself travels sealed in the outbox row until sent.
    """

    __tablename__ = "patient_links"

    appointment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("appointments.id"), index=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The channel (email, sms) and kind of the message that carried it: the dashboard's "reminder channel".
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    # The appointment's start when the link was made: it never works past it, even if the visit moves later.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PreparationInstruction(Base):
    """What a patient should do before a visit of a service line (fasting, what to bring); admin-edited."""

    __tablename__ = "preparation_instructions"

    service_line: Mapped[str] = mapped_column(String(100), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))
