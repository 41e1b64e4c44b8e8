"""Journey automation tables: calendars, SLA policies, work queues and each referral's clock."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.crypto import Encrypted
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, VersionMixin
from domain.tasks.models import Task


class BusinessCalendar(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "business_calendars"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["08:00", "17:00"]], ...}; a missing day is closed.
    weekly_hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSONB)
    # [{"start": "2026-12-24", "end": "2026-12-26", "name": "Christmas"}], inclusive local dates.
    holidays: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list, server_default="[]")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The version its open clocks' stored due times follow; behind `version`, the minute's sweep
    # retimes them first (domain/journey/retime.py).
    clocks_timed_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        # At most one default calendar.
        Index("uq_business_calendars_default", "is_default", unique=True, postgresql_where="is_default"),
    )


class SlaPolicy(TimestampMixin, Base):
    """Targets for one urgency; an urgency without a row uses the defaults in domain.journey.sla."""

    __tablename__ = "sla_policies"

    urgency: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_contact_value: Mapped[int] = mapped_column(Integer)
    first_contact_unit: Mapped[str] = mapped_column(String(8))
    scheduled_value: Mapped[int] = mapped_column(Integer)
    scheduled_unit: Mapped[str] = mapped_column(String(8))


class WorkQueue(IdMixin, TimestampMixin, VersionMixin, Base):
    """A named queue (referrals.queue holds its name), its lead, members and calendar."""

    __tablename__ = "work_queues"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("business_calendars.id"))
    # Round-robin position; bumped under the row lock so simultaneous intakes take turns.
    turn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WorkQueueMember(Base):
    __tablename__ = "work_queue_members"

    queue_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("work_queues.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"), primary_key=True, index=True)


class ReferralClock(Base):
    """A referral's SLA clock. Targets come from its urgency's policy, at intake and again whenever the
    urgency changes; pauses accumulate in business seconds.
    The *_due_at columns hold the due time of a milestone still running (NULL once met, stopped
    or paused), so lists and sweeps can filter on them with an index."""

    __tablename__ = "referral_clocks"

    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"), primary_key=True)
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("business_calendars.id"))
    first_contact_target_s: Mapped[int] = mapped_column(Integer)
    scheduled_target_s: Mapped[int] = mapped_column(Integer)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    paused_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_contact_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scheduled_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The earliest running due time and at-risk time: what the work queue sorts and filters on.
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    next_risk_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the milestone is reached: whether it was within its target (SLA attainment).
    first_contact_met: Mapped[bool | None] = mapped_column(Boolean)
    scheduled_met: Mapped[bool | None] = mapped_column(Boolean)
    first_contact_escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scheduled_escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Copies of the referral's owner, openness and urgency, so the work queue is an index range scan
    # ordered by time to breach (kept in step by domain.journey.sla on every move and edit).
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    queue: Mapped[str | None] = mapped_column(String(100))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    urgency_rank: Mapped[int] = mapped_column(Integer, default=3, server_default="3")

    __table_args__ = (
        Index(
            "ix_referral_clocks_assignee_due",
            "assignee_id",
            "next_due_at",
            "urgency_rank",
            "referral_id",
            postgresql_where="is_open",
        ),
        Index(
            "ix_referral_clocks_queue_due",
            "queue",
            "next_due_at",
            "urgency_rank",
            "referral_id",
            postgresql_where="is_open",
        ),
    )


class RoutingRule(IdMixin, TimestampMixin, VersionMixin, Base):
    """First matching active rule (lowest position) puts a new referral in its queue."""

    __tablename__ = "routing_rules"

    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # {"service_line": ["cardiology"], "urgency": ["stat", "asap"], ...}: all listed conditions must hold.
    conditions: Mapped[dict[str, list[str]]] = mapped_column(JSONB)
    queue_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("work_queues.id"))
    strategy: Mapped[str] = mapped_column(String(16))  # round_robin | least_open

    __table_args__ = (Index("ix_routing_rules_position", "position"),)


class CompletenessRule(TimestampMixin, VersionMixin, Base):
    """What a referral for one service line must carry (service_line stored case-folded)."""

    __tablename__ = "completeness_rules"

    service_line: Mapped[str] = mapped_column(String(100), primary_key=True)
    # [{"field": "icd10_codes"}, {"document": "insurance_card"}]
    items: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    remind_every_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    decline_after_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")


class InfoRequest(Base):
    """An open ask for missing items: one per referral while it waits in needs_info."""

    __tablename__ = "referral_info_requests"

    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"), primary_key=True)
    missing: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_reminder_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    decline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(16))  # complete | declined | moved_on | merged


class ReferralDocument(IdMixin, Base):
    """A clinical document. The bytes live sealed in document storage under `storage_key`."""

    __tablename__ = "referral_documents"

    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Encrypted("referral_documents.title"))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # upload | fhir
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The work queue reads a queue's open tasks by due time; the tasks table only indexes them by assignee.
Index("ix_tasks_queue_status_due", Task.queue, Task.status, Task.due_at)


class JourneySettingsToken(Base):
    """One row whose token changes with every change to calendars, policies, queues or rules, so each
    process can keep those in memory and check with one tiny read that they are still current."""

    __tablename__ = "journey_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
