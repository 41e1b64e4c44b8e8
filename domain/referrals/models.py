import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.referrals.enums import (
    AppointmentStatus,
    EventKind,
    PayerClass,
    ReferralSource,
    ReferralStatus,
    SourceChannel,
    Urgency,
)
from domain.shared.clock import utcnow
from domain.shared.crypto import Encrypted, EncryptedDate, EncryptedJSON
from domain.shared.db import Base
from domain.shared.models import IdMixin, TimestampMixin, VersionMixin, enum_type

PATIENT_FIELDS = ("given_name", "family_name", "birth_date", "sex", "phone", "email", "address", "mrn", "notes")


def _phi(column: str) -> Encrypted:
    return Encrypted(f"referrals.{column}")


def _milestone() -> Mapped[datetime | None]:
    return mapped_column(DateTime(timezone=True))


class Referral(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "referrals"

    # Where it came from. A resent referral carries the same pair and is the same referral.
    source_system: Mapped[str | None] = mapped_column(String(200))
    source_identifier: Mapped[str | None] = mapped_column(String(200))
    source_channel: Mapped[SourceChannel] = mapped_column(enum_type(SourceChannel))
    referral_source: Mapped[ReferralSource] = mapped_column(enum_type(ReferralSource))

    # The patient. Every field is sealed; lookups go through the blind indexes.
    patient_given_name: Mapped[str] = mapped_column(_phi("patient_given_name"))
    patient_family_name: Mapped[str] = mapped_column(_phi("patient_family_name"))
    patient_birth_date: Mapped[date] = mapped_column(EncryptedDate("referrals.patient_birth_date"))
    patient_sex: Mapped[str | None] = mapped_column(_phi("patient_sex"))
    patient_phone: Mapped[str | None] = mapped_column(_phi("patient_phone"))
    patient_email: Mapped[str | None] = mapped_column(_phi("patient_email"))
    patient_address: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("referrals.patient_address"))
    patient_mrn: Mapped[str | None] = mapped_column(_phi("patient_mrn"))
    patient_notes: Mapped[str | None] = mapped_column(_phi("patient_notes"))
    patient_mrn_index: Mapped[str | None] = mapped_column(String(64), index=True)
    patient_name_dob_index: Mapped[str] = mapped_column(String(64), index=True)
    # Search (domain/referrals/indexes.py): folded surname, folded surname + birth date, E.164 phone.
    # Nullable so rows written before these existed are found and filled by `refloop reindex`.
    patient_surname_index: Mapped[str | None] = mapped_column(String(64), index=True)
    patient_surname_dob_index: Mapped[str | None] = mapped_column(String(64), index=True)
    patient_phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # The short reference messages show ("R-" and the id's last 8 hex digits), kept to find a referral by it.
    reference_key: Mapped[str] = mapped_column(String(8), Computed("right((id)::text, 8)", persisted=True), index=True)

    referring_provider_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"))
    referring_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id")
    )
    receiving_provider_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("providers.id"), index=True
    )

    service_line: Mapped[str] = mapped_column(String(100))
    specialty_code: Mapped[str | None] = mapped_column(String(20))
    specialty_display: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[Urgency] = mapped_column(enum_type(Urgency), default=Urgency.routine)
    reason: Mapped[str | None] = mapped_column(_phi("reason"))
    icd10_codes: Mapped[list[str]] = mapped_column(ARRAY(String(10)), default=list, server_default="{}")
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payer_class: Mapped[PayerClass | None] = mapped_column(enum_type(PayerClass))
    location_preference: Mapped[str | None] = mapped_column(String(200))

    status: Mapped[ReferralStatus] = mapped_column(enum_type(ReferralStatus), default=ReferralStatus.received)
    status_reason: Mapped[str | None] = mapped_column(String(32))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    queue: Mapped[str | None] = mapped_column(String(100))

    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_contact_at: Mapped[datetime | None] = _milestone()
    needs_info_at: Mapped[datetime | None] = _milestone()
    accepted_at: Mapped[datetime | None] = _milestone()
    scheduled_at: Mapped[datetime | None] = _milestone()
    completed_at: Mapped[datetime | None] = _milestone()
    closed_at: Mapped[datetime | None] = _milestone()
    declined_at: Mapped[datetime | None] = _milestone()
    cancelled_at: Mapped[datetime | None] = _milestone()
    no_show_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # FHIR: the SMART client (ehr_clients.client_id) that sent it; its EHR hears about every change.
    fhir_client: Mapped[str | None] = mapped_column(String(100), ForeignKey("ehr_clients.client_id"))
    # FHIR: the ServiceRequest as received (what the mapping could not place is kept here),
    # and other resources that came in the same transaction. Deferred: only the facade reads them.
    fhir_resource: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("referrals.fhir_resource"), deferred=True, deferred_raiseload=True
    )
    fhir_related: Mapped[list[dict[str, Any]] | None] = mapped_column(
        EncryptedJSON("referrals.fhir_related"), deferred=True, deferred_raiseload=True
    )

    # Possible duplicate (domain/referrals/duplicates.py): set at intake while a pair with another
    # referral of the same patient and service line waits for staff; the reason names no patient value.
    possible_duplicate: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    duplicate_reason: Mapped[str | None] = mapped_column(String(300))
    # A merged referral stays, with its history, as a pointer to the one that survived it.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"), index=True)
    merged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def patient(self) -> dict[str, Any]:
        return {name: getattr(self, f"patient_{name}") for name in PATIENT_FIELDS}

    __table_args__ = (
        UniqueConstraint("source_system", "source_identifier"),
        # Each list filter pairs with the default sort (newest first) so a page is an index range scan.
        Index("ix_referrals_received_at_id", "received_at", "id"),
        Index("ix_referrals_status_received", "status", "received_at", "id"),
        Index("ix_referrals_status_service_line_received", "status", "service_line", "received_at", "id"),
        Index("ix_referrals_referrer_received", "referring_provider_id", "received_at"),
        Index("ix_referrals_org_received", "referring_organization_id", "received_at"),
        Index("ix_referrals_service_line_received", "service_line", "received_at"),
        Index("ix_referrals_assignee_status", "assignee_id", "status"),
        Index("ix_referrals_possible_duplicate", "received_at", "id", postgresql_where="possible_duplicate"),
    )


class ReferralEvent(IdMixin, Base):
    """One line of a referral's append-only timeline."""

    __tablename__ = "referral_events"

    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    from_status: Mapped[ReferralStatus | None] = mapped_column(enum_type(ReferralStatus, name="from_status"))
    to_status: Mapped[ReferralStatus | None] = mapped_column(enum_type(ReferralStatus, name="to_status"))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Encrypted("referral_events.note"))
    # What a needs-info request asks the referrer for; sealed, since free text may name the patient.
    missing_items: Mapped[list[str] | None] = mapped_column(EncryptedJSON("referral_events.missing_items"))
    # Names of changed fields and ids of related rows; never patient values.
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")

    __table_args__ = (Index("ix_referral_events_referral_at", "referral_id", "at"),)


class Appointment(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "appointments"

    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"), index=True)
    status: Mapped[AppointmentStatus] = mapped_column(enum_type(AppointmentStatus), default=AppointmentStatus.booked)
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"))
    location: Mapped[str | None] = mapped_column(String(200))
    source_system: Mapped[str | None] = mapped_column(String(200))
    source_identifier: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # FHIR: the Appointment as last received, kept for what the columns do not hold.
    fhir_resource: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("appointments.fhir_resource"), deferred=True, deferred_raiseload=True
    )

    __table_args__ = (UniqueConstraint("source_system", "source_identifier"),)


class ReferralDuplicate(IdMixin, Base):
    """Two referrals that look like one: same patient (blind indexes), same service line, close in time.

    One row per pair, the lower id first. `status` is open until staff decide: linked (both kept,
    related), dismissed (not a duplicate), merged (one folded into the other)."""

    __tablename__ = "referral_duplicates"

    first_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"))
    second_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("referrals.id"), index=True)
    # What matched (name_birth_date, mrn) and the sentence staff read; never a patient value.
    matched: Mapped[list[str]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (
        UniqueConstraint("first_id", "second_id"),
        CheckConstraint("first_id < second_id", name="ordered"),
        CheckConstraint("status IN ('open', 'linked', 'dismissed', 'merged')", name="status"),
    )


class DuplicateSettings(VersionMixin, Base):
    """The one row of the duplicate policy; without it the defaults in domain/referrals/duplicates.py apply."""

    __tablename__ = "duplicate_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean)
    window_days: Mapped[int] = mapped_column(Integer)
    same_channel: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
