import itertools
import uuid
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from domain.journey.business_time import DEFAULT_HOURS, Weekday, minutes_of
from domain.referrals.enums import PayerClass, SourceChannel, Urgency
from domain.referrals.schemas import NuccCode, Referral, Text200
from domain.shared.schemas import IsoDate, Schema, UtcDateTime

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Unit = Literal["hours", "days"]


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not an IANA time zone, e.g. America/New_York") from exc
    return value


def _spans(value: list[tuple[str, str]]) -> list[tuple[str, str]]:
    minutes = sorted((minutes_of(start), minutes_of(end), start, end) for start, end in value)
    for start, end, a, b in minutes:
        if end <= start:
            raise ValueError(f"{a}-{b}: the end must be after the start")
    for (_, end, a, b), (start, _, c, d) in itertools.pairwise(minutes):
        if start < end:
            raise ValueError(f"{a}-{b} overlaps {c}-{d}")
    return value


Spans = Annotated[list[tuple[str, str]], AfterValidator(_spans)]


class Holiday(Schema):
    start: IsoDate
    end: IsoDate | None = Field(default=None, description="Last day, inclusive; defaults to start.")
    name: Name

    @model_validator(mode="after")
    def _ordered(self) -> "Holiday":
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self

    @property
    def last(self) -> date:
        return self.end or self.start


def _no_overlap(holidays: list[Holiday]) -> list[Holiday]:
    ordered = sorted(enumerate(holidays), key=lambda pair: pair[1].start)
    for (i, a), (j, b) in itertools.pairwise(ordered):
        if b.start <= a.last:
            raise ValueError(
                f"holidays[{j}] ({b.name}, from {b.start}) overlaps holidays[{i}] ({a.name}, {a.start} to {a.last})"
            )
    return holidays


class CalendarWrite(Schema):
    name: Name
    time_zone: Annotated[str, StringConstraints(max_length=64), AfterValidator(_time_zone)]
    weekly_hours: dict[Weekday, Spans] = Field(
        default_factory=lambda: {day: [(start, end) for start, end in spans] for day, spans in DEFAULT_HOURS.items()},
        description="Opening hours per weekday as [start, end] local times (HH:MM); a day left out is closed.",
    )
    holidays: Annotated[list[Holiday], AfterValidator(_no_overlap)] = Field(default_factory=list, max_length=400)
    is_default: bool = False

    @field_validator("weekly_hours")
    @classmethod
    def _opens(cls, value: dict[Weekday, list[tuple[str, str]]]) -> dict[Weekday, list[tuple[str, str]]]:
        if not any(value.values()):
            raise ValueError("a calendar must be open at some time in the week")
        return value


class BusinessCalendar(CalendarWrite):
    id: uuid.UUID
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class Target(Schema):
    value: int = Field(ge=1, le=1000)
    unit: Unit


class SlaPolicyWrite(Schema):
    first_contact: Target
    scheduled: Target


class SlaPolicy(SlaPolicyWrite):
    urgency: Urgency
    is_default: bool = Field(description="True while no admin has changed this urgency's targets.")


class WorkQueueWrite(Schema):
    name: Name
    lead_id: uuid.UUID | None = None
    calendar_id: uuid.UUID | None = None
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class WorkQueue(WorkQueueWrite):
    id: uuid.UUID
    version: int


class MilestoneSla(Schema):
    milestone: Literal["first_contact", "scheduled"]
    state: Literal["on_track", "at_risk", "breached", "met"]
    due_at: UtcDateTime | None = Field(description="Null while the clock is paused (needs_info).")
    business_seconds_left: int = Field(description="Negative once breached.")
    target_business_seconds: int
    paused: bool
    stopped: bool = Field(description="The referral ended (declined or cancelled) before this milestone.")
    reached_at: UtcDateTime | None
    escalated_at: UtcDateTime | None


class ReferralDetail(Referral):
    sla: list[MilestoneSla] = Field(
        default_factory=list, description="Per milestone: due time, business time left, state."
    )
    info_request: "InfoRequestView | None" = Field(
        default=None, description="What the referrer was asked for, while open."
    )


Tier = Literal["A", "B", "C", "D"]
Strategy = Literal["round_robin", "least_open"]


class RoutingConditions(Schema):
    """Each listed condition must hold; within one, any of the values will do."""

    model_config = ConfigDict(extra="forbid")

    service_line: list[Name] | None = Field(default=None, min_length=1, max_length=50)
    specialty_code: list[NuccCode] | None = Field(default=None, min_length=1, max_length=50)
    urgency: list[Urgency] | None = Field(default=None, min_length=1)
    payer_class: list[PayerClass] | None = Field(default=None, min_length=1)
    location: list[Text200] | None = Field(default=None, min_length=1, max_length=50)
    source_channel: list[SourceChannel] | None = Field(default=None, min_length=1)
    referrer_tier: list[Tier] | None = Field(
        default=None, min_length=1, description="The referrer's tier; a referrer with no tier never matches."
    )


class RoutingRuleWrite(Schema):
    name: Name
    position: int = Field(ge=0, le=100_000, description="Rules are tried lowest first; the first match wins.")
    active: bool = True
    conditions: RoutingConditions
    queue_id: uuid.UUID
    strategy: Strategy = "round_robin"

    @field_validator("conditions")
    @classmethod
    def _some(cls, value: RoutingConditions) -> RoutingConditions:
        if not value.model_dump(exclude_none=True):
            raise ValueError(
                "a rule needs at least one condition (a rule for everything would hide the rules after it)"
            )
        return value


class RoutingRule(RoutingRuleWrite):
    id: uuid.UUID
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class RoutingProbe(Schema):
    """The referral fields routing reads; a dry run needs no patient."""

    service_line: Name
    specialty_code: NuccCode | None = None
    urgency: Urgency = Urgency.routine
    payer_class: PayerClass | None = None
    location_preference: Text200 | None = None
    source_channel: SourceChannel = SourceChannel.staff
    referring_provider_id: uuid.UUID | None = None


class RuleEvaluation(Schema):
    rule_id: uuid.UUID
    name: str
    matched: bool
    reasons: list[str]


class DryRunResult(Schema):
    matched_rule_id: uuid.UUID | None
    queue: str | None
    strategy: Strategy | None
    next_assignee_id: uuid.UUID | None = Field(description="Who the rule would assign now (the turn is not taken).")
    evaluations: list[RuleEvaluation] = Field(description="Rules tried, in order, up to the first match.")
    referrer_tier: str | None


class ReapplyRequest(Schema):
    include_assigned: bool = Field(default=False, description="Also move referrals that already have an assignee.")
    limit: int = Field(default=1000, ge=1, le=10_000)


class ReapplyResult(Schema):
    examined: int
    moved: int


DocumentKind = Literal["clinical_note", "imaging_report", "lab_result", "insurance_card", "referral_letter", "other"]


def _known_field(value: str) -> str:
    from domain.journey.completeness_rules import FIELDS

    if value not in FIELDS:
        raise ValueError(f"unknown field path {value!r}; allowed: {', '.join(FIELDS)}")
    return value


class RequiredItem(Schema):
    """Either a referral field (`field`) or a document of a kind (`document`)."""

    model_config = ConfigDict(extra="forbid")

    field: Annotated[str, AfterValidator(_known_field)] | None = None
    document: DocumentKind | None = None

    @model_validator(mode="after")
    def _one(self) -> "RequiredItem":
        if (self.field is None) == (self.document is None):
            raise ValueError("give exactly one of field or document")
        return self


class CompletenessRuleWrite(Schema):
    items: list[RequiredItem] = Field(min_length=1, max_length=30)
    remind_every_days: int = Field(default=2, ge=1, le=30, description="Business days between reminders.")
    decline_after_days: int = Field(
        default=10, ge=1, le=90, description="Business days after the ask before it is declined as incomplete."
    )


class CompletenessRule(CompletenessRuleWrite):
    service_line: str
    version: int
    updated_at: UtcDateTime


class InfoRequestView(Schema):
    missing: list[str]
    requested_at: UtcDateTime
    reminders_sent: int
    next_reminder_at: UtcDateTime | None
    decline_at: UtcDateTime | None


ReferralDetail.model_rebuild()


class Document(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    kind: DocumentKind
    title: str
    content_type: str
    size_bytes: int
    sha256: str
    source: str
    created_by: str
    created_at: UtcDateTime


class WorkItem(Schema):
    type: Literal["referral", "task"]
    id: uuid.UUID
    referral_id: uuid.UUID | None
    label: str = Field(description="Patient (given name, initial) and service line, or the task's title.")
    status: str
    urgency: str = Field(description="A referral's urgency or a task's priority.")
    due_at: UtcDateTime | None = Field(
        description="When the referral's next SLA milestone breaches, or the task is due."
    )
    sla_state: Literal["on_track", "at_risk", "breached", "paused", "met"] | None
    queue: str | None
    assignee_id: uuid.UUID | None
    next_moves: list[str] = Field(description="The status moves open to this referral now; `done` for a task.")


class WorkQueueView(Schema):
    queues: list[str] = Field(description="The queues the signed-in user works from.")
    items: list[WorkItem]
