import uuid

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.providers.enums import (
    AffiliationRole,
    ContactMethod,
    OrganizationKind,
    ProviderKind,
    ProviderStatus,
    StaffRole,
)
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, VersionMixin, enum_type


class Organization(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(300), index=True)
    npi: Mapped[str | None] = mapped_column(String(10), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(enum_type(OrganizationKind))
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("organizations.id"))
    # [{system: phone|fax|email|url, value, use}] as in FHIR ContactPoint.
    contact_points: Mapped[list[dict]] = mapped_column(JSONB, default=list, server_default="[]")
    address: Mapped[dict | None] = mapped_column(JSONB)
    # How the practice likes to hear from us (the monthly report): sms, else email.
    preferred_contact_method: Mapped[ContactMethod | None] = mapped_column(enum_type(ContactMethod))
    # The practice asked not to receive the monthly report.
    monthly_report_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class Provider(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "providers"

    npi: Mapped[str | None] = mapped_column(String(10), unique=True)
    prefix: Mapped[str | None] = mapped_column(String(20))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    suffix: Mapped[str | None] = mapped_column(String(20))
    credentials: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list, server_default="{}")
    # [{code: NUCC taxonomy code, display, primary}]
    specialties: Mapped[list[dict]] = mapped_column(JSONB, default=list, server_default="[]")
    kind: Mapped[ProviderKind] = mapped_column(enum_type(ProviderKind), default=ProviderKind.external)
    status: Mapped[ProviderStatus] = mapped_column(enum_type(ProviderStatus), default=ProviderStatus.active)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"))
    preferred_contact_method: Mapped[ContactMethod | None] = mapped_column(enum_type(ContactMethod))
    contact_points: Mapped[list[dict]] = mapped_column(JSONB, default=list, server_default="[]")
    notes: Mapped[str | None] = mapped_column(Text)

    affiliations: Mapped[list["Affiliation"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Affiliation.created_at"
    )
    staff: Mapped[list["StaffContact"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="StaffContact.created_at"
    )

    __table_args__ = (
        Index("ix_providers_family_given", "family_name", "given_name"),
        Index(
            "ix_providers_specialties",
            "specialties",
            postgresql_using="gin",
            postgresql_ops={"specialties": "jsonb_path_ops"},
        ),
    )


class Affiliation(IdMixin, TimestampMixin, Base):
    __tablename__ = "provider_affiliations"

    provider_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("organizations.id"), index=True)
    role: Mapped[AffiliationRole] = mapped_column(enum_type(AffiliationRole), default=AffiliationRole.member)

    organization: Mapped[Organization] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("provider_id", "organization_id", "role"),)

    @property
    def organization_name(self) -> str:
        return self.organization.name


class StaffContact(IdMixin, TimestampMixin, VersionMixin, Base):
    """Someone in a provider's office who handles referrals: often the real point of contact."""

    __tablename__ = "provider_staff_contacts"

    provider_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)
