import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StringConstraints, field_validator, model_validator

from domain.referrals.enums import (
    AppointmentStatus,
    ContactOutcome,
    EventKind,
    PayerClass,
    ReferralSource,
    ReferralStatus,
    Sex,
    SourceChannel,
    Urgency,
)
from domain.shared.clock import utcnow
from domain.shared.phones import PhoneNumber
from domain.shared.schemas import IsoDate, Schema, UtcDateTime

Icd10 = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
]
NuccCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{3}[0-9A-Z]{6}X$")]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > utcnow().date():
        raise ValueError(f"Birth date {value.isoformat()} is in the future.")
    return value


class Address(Schema):
    line: list[Text200] = Field(default_factory=list, max_length=4)
    city: Text100 | None = None
    state: Text100 | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: Text100 | None = None


class PatientUpdate(Schema):
    given_name: Text100 | None = None
    family_name: Text100 | None = None
    birth_date: IsoDate | None = None
    sex: Sex | None = None
    phone: PhoneNumber | None = Field(default=None, description="Any usual spelling; stored in E.164 (US by default).")
    email: EmailStr | None = None
    address: Address | None = None
    mrn: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = Field(
        default=None, description="Medical record number at the referring site."
    )
    notes: Annotated[str, StringConstraints(max_length=4000)] | None = None

    _birth_date = field_validator("birth_date")(_not_in_future)


class PatientCreate(PatientUpdate):
    given_name: Text100
    family_name: Text100
    birth_date: IsoDate


class Patient(Schema):
    """The patient block as read back; phone as stored (older rows predate the phone rules)."""

    given_name: str
    family_name: str
    birth_date: IsoDate
    sex: Sex | None = None
    phone: str | None = None
    email: str | None = None
    address: Address | None = None
    mrn: str | None = None
    notes: str | None = None


class ReferralUpdate(Schema):
    """Every field optional: send only what changes."""

    patient: PatientUpdate | None = None
    referring_provider_id: uuid.UUID | None = None
    referring_organization_id: uuid.UUID | None = None
    receiving_provider_id: uuid.UUID | None = None
    service_line: Text100 | None = None
    specialty_code: NuccCode | None = Field(default=None, description="NUCC taxonomy code of the specialty wanted.")
    specialty_display: Text200 | None = None
    urgency: Urgency | None = None
    reason: Annotated[str, StringConstraints(max_length=4000)] | None = None
    icd10_codes: list[Icd10] | None = Field(default=None, max_length=12)
    payer_name: Text200 | None = None
    payer_class: PayerClass | None = None
    location_preference: Text200 | None = None
    referral_source: ReferralSource | None = None
    assignee_id: uuid.UUID | None = None
    queue: Text100 | None = None


class ReferralCreate(ReferralUpdate):
    patient: PatientCreate
    service_line: Text100 = Field(description="Service line asked for, e.g. cardiology, orthopedics.")
    urgency: Urgency = Urgency.routine
    icd10_codes: list[Icd10] = Field(default_factory=list, max_length=12)
    referral_source: ReferralSource = Field(description="Who sent the patient: a physician, a hospital, the patient...")
    source_channel: SourceChannel = SourceChannel.staff
    source_system: Text200 | None = Field(default=None, description="System that issued `source_identifier`.")
    source_identifier: Text200 | None = Field(
        default=None, description="The sender's id; a resend with the same pair is the same referral."
    )
    received_at: UtcDateTime | None = Field(default=None, description="When the referral arrived; defaults to now.")

    @model_validator(mode="after")
    def _source_pair(self) -> "ReferralCreate":
        if (self.source_system is None) != (self.source_identifier is None):
            raise ValueError("Source system and source identifier go together: give both or neither.")
        if self.received_at is not None and self.received_at > utcnow():
            raise ValueError(f"Received time {self.received_at.isoformat()} is in the future.")
        return self


class Referral(Schema):
    id: uuid.UUID
    version: int
    status: ReferralStatus
    status_reason: str | None
    patient: Patient
    referring_provider_id: uuid.UUID | None
    referring_organization_id: uuid.UUID | None
    receiving_provider_id: uuid.UUID | None
    service_line: str
    specialty_code: str | None
    specialty_display: str | None
    urgency: Urgency
    reason: str | None
    icd10_codes: list[str]
    payer_name: str | None
    payer_class: PayerClass | None
    location_preference: str | None
    source_channel: SourceChannel
    referral_source: ReferralSource
    source_system: str | None
    source_identifier: str | None
    assignee_id: uuid.UUID | None
    queue: str | None
    no_show_count: int
    received_at: UtcDateTime
    first_contact_at: UtcDateTime | None
    needs_info_at: UtcDateTime | None
    accepted_at: UtcDateTime | None
    scheduled_at: UtcDateTime | None
    completed_at: UtcDateTime | None
    closed_at: UtcDateTime | None
    declined_at: UtcDateTime | None
    cancelled_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    possible_duplicate: bool = Field(
        description="Another referral of the same patient and service line came in "
        "close by and waits for staff to link, merge or dismiss it."
    )
    duplicate_reason: str | None = Field(description="Why it was flagged (what matched, days apart, channels).")
    merged_into_id: uuid.UUID | None = Field(
        description="Set when this referral was merged, as a duplicate, into that one; it then changes no more."
    )
    merged_at: UtcDateTime | None


class ReferralListItem(Referral):
    """A referral as the list shows it: with the due time a work queue sorts and flags by."""

    first_contact_due_at: UtcDateTime | None = Field(
        description="When first contact is due under the referral's SLA clock (the urgency's business-time "
        "target), while that milestone runs; past it, the referral is overdue. Null once first contact is "
        "made or the referral scheduled, while the clock is paused (needs_info), once it stopped, and for a "
        "referral without a clock (imported history)."
    )


class StatusCounts(Schema):
    counts: dict[ReferralStatus, int] = Field(description="Every status, with 0 where none.")
    total: int


class SearchHit(Schema):
    referral: Referral
    matched: list[str] = Field(
        description="What the text matched: referral_id, reference, mrn, surname, "
        "surname_birth_date, phone, referrer_name, referrer_npi."
    )
    referrer_name: str | None = Field(description="The referring provider, with NPI when known.")


class SearchResults(Schema):
    items: list[SearchHit]
    more: bool = Field(description="More referrals matched than shown (newest first): narrow the search.")


class TransitionRequest(Schema):
    to: ReferralStatus
    reason: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None,
        description="Required for declined, cancelled, scheduled -> accepted, and reopening (declined or "
        "cancelled -> received); see the lifecycle.",
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    missing_items: list[Text200] | None = Field(
        default=None,
        max_length=20,
        description="Only with `to: needs_info`: what the referrer is asked for, one item each; "
        "the referrer's message lists them.",
    )

    @model_validator(mode="after")
    def _checklist_only_for_needs_info(self) -> "TransitionRequest":
        if self.missing_items and self.to is not ReferralStatus.needs_info:
            raise ValueError(f"missing_items go only with a move to needs_info, not to {self.to.value}")
        return self


class ContactAttemptCreate(Schema):
    channel: Annotated[str, StringConstraints(pattern=r"^(phone|sms|email|letter|portal)$")] = Field(
        description="phone (a call), sms (a text), email, letter or portal."
    )
    outcome: ContactOutcome | None = Field(
        default=None, description="reached, voicemail, wrong_number or no_answer; `reached` follows from it."
    )
    reached: bool | None = Field(default=None, description="Whether the patient was reached (or send `outcome`).")
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _outcome_or_reached(self) -> "ContactAttemptCreate":
        if self.outcome is None and self.reached is None:
            raise ValueError("say how it went: send outcome (reached, voicemail, wrong_number, no_answer)")
        if self.outcome is not None:
            implied = self.outcome is ContactOutcome.reached
            if self.reached is not None and self.reached != implied:
                raise ValueError(f"reached={self.reached} contradicts outcome {self.outcome.value}")
            self.reached = implied
        return self


class NoteCreate(Schema):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] = Field(
        description="Shown on the referral's timeline; stored encrypted."
    )


class ReferralEvent(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    at: UtcDateTime
    actor: str
    kind: EventKind
    from_status: ReferralStatus | None
    to_status: ReferralStatus | None
    reason: str | None
    note: str | None
    missing_items: list[str] | None = None
    detail: dict[str, Any]


class AppointmentUpdate(Schema):
    status: AppointmentStatus | None = None
    start: UtcDateTime | None = None
    end: UtcDateTime | None = None
    provider_id: uuid.UUID | None = None
    location: Text200 | None = None
    cancel_reason: Text200 | None = None


class AppointmentCreate(Schema):
    referral_id: uuid.UUID
    start: UtcDateTime
    end: UtcDateTime | None = None
    provider_id: uuid.UUID | None = None
    location: Text200 | None = None
    source_system: Text200 | None = None
    source_identifier: Text200 | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "AppointmentCreate":
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Appointment(Schema):
    id: uuid.UUID
    version: int
    referral_id: uuid.UUID
    status: AppointmentStatus
    start: UtcDateTime
    end: UtcDateTime | None
    provider_id: uuid.UUID | None
    location: str | None
    cancel_reason: str | None
    source_system: str | None
    source_identifier: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class PossibleDuplicate(Schema):
    referral: Referral = Field(description="The other referral of the pair.")
    status: Literal["open", "linked", "dismissed", "merged"] = Field(
        description="open: waits for staff; linked: both kept, related; dismissed: not a duplicate; merged."
    )
    matched: list[str] = Field(description="What matched: name_birth_date, mrn (keyed indexes, never values).")
    reason: str
    found_at: UtcDateTime
    decided_at: UtcDateTime | None
    decided_by: str | None


class DuplicatePolicyIn(Schema):
    enabled: bool = Field(description="Flag possible duplicates at intake.")
    window_days: int = Field(ge=1, le=365, description="How many days apart two referrals may arrive and be flagged.")
    same_channel: bool = Field(
        description="Also flag repeats through the same channel (by default only "
        "another channel counts, e.g. a fax and an EHR push)."
    )


class DuplicatePolicy(DuplicatePolicyIn):
    version: int
