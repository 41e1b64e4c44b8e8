import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.db import Base


def _span(later: str, earlier: str, unit_seconds: int) -> str:
    return f"date_part('epoch', {later} - {earlier}) / {unit_seconds}"


class ReferralFact(Base):
    """One narrow row per referral with everything the summary reads, appointment outcomes included.

    Written only by database triggers on referrals and appointments (migration
    `2026-11-23_analytics_facts`), in the same transaction as the change, so figures are never stale.
    The summary scans ~100 bytes per referral here instead of a wide referral row (sealed patient
    fields) plus a lookup into appointments for each one.
    """

    __tablename__ = "analytics_referral_facts"

    referral_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    referring_provider_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    referring_organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    service_line: Mapped[str] = mapped_column(String(100))
    location_preference: Mapped[str | None] = mapped_column(String(200))
    payer_class: Mapped[str | None] = mapped_column(String(32))
    source_channel: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(String(32))
    first_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Start of the referral's first booked appointment: the earliest created, whatever became of it.
    first_appointment_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    noshow_appointments: Mapped[int] = mapped_column(Integer, server_default="0")
    fulfilled_appointments: Mapped[int] = mapped_column(Integer, server_default="0")

    # The durations the percentiles sort, computed once per write rather than per row on every read.
    contact_hours: Mapped[float | None] = mapped_column(
        Double, Computed(_span("first_contact_at", "received_at", 3600))
    )
    appointment_days: Mapped[float | None] = mapped_column(
        Double, Computed(_span("first_appointment_start", "received_at", 86400))
    )
    closure_hours: Mapped[float | None] = mapped_column(Double, Computed(_span("closed_at", "completed_at", 3600)))

    __table_args__ = (
        # The period is always a received_at range; each common filter leads its own index.
        Index("ix_analytics_referral_facts_received", "received_at"),
        Index("ix_analytics_referral_facts_referrer_received", "referring_provider_id", "received_at"),
        Index("ix_analytics_referral_facts_org_received", "referring_organization_id", "received_at"),
        Index("ix_analytics_referral_facts_line_received", "service_line", "received_at"),
    )


class DailyRollup(Base):
    """The summary's additive figures per UTC day, status and reason, for all referrals and for each value
    of each single filter (`dimension` names the facts column, `value` its value; "all" has ""), and for
    each pair of the low-cardinality filters (migration `analytics_pairs`; see analytics.spreads.dimension).

    Keyed by one filter or one pair at a time, a day holds a few dozen rows per value however many referrals
    arrive, so a year unfiltered or under one filter sums a few thousand rows. Written as signed
    deltas by a row trigger on analytics_referral_facts (migration `analytics_rollups`): a fact that
    changes (a status, a backdated received_at) adds -1 rows for what it was and +1 rows for what it
    is, in the same transaction, and nothing is updated in place, so concurrent writers never wait on
    a shared counter. `analytics_rollup_compact()` (a worker job) folds the deltas into one row per key.
    """

    __tablename__ = "analytics_daily_rollup"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(String(32))
    referrals: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    noshows: Mapped[int] = mapped_column(Integer)
    fulfilled: Mapped[int] = mapped_column(Integer)
    compacted: Mapped[bool] = mapped_column(Boolean, server_default="false")

    __table_args__ = (
        Index("ix_analytics_daily_rollup_dimension_value_day", "dimension", "value", "day"),
        # What the compaction has still to fold.
        Index("ix_analytics_daily_rollup_fresh", "id", postgresql_where=text("NOT compacted")),
    )


class DailyReferrerRollup(Base):
    """Referrals and conversions per UTC day and referring provider, for all referrals and for each single
    filter value and pair, as deltas like DailyRollup: the top referrers of a period."""

    __tablename__ = "analytics_daily_referrers"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    day: Mapped[date] = mapped_column(Date)
    referring_provider_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    referrals: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    compacted: Mapped[bool] = mapped_column(Boolean, server_default="false")

    __table_args__ = (
        # Covering: a year unfiltered is some 75,000 rows, read from the index alone.
        Index(
            "ix_analytics_daily_referrers_dimension_value_day",
            "dimension",
            "value",
            "day",
            postgresql_include=["referring_provider_id", "referrals", "completed"],
        ),
        Index("ix_analytics_daily_referrers_fresh", "id", postgresql_where=text("NOT compacted")),
    )


class DailySpread(Base):
    """Each UTC day's durations per filter value, for the summary's medians and p90s (a sum cannot give them).

    Keys as DailyRollup, plus each referring provider and organization. The durations are the facts'
    own doubles, packed big-endian (`float8send`), in no order. SLA attainment rides along: like a
    median, "still running past its due time" is no sum a delta could keep. Rebuilt by `analytics_spreads_refresh()`
    for the days that analytics_spread_marks names (migration `analytics_spreads`); a reader takes a
    marked day from the facts instead, so what it reports is never stale.
    """

    __tablename__ = "analytics_daily_spreads"

    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    contact_hours: Mapped[bytes | None] = mapped_column(LargeBinary)
    appointment_days: Mapped[bytes | None] = mapped_column(LargeBinary)
    closure_hours: Mapped[bytes | None] = mapped_column(LargeBinary)
    # SLA attainment per milestone over the day's referrals with a clock: reached in time, reached, and
    # the due times (epoch microseconds, big-endian int8) of those still running, which count once past.
    first_contact_met: Mapped[int] = mapped_column(Integer)
    first_contact_reached: Mapped[int] = mapped_column(Integer)
    first_contact_due: Mapped[bytes | None] = mapped_column(LargeBinary)
    scheduled_met: Mapped[int] = mapped_column(Integer)
    scheduled_reached: Mapped[int] = mapped_column(Integer)
    scheduled_due: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Reminder channels over the day's appointments: {channel: [appointments, confirmed, no-shows, ended]}.
    reminder_channels: Mapped[dict[str, list[int]] | None] = mapped_column(JSONB)

    __table_args__ = (Index("ix_analytics_daily_spreads_day", "day"),)


class SpreadMark(Base):
    """A UTC day whose facts changed since its spreads were built; written by a trigger on the facts."""

    __tablename__ = "analytics_spread_marks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)


class PackCode(Base):
    """A small integer for each text a pack names (a service line, a status, a provider id, a channel)."""

    __tablename__ = "analytics_pack_codes"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("value", name="uq_analytics_pack_codes_value"),)


class FactPack(Base):
    """One UTC day's facts for all referrals (`all`) or one value of one filter (`dimension` names the facts
    column), packed column by column in referral order (migration `analytics_packs`), for combinations of
    filters no daily key answers: a reader takes its narrowest filter's packs, the arrays it needs, and
    filters them in memory (analytics.packs).

    Coded columns hold codes of analytics_pack_codes (0 for NULL), and `noshows` and `fulfilled` counts:
    whole numbers, big-endian and signed, each array at the width (1, 2 or 4 bytes) its row's values fit
    (migration `analytics_narrow_packs`). `flags` (int2 per fact): bit 0 completed, 1 closed, 2-4 whether
    each duration exists, 5-6 and 7-8 the SLA milestones (0 no clock, 1 missed, 2 met, 3 running).
    Durations (float8) and running milestones' due times (int8 epoch microseconds) are packed only for the
    facts that have them; `reminders` holds, after a byte naming their width, records per fact and channel:
    the fact's place, the channel's code, appointments, confirmed, no-shows, ended.
    """

    __tablename__ = "analytics_fact_packs"

    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    facts: Mapped[int] = mapped_column(Integer)
    line: Mapped[bytes] = mapped_column(LargeBinary)
    location: Mapped[bytes] = mapped_column(LargeBinary)
    payer: Mapped[bytes] = mapped_column(LargeBinary)
    channel: Mapped[bytes] = mapped_column(LargeBinary)
    urgency: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    provider: Mapped[bytes] = mapped_column(LargeBinary)
    organization: Mapped[bytes] = mapped_column(LargeBinary)
    flags: Mapped[bytes] = mapped_column(LargeBinary)
    noshows: Mapped[bytes] = mapped_column(LargeBinary)
    fulfilled: Mapped[bytes] = mapped_column(LargeBinary)
    contact_hours: Mapped[bytes] = mapped_column(LargeBinary)
    appointment_days: Mapped[bytes] = mapped_column(LargeBinary)
    closure_hours: Mapped[bytes] = mapped_column(LargeBinary)
    first_contact_due: Mapped[bytes] = mapped_column(LargeBinary)
    scheduled_due: Mapped[bytes] = mapped_column(LargeBinary)
    reminders: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_analytics_fact_packs_day", "day"),)


class PackMark(Base):
    """A UTC day whose facts, clocks or appointments changed since its packs were built."""

    __tablename__ = "analytics_pack_marks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
