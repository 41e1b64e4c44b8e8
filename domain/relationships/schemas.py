import uuid
from datetime import date
from typing import Annotated

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
