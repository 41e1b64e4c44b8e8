import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
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
    contact_points: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
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
    specialties: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    kind: Mapped[ProviderKind] = mapped_column(enum_type(ProviderKind), default=ProviderKind.external)
    status: Mapped[ProviderStatus] = mapped_column(enum_type(ProviderStatus), default=ProviderStatus.active)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"))
    preferred_contact_method: Mapped[ContactMethod | None] = mapped_column(enum_type(ContactMethod))
    contact_points: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    # Practice location, normalised (USPS abbreviations, ZIP+4 kept): {line: [...], city, state, postal_code, country}.
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Last time someone confirmed the record (the "verify" action, or an import that created or changed it).
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the last import's file said for this provider: a hash of its lines' cells as written. The same
    # lines again are unchanged without checking, normalising or reading the record back. Cleared by any
    # other change (a hand edit, a bounce), so the next import compares in full.
    import_fingerprint: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    # Kept by the providers_hygiene trigger (migrations/versions/2026-12-04_dir_queue.py) whoever writes the
    # row, so the hygiene report counts in SQL: the NPI fails its check digit, the specialty codes not in NUCC.
    npi_invalid: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    unknown_taxonomy: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list, server_default="{}")

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
        Index("ix_providers_created_at", "created_at"),
        # The hygiene report's rarer kinds, newest first, without a scan.
        Index("ix_providers_npi_invalid", "created_at", postgresql_where=text("npi_invalid")),
        Index(
            "ix_providers_unknown_taxonomy", "created_at", postgresql_where=text("cardinality(unknown_taxonomy) > 0")
        ),
        Index(
            "ix_providers_bad_contact",
            "created_at",
            postgresql_where=text("""contact_points @> '[{"bad": true}]'"""),
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


class ProviderImport(IdMixin, Base):
    """One directory file import: a job whose status and row report the web app shows."""

    __tablename__ = "provider_imports"

    filename: Mapped[str | None] = mapped_column(String(300))
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    imported_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))  # running, succeeded, rejected
    detail: Mapped[str | None] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    # {created, updated, unchanged, merged}
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    # [{row, npi, column, problem, action}]: every row's outcome, or every problem when rejected.
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProviderMerge(IdMixin, Base):
    """One merge of a duplicate into its survivor, with what it changed, so it can be undone."""

    __tablename__ = "provider_merges"

    merged_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"), index=True)
    survivor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    merged_by: Mapped[str] = mapped_column(String(200))
    # Field values before and after: {"survivor": {...}, "merged": {...}} each side.
    before: Mapped[dict[str, Any]] = mapped_column(JSONB)
    after: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Rows that followed the survivor: {"table.column": [primary key, ...]}, and affiliations dropped as repeats.
    moved: Mapped[dict[str, Any]] = mapped_column(JSONB)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_provider_merges_merged_at", "merged_at"),)


class DismissedDuplicate(Base):
    """A pair someone marked "not a duplicate": never proposed again. Stored with the smaller id first."""

    __tablename__ = "provider_dismissed_duplicates"

    first_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    second_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    dismissed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dismissed_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("first_id < second_id", name="ordered"),)


class DuplicateCandidate(Base):
    """A scored pair of the duplicate review queue, smaller id first. Written by the refresh
    (domain/providers/queue.py); a trigger deletes a provider's pairs when its record changes."""

    __tablename__ = "provider_duplicate_candidates"

    first_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    second_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("first_id < second_id", name="ordered"),
        Index("ix_provider_duplicate_candidates_rank", text("score DESC"), "first_id", "second_id"),
    )


class DuplicateRefresh(IdMixin, Base):
    """One run of the duplicate queue's refresh: the next incremental run starts from its start."""

    __tablename__ = "provider_duplicate_refreshes"

    full: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Providers whose pairs were scored again, and the pairs stored for them.
    rescored: Mapped[int] = mapped_column(Integer)
    pairs: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(200))


class NuccCode(Base):
    """The NUCC taxonomy codes (domain/reference/data/nucc_taxonomy.csv), for the hygiene trigger."""

    __tablename__ = "nucc_taxonomy_codes"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
