import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.enums import Role
from domain.shared.clock import utcnow
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, enum_type


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    # Work queue the user picks referrals from, e.g. "cardiology-intake".
    queue: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when an administrator chose the password (invite, reset): the user must pick their own first.
    password_change_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # A referrer (portal user) acts for this referring organisation only; staff have none.
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id"), index=True
    )


class RefreshToken(IdMixin, Base):
    """One refresh token. Rotation links tokens into a family; reusing a spent one revokes the family."""

    __tablename__ = "refresh_tokens"

    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    # sha256 of the secret half; the token itself is never stored.
    secret_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(IdMixin, TimestampMixin, Base):
    """A partner portal's key. Only the prefix (to find it) and a hash of the secret are kept."""

    __tablename__ = "api_keys"

    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default="{}")
    created_by: Mapped[str] = mapped_column(String(120))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EhrClient(IdMixin, TimestampMixin, Base):
    """An EHR system using SMART Backend Services: it proves itself with a JWT signed by its key."""

    __tablename__ = "ehr_clients"

    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("organizations.id"))
    # Public keys as a JWKS ({"keys": [...]}); a PEM given at registration is converted.
    jwks: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Largest set of SMART system scopes this client may be granted.
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default="{}")
    # Where outbound FHIR pushes (status, appointments, notes) go for this EHR.
    fhir_base_url: Mapped[str | None] = mapped_column(String(500))
    # Our own identity at that EHR for those pushes (SMART Backend Services, we are the client there).
    # No client id: pushes go without credentials, for EHR sandboxes that take them so.
    push_client_id: Mapped[str | None] = mapped_column(String(200))
    # The EHR's token endpoint; empty: read from its /.well-known/smart-configuration.
    push_token_url: Mapped[str | None] = mapped_column(String(500))
    push_scope: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by: Mapped[str] = mapped_column(String(120))

    __table_args__ = (Index("ix_ehr_clients_organization_id", "organization_id"),)


class Invitation(IdMixin, TimestampMixin, Base):
    """A one-time link by e-mail: to a new account (`invite`) or to a new password (`reset`).

    Only a sha256 of the token is kept; the link works once, until `expires_at`, unless revoked.
    """

    __tablename__ = "invitations"

    purpose: Mapped[str] = mapped_column(String(10))  # invite | reset
    email: Mapped[str] = mapped_column(String(254), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, name="invitation_role"))
    queue: Mapped[str | None] = mapped_column(String(100))
    # The practice a portal (referrer) invitation is for.
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("organizations.id"))
    # The account: the one being reset, or the one an accepted invitation created.
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invited_by: Mapped[str] = mapped_column(String(120))
    # The latest e-mail carrying the link, and how many have been sent.
    message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    sends: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= utcnow() else "pending"
