import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Response
from pydantic import AfterValidator, StringConstraints

from api.deps import AnalyticsSession, CurrentPrincipal
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.analytics import export, service
from domain.analytics.schemas import AnalyticsSummary, SummaryFilters, SummaryGrouping
from domain.referrals.enums import PayerClass, SourceChannel, Urgency
from domain.shared.schemas import UtcDateTime

router = PrefixedRouter(prefix="/analytics", tags=["analytics"])


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the query.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_no_nul)]


@dataclass(frozen=True)
class SummaryQuery:
    start: datetime | None
    end: datetime | None
    group_by: SummaryGrouping | None
    filters: SummaryFilters
    top: int


def summary_query(
    from_: Annotated[
        UtcDateTime | None,
        Query(
            alias="from", description="Period start, inclusive (date or datetime, UTC). Default: 90 days before `to`."
        ),
    ] = None,
    to: Annotated[
        UtcDateTime | None, Query(description="Period end, exclusive (date or datetime, UTC). Default: now.")
    ] = None,
    group_by: Annotated[
        SummaryGrouping | None, Query(description="Add a series by week (Monday, UTC) or month.")
    ] = None,
    referring_provider_id: Annotated[list[uuid.UUID], Query(max_length=50)] = [],  # noqa: B006
    referring_organization_id: Annotated[list[uuid.UUID], Query(max_length=50)] = [],  # noqa: B006
    service_line: Annotated[list[Name], Query(max_length=50)] = [],  # noqa: B006
    location: Annotated[list[Name], Query(max_length=50, description="The referral's location preference.")] = [],  # noqa: B006
    payer_class: Annotated[list[PayerClass], Query()] = [],  # noqa: B006
    source_channel: Annotated[list[SourceChannel], Query()] = [],  # noqa: B006
    urgency: Annotated[list[Urgency], Query()] = [],  # noqa: B006
    top: Annotated[int, Query(ge=1, le=50, description="How many top referrers to list.")] = 10,
) -> SummaryQuery:
    filters = SummaryFilters(
        referring_provider_id=referring_provider_id,
        referring_organization_id=referring_organization_id,
        service_line=service_line,
        location=location,
        payer_class=payer_class,
        source_channel=source_channel,
        urgency=urgency,
    )
    return SummaryQuery(start=from_, end=to, group_by=group_by, filters=filters, top=top)


Query_ = Annotated[SummaryQuery, Depends(summary_query)]
DESCRIPTION = (
    "Over referrals received in [from, to) that match every filter given (a repeated filter matches "
    "any of its values). Definitions follow DESIGN.md: conversion, leakage and decline are shares of "
    "volume; no-show is over appointments; loop closure is over completed referrals. A rate is null when "
    "its denominator is 0."
)


@router.get(
    "/summary",
    response_model=AnalyticsSummary,
    summary="Referral metrics for a period",
    description=DESCRIPTION,
    responses=problem_responses(401, 403, 422),
)
async def get_summary(session: AnalyticsSession, principal: CurrentPrincipal, q: Query_) -> AnalyticsSummary:
    return await service.summary(session, start=q.start, end=q.end, filters=q.filters, group_by=q.group_by, top=q.top)


@router.get(
    "/summary.csv",
    response_class=Response,
    summary="The same summary as CSV",
    description="The figures of `GET /v1/analytics/summary` with the same parameters, one per row "
    "(section, key, label, metric, value): totals, the series, status counts, top referrers, "
    "reminder channels.",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **problem_responses(401, 403, 422)},
)
async def export_summary(session: AnalyticsSession, principal: CurrentPrincipal, q: Query_) -> Response:
    s = await service.summary(session, start=q.start, end=q.end, filters=q.filters, group_by=q.group_by, top=q.top)
    name = f"refloop-summary-{s.period_from:%Y%m%d}-{s.period_to:%Y%m%d}.csv"
    return Response(
        export.summary_csv(s),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
