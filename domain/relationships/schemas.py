import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from domain.referrals.enums import PayerClass
from domain.shared.schemas import Schema, UtcDateTime


class ImportSummary(Schema):
    import_id: str | None
    file_hash: str
    rows: int
    loaded: int
    skipped: int
    already_imported: bool


class Figures(Schema):
    """Figures over referrals received in the period (DESIGN.md definitions); a rate is null when nothing
    was received (or, for loop closure, nothing completed)."""

    volume: int
    prior_volume: int | None = Field(None, description="Volume in the period of the same length just before.")
    conversion_rate: float | None
    median_days_to_appointment: float | None
    leakage_rate: float | None
    loop_closure_rate: float | None
    revenue: float
    trend: float | None = Field(None, description="volume / prior_volume - 1; null when the prior period had none.")


class Standing(Schema):
    """As of `as_of`: the trailing-12-month score and tier, the segment, the cooling flag."""

    as_of: date | None
    score: float | None
    tier: str | None
    segment: str | None
    cooling: bool
    weekly: list[int] = Field(description="Referrals received in each of the last 13 weeks, oldest first.")


class ReferrerRow(Figures, Standing):
    provider_id: uuid.UUID
    name: str
    npi: str | None
    specialty: str | None
    organization_id: uuid.UUID | None
    organization_name: str | None
    last_touchpoint_at: UtcDateTime | None
    owner_liaison_id: uuid.UUID | None
    owner_liaison_name: str | None


class OrganizationRow(Figures, Standing):
    organization_id: uuid.UUID
    name: str


class ScorecardPoint(Figures):
    month: date


class Scorecard(Schema):
    provider_id: uuid.UUID
    name: str
    start: UtcDateTime = Field(alias="from")
    end: UtcDateTime = Field(alias="to")
    figures: Figures
    standing: Standing
    series: list[ScorecardPoint]
    owner_liaison_id: uuid.UUID | None = Field(None, description="The liaison who owns the referrer.")
    owner_liaison_name: str | None = None


class ConcentrationReferrer(Schema):
    provider_id: uuid.UUID
    name: str
    volume: int
    cumulative_share: float


class Concentration(Schema):
    start: UtcDateTime = Field(alias="from")
    end: UtcDateTime = Field(alias="to")
    volume: int = Field(description="Referrals in the period with a referring provider.")
    referrers: int = Field(description="Referrers who sent at least one in the period.")
    active_referrers: int = Field(description="Referrers with at least one referral in the 365 days before `to`.")
    top_count: int = Field(description="The fewest referrers whose referrals make up at least 80% of the volume.")
    top_share_of_active: float | None
    top: list[ConcentrationReferrer]


Weight = Annotated[float, Field(ge=0, le=1)]


class ScoreWeights(Schema):
    volume: Weight
    conversion: Weight
    growth: Weight
    strategic: Weight

    @model_validator(mode="after")
    def _sum_to_one(self) -> "ScoreWeights":
        total = self.volume + self.conversion + self.growth + self.strategic
        if abs(total - 1) > 1e-6:
            raise ValueError(f"the weights must sum to 1 (they sum to {total:g})")
        return self


ServiceLine = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]+$")]


class RelationshipSettingsIn(Schema):
    weights: ScoreWeights
    strategic_service_lines: Annotated[list[ServiceLine], Field(max_length=100)]

    @field_validator("strategic_service_lines")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class RelationshipSettingsOut(RelationshipSettingsIn):
    version: int


class FeeEntry(Schema):
    service_line: ServiceLine
    payer_class: PayerClass
    amount: Annotated[float, Field(ge=0, le=10_000_000)]


class FeeSchedule(Schema):
    entries: Annotated[list[FeeEntry], Field(max_length=2000)]

    @field_validator("entries")
    @classmethod
    def _one_per_pair(cls, value: list[FeeEntry]) -> list[FeeEntry]:
        pairs = [(e.service_line, e.payer_class) for e in value]
        if len(set(pairs)) != len(pairs):
            raise ValueError("a service line and payer class pair is listed twice")
        return value


TouchpointKind = Literal["visit", "call", "email", "lunch_and_learn", "event", "note"]
Text300 = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00]*$")]


class TouchpointCreate(Schema):
    provider_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    occurred_at: UtcDateTime | None = Field(None, description="Default: now.")
    kind: TouchpointKind
    program_id: uuid.UUID | None = None
    notes: Annotated[str, Field(max_length=4000, pattern=r"^[^\x00]*$")] | None = None
    outcome: Text300 | None = None
    follow_up_on: date | None = Field(None, description="Creates a follow-up task for the liaison, due that day.")

    @model_validator(mode="after")
    def _someone(self) -> "TouchpointCreate":
        if self.provider_id is None and self.organization_id is None:
            raise ValueError("give provider_id or organization_id: whom the touchpoint was with")
        return self


class Touchpoint(Schema):
    id: uuid.UUID
    provider_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    liaison_id: uuid.UUID
    occurred_at: UtcDateTime
    kind: str
    program_id: uuid.UUID | None
    notes: str | None
    outcome: str | None
    follow_up_on: date | None
    task_id: uuid.UUID | None
    created_at: UtcDateTime


class TimelineItem(Schema):
    at: UtcDateTime
    kind: Literal["referral_received", "touchpoint", "message", "loop_closure"]
    id: uuid.UUID
    summary: str
    detail: dict[str, Any]


class OwnerAssignment(Schema):
    liaison_id: uuid.UUID | None = Field(description="The liaison who owns this referrer; null to unassign.")


class ProgramCreate(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
    description: Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")] | None = None


class Program(ProgramCreate):
    id: uuid.UUID
    created_at: UtcDateTime


class ProgramCostCreate(Schema):
    incurred_on: date
    amount: Annotated[float, Field(gt=0, le=10_000_000)]
    note: Text300 | None = None


class ProgramCost(ProgramCostCreate):
    id: uuid.UUID
    program_id: uuid.UUID


class RoiRow(Schema):
    program_id: uuid.UUID
    name: str
    cost: float
    attributed_referrals: int
    attributed_revenue: float
    roi: float | None = Field(description="(attributed revenue - cost) / cost; null without cost.")


class Roi(Schema):
    start: UtcDateTime = Field(alias="from")
    end: UtcDateTime = Field(alias="to")
    programs: list[RoiRow]


class CoolingAlert(Schema):
    episode_id: uuid.UUID
    provider_id: uuid.UUID
    name: str
    owner_liaison_id: uuid.UUID | None
    opened_on: date
    observed: int = Field(description="Referrals in the last 8 weeks when the episode opened.")
    expected: float = Field(description="8 x baseline x seasonal factor.")
    baseline: float = Field(description="Referrals a week over the 26 weeks ending 8 weeks before.")
    seasonal_factor: float
    threshold: int = Field(description="The 5th percentile of Poisson(expected); below it is cooling.")
    task_id: uuid.UUID | None


class PracticeReport(Schema):
    organization_id: uuid.UUID
    name: str
    month: date
    referrals_sent: int = Field(description="Referrals from the practice received in the month.")
    patients_seen: int = Field(description="Referrals from the practice that reached completed in the month.")
    median_days_to_appointment: float | None = Field(description="Over the month's referrals that have one.")
    loop_closure_notes_sent: int = Field(description="Referrals closed (visit summary delivered) in the month.")
    opted_out: bool = Field(description="The practice asked not to receive the report: it is not sent.")
    channel: Literal["email", "sms"] | None = Field(
        description="How the report goes out: the preferred method when the practice has an address for it; null "
        "when it has neither an email address nor a text number (the report cannot be sent)."
    )
    text: str


class MonthlyReportOptOut(Schema):
    opted_out: bool = Field(description="true: the practice receives no monthly report; false: it does again.")
