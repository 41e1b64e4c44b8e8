import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.crypto import Encrypted
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, VersionMixin


class MessageTemplate(IdMixin, TimestampMixin, VersionMixin, Base):
    """A staff-edited wording for one kind on one channel; without one the default applies."""

    __tablename__ = "message_templates"

    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("kind", "channel"),)


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    """A partner's receiver for signed status webhooks about the referrals its organization sent."""

    __tablename__ = "webhook_endpoints"

    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    # Standard Webhooks secret, `whsec_<base64>`; sealed at rest.
    secret: Mapped[str] = mapped_column(Encrypted("webhook_endpoints.secret"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    kinds: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default="{}")


class OutreachPreference(IdMixin, TimestampMixin, Base):
    """How and when a referrer likes to hear from us, beyond the directory's contact method."""

    __tablename__ = "outreach_preferences"

    provider_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    check_in_days: Mapped[int | None] = mapped_column(Integer)
    last_check_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
