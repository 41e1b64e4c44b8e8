import uuid
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from domain.identity.schemas import Email, Name
from domain.referrals.enums import EventKind, PayerClass, ReferralStatus
from domain.shared.schemas import Schema, UtcDateTime

MAX_MESSAGE_CHARS = 10_000


class PortalUserCreate(Schema):
    email: Email
    full_name: Name


class PortalUser(Schema):
    id: uuid.UUID
    email: str
    full_name: str
    active: bool
    last_login_at: UtcDateTime | None


class PracticeProvider(Schema):
    id: uuid.UUID
    npi: str | None
    display_name: str


class ThreadPost(Schema):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)] = Field(
        description=f"The message, 1 to {MAX_MESSAGE_CHARS:,} characters."
    )


class ThreadMessage(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    at: UtcDateTime
    side: Literal["practice", "intake"] = Field(description="Who wrote it: the referring practice or the intake team.")
    author_name: str
    body: str


class PortalEvent(Schema):
    """A line of the timeline as the referring practice sees it: no internal notes, no staff names."""

    id: uuid.UUID
    at: UtcDateTime
    kind: EventKind
    from_status: ReferralStatus | None
    to_status: ReferralStatus | None
    reason: str | None
    note: str | None = Field(
        description="Only what was sent to the practice anyway: the visit summary on "
        "completion, the words of a decline."
    )
    missing_items: list[str] | None = None
    appointment_start: UtcDateTime | None = None


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SchedulingContact(Schema):
    name: Line | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: EmailStr | None = None
    hours: Line | None = None


class CatalogEntryUpdate(Schema):
    referral_criteria: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None
    payer_classes: list[PayerClass] = Field(default_factory=list, max_length=20)
    locations: list[Line] = Field(default_factory=list, max_length=50)
    scheduling_contact: SchedulingContact = Field(default_factory=SchedulingContact)


class CatalogEntry(CatalogEntryUpdate):
    service_line: str
    display: str
    specialty_code: str | None
    median_days_to_appointment: float | None = Field(
        description="Median days from receipt to the first booked appointment, over referrals received in the "
        "last 90 days that got one; none when there were none."
    )
    appointments_counted: int = Field(description="How many referrals the median is taken over.")
    updated_at: UtcDateTime | None
