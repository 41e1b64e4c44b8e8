import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, VersionMixin


class ReferralImport(IdMixin, Base):
    """One loaded history file. The hash makes a resent file a no-op."""

    __tablename__ = "referral_imports"

    file_hash: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str | None] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    loaded: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReferralRevenue(Base):
    """Actual revenue recorded for a referral (imported history or billing); expected comes from the fee schedule."""

    __tablename__ = "referral_revenue"

    referral_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class RelationshipSettings(VersionMixin, Base):
    """The one row of admin settings the score reads."""

    __tablename__ = "relationship_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    # {"volume": 0.4, "conversion": 0.3, "growth": 0.2, "strategic": 0.1}
    weights: Mapped[dict[str, float]] = mapped_column(JSONB)
    strategic_service_lines: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeeScheduleEntry(Base):
    __tablename__ = "fee_schedule"

    service_line: Mapped[str] = mapped_column(String(100), primary_key=True)
    payer_class: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class ReferrerFigures(Base):
    """Figures of one referrer (or organization) as of a day, written by the rollup job.

    The list reads this table alone, so a page costs an index scan over a few hundred rows
    however many referrals there are.
    """

    __tablename__ = "referrer_figures"

    subject_kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # provider | organization
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    volume: Mapped[int] = mapped_column(Integer)
    prior_volume: Mapped[int] = mapped_column(Integer)
    conversion_rate: Mapped[float | None] = mapped_column(Double)
    median_days_to_appointment: Mapped[float | None] = mapped_column(Double)
    leakage_rate: Mapped[float | None] = mapped_column(Double)
    loop_closure_rate: Mapped[float | None] = mapped_column(Double)
    revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    trend: Mapped[float | None] = mapped_column(Double)  # volume / prior volume - 1
    weekly: Mapped[list[int]] = mapped_column(ARRAY(Integer))  # the last 13 weeks, oldest first
    score: Mapped[float | None] = mapped_column(Double)
    tier: Mapped[str | None] = mapped_column(String(1))
    segment: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    # Score inputs, trailing 12 months.
    year_volume: Mapped[int] = mapped_column(Integer)
    year_conversion: Mapped[float | None] = mapped_column(Double)
    growth: Mapped[float | None] = mapped_column(Double)
    strategic_share: Mapped[float | None] = mapped_column(Double)

    __table_args__ = (Index("ix_referrer_figures_kind_volume", "subject_kind", "volume"),)


class CoolingEpisode(IdMixin, Base):
    """A stretch of time a referrer sends fewer referrals than its own history predicts."""

    __tablename__ = "cooling_episodes"

    provider_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Double)
    baseline: Mapped[float] = mapped_column(Double)
    seasonal_factor: Mapped[float] = mapped_column(Double)
    threshold: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("tasks.id"))

    __table_args__ = (
        # At most one open episode per referrer, whatever races the job.
        Index("uq_cooling_episodes_open", "provider_id", unique=True, postgresql_where="closed_on IS NULL"),
    )


class ReferrerOwner(TimestampMixin, Base):
    """The liaison who owns a referrer (their territory)."""

    __tablename__ = "referrer_owners"

    provider_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    liaison_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), index=True)


class Program(IdMixin, TimestampMixin, Base):
    __tablename__ = "programs"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class ProgramCost(IdMixin, TimestampMixin, Base):
    __tablename__ = "program_costs"

    program_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("programs.id"), index=True)
    incurred_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[str | None] = mapped_column(String(300))


class Touchpoint(IdMixin, TimestampMixin, Base):
    __tablename__ = "touchpoints"

    provider_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("organizations.id"))
    liaison_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    program_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("programs.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(300))
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    task_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("tasks.id"))

    __table_args__ = (
        Index("ix_touchpoints_provider_at", "provider_id", "occurred_at"),
        Index("ix_touchpoints_organization_at", "organization_id", "occurred_at"),
    )
