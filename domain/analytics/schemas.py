"""The summary's shape. Every figure follows DESIGN.md "Metric definitions"; units are in the descriptions."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from domain.referrals.enums import PayerClass, ReferralStatus, SourceChannel, Urgency
from domain.shared.schemas import Schema, UtcDateTime


class SummaryGrouping(StrEnum):
    week = "week"
    month = "month"


@dataclass(frozen=True)
class SummaryFilters:
    """Each list narrows to referrals matching any of its values; empty lists do not filter."""

    referring_provider_id: list[uuid.UUID] = field(default_factory=list)
    referring_organization_id: list[uuid.UUID] = field(default_factory=list)
    service_line: list[str] = field(default_factory=list)
    location: list[str] = field(default_factory=list)
    payer_class: list[PayerClass] = field(default_factory=list)
    source_channel: list[SourceChannel] = field(default_factory=list)
    urgency: list[Urgency] = field(default_factory=list)


class MetricRate(Schema):
    count: int = Field(description="Numerator: how many referrals (or appointments) the rate counts.")
    of: int = Field(description="Denominator the rate is taken over.")
    rate: float | None = Field(description="count / of, between 0 and 1; null when `of` is 0.")


class ReasonCount(Schema):
    reason: str
    count: int = Field(description="Referrals received in the period that ended with this reason.")
    rate: float | None = Field(description="count / volume, between 0 and 1; null when volume is 0.")


class MetricDuration(Schema):
    count: int = Field(description="How many referrals the durations are taken over.")
    median: float | None = Field(description="Median (percentile_cont 0.5); null when count is 0.")
    p90: float | None = Field(description="90th percentile (percentile_cont 0.9); null when count is 0.")


class PeriodMetrics(Schema):
    volume: int = Field(description="Referrals received in the period (by received_at).")
    conversion: MetricRate = Field(
        description="Referrals that reached completed (now or later: completed_at is set) / volume."
    )
    leakage: MetricRate = Field(description="Referrals now cancelled / volume.")
    leakage_reasons: list[ReasonCount] = Field(
        description="Cancelled referrals by leakage reason; reasons outside the lifecycle's list count as `other`."
    )
    decline: MetricRate = Field(description="Referrals now declined / volume.")
    decline_reasons: list[ReasonCount] = Field(description="Declined referrals by decline reason.")
    time_to_first_contact_hours: MetricDuration = Field(
        description="Hours from received_at to the first contact attempt (or scheduling), over referrals that have one."
    )
    time_to_appointment_days: MetricDuration = Field(
        description="Days from received_at to the start of the referral's first booked appointment (the earliest "
        "created, whatever became of it later), over referrals that got one."
    )
    no_show: MetricRate = Field(
        description="Appointments of these referrals that ended noshow / those that ended fulfilled or noshow."
    )
    loop_closure: MetricRate = Field(
        description="Referrals closed (loop-closure notice delivered to the referrer) / referrals completed."
    )
    loop_closure_time_hours: MetricDuration = Field(
        description="Hours from completed_at to closed_at (the delivered loop-closure notice), over closed referrals."
    )


class SeriesBucket(PeriodMetrics):
    start: UtcDateTime = Field(description="Start of the week (Monday 00:00 UTC) or month (1st, 00:00 UTC).")
    end: UtcDateTime = Field(
        description="Start of the next bucket (exclusive). The first and last buckets may reach past the period; "
        "they count only referrals received inside it."
    )


class ReferrerVolume(Schema):
    referring_provider_id: uuid.UUID
    name: str | None = Field(description="The provider's name as in the directory.")
    npi: str | None = Field(default=None, description="The provider's NPI, to tell same-named referrers apart.")
    practice_id: uuid.UUID | None = Field(default=None, description="The practice the provider is affiliated with.")
    practice_name: str | None = Field(default=None, description="That practice's name.")
    volume: int = Field(description="Referrals from this provider received in the period.")
    conversion: MetricRate = Field(description="Of those, the ones that reached completed.")


class StatusCount(Schema):
    status: ReferralStatus
    count: int = Field(description="Referrals received in the period whose current status is this one.")


class SlaAttainment(Schema):
    milestone: str = Field(description="first_contact or scheduled.")
    decided: int = Field(description="Referrals whose milestone was reached, or is still open past its due time.")
    met: int = Field(description="Reached within the business-time target.")
    rate: float | None = Field(description="met / decided; null when none is decided.")


class AnalyticsSummary(Schema):
    period_from: UtcDateTime = Field(alias="from", description="Start of the period (inclusive), UTC.")
    period_to: UtcDateTime = Field(alias="to", description="End of the period (exclusive), UTC.")
    group_by: SummaryGrouping | None
    totals: PeriodMetrics = Field(description="The whole period.")
    series: list[SeriesBucket] = Field(
        description="One entry per week or month, oldest first, empty buckets included; empty without group_by."
    )
    status_counts: list[StatusCount] = Field(description="Every status, in lifecycle order, for the pipeline.")
    top_referrers: list[ReferrerVolume] = Field(description="Referring providers by volume, highest first.")
    sla: list[SlaAttainment] = Field(default_factory=list, description="SLA attainment per milestone.")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
