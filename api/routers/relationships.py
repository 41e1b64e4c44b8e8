import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from api.deps import AnalyticsSession, CurrentPrincipal, Paging, Session, etag, parse_optional_if_match, sort_order
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.providers import models
from domain.providers.schemas import Organization
from domain.relationships import cooling, owners, practice_report, programs, service, settings, touchpoints
from domain.relationships.filters import ReferrerFilters
from domain.relationships.schemas import (
    Concentration,
    CoolingAlert,
    FeeSchedule,
    MonthlyReportOptOut,
    OrganizationRow,
    OwnerAssignment,
    PracticeReport,
    ReferrerRow,
    RelationshipSettingsIn,
    RelationshipSettingsOut,
    Roi,
    Scorecard,
    TimelineItem,
)
from domain.shared.schemas import Page, UtcDateTime

router = APIRouter(tags=["relationships"])
analytics = PrefixedRouter(prefix="/analytics", tags=["analytics"])
admin = PrefixedRouter(prefix="/settings", tags=["settings"])

Sort = Literal[
    "volume",
    "-volume",
    "prior_volume",
    "-prior_volume",
    "conversion_rate",
    "-conversion_rate",
    "median_days_to_appointment",
    "-median_days_to_appointment",
    "leakage_rate",
    "-leakage_rate",
    "loop_closure_rate",
    "-loop_closure_rate",
    "revenue",
    "-revenue",
    "score",
    "-score",
    "trend",
    "-trend",
    "name",
    "-name",
    "last_touchpoint_at",
    "-last_touchpoint_at",
]
From = Annotated[
    UtcDateTime | None, Query(alias="from", description="Period start, inclusive. Default: 90 days before `to`.")
]
To = Annotated[UtcDateTime | None, Query(description="Period end, exclusive. Default: the snapshot's day (now).")]
PERIOD_NOTE = (
    "Without `from`/`to` (and `service_line`) the figures are the trailing 90 days as of the snapshot's day "
    "(`as_of`, refreshed by the worker), against the 90 before; with them, that period against the one of the same "
    "length before it. Score, tier, segment and cooling are always as of `as_of`."
)


@router.get(
    "/referrers",
    response_model=Page[ReferrerRow],
    summary="Referring providers with their figures",
    description=PERIOD_NOTE + " `service_line` keeps referrers who sent that line in the period and counts "
    "only those referrals.",
    responses=problem_responses(401, 403, 422),
)
async def list_referrers(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    from_: From = None,
    to: To = None,
    tier: Annotated[list[Literal["A", "B", "C", "D"]], Query()] = [],  # noqa: B006
    segment: Annotated[list[Literal["new", "loyal", "occasional", "lapsed"]], Query()] = [],  # noqa: B006
    cooling: bool | None = None,
    liaison_id: uuid.UUID | None = None,
    specialty: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    organization_id: uuid.UUID | None = None,
    service_line: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    sort: Sort = "-volume",
) -> Page[ReferrerRow]:
    filters = ReferrerFilters(
        tier=list(tier) or None,
        segment=list(segment) or None,
        cooling=cooling,
        liaison_id=liaison_id,
        specialty=specialty,
        organization_id=organization_id,
        service_line=service_line,
    )
    items, next_cursor = await service.list_referrers(
        session,
        filters=filters,
        start=from_,
        end=to,
        **sort_order(sort),
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/referring-organizations",
    response_model=Page[OrganizationRow],
    summary="Referring organizations (practices) with their figures",
    description=PERIOD_NOTE,
    responses=problem_responses(401, 403, 422),
)
async def list_referring_organizations(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    from_: From = None,
    to: To = None,
    sort: Sort = "-volume",
) -> Page[OrganizationRow]:
    items, next_cursor = await service.list_organizations(
        session,
        start=from_,
        end=to,
        **sort_order(sort),
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/referrers/{provider_id}/scorecard",
    response_model=Scorecard,
    response_model_by_alias=True,
    summary="One referrer's figures for a period, by month",
    description="Default period: the 365 days before now. The series has one point per calendar month "
    "(UTC) the period touches.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_scorecard(
    provider_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    from_: From = None,
    to: To = None,
    group_by: Literal["month"] = "month",
) -> Scorecard:
    return await service.scorecard(session, provider_id=provider_id, start=from_, end=to)


@analytics.get(
    "/concentration",
    response_model=Concentration,
    response_model_by_alias=True,
    summary="80/20: how few referrers send most referrals",
    description="Over referrals with a referring provider received in [from, to) (default the 90 days before now).",
    responses=problem_responses(401, 403, 422),
)
async def get_concentration(
    session: AnalyticsSession, principal: CurrentPrincipal, from_: From = None, to: To = None
) -> Concentration:
    return await service.concentration(session, start=from_, end=to)


@admin.get(
    "/relationships",
    response_model=RelationshipSettingsOut,
    summary="Score weights and strategic lines",
    responses=problem_responses(401, 403),
)
async def get_relationship_settings(
    session: Session, principal: CurrentPrincipal, response: Response
) -> RelationshipSettingsOut:
    current = await settings.current(session)
    response.headers["ETag"] = etag(current.version)
    return current


@admin.put(
    "/relationships",
    response_model=RelationshipSettingsOut,
    summary="Change score weights and strategic lines",
    description="Weights must sum to 1. Figures are recomputed in the same transaction.",
    responses=problem_responses(401, 403, 412, 422),
)
async def save_relationship_settings(
    body: RelationshipSettingsIn,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> RelationshipSettingsOut:
    saved = await settings.save(
        session, data=body, expected_version=parse_optional_if_match(if_match), actor=principal.actor
    )
    response.headers["ETag"] = etag(saved.version)
    return saved


@admin.get(
    "/fee-schedule",
    response_model=FeeSchedule,
    summary="Expected revenue per service line and payer class",
    responses=problem_responses(401, 403),
)
async def get_fee_schedule(session: Session, principal: CurrentPrincipal) -> FeeSchedule:
    return await settings.fee_schedule(session)


@admin.put(
    "/fee-schedule",
    response_model=FeeSchedule,
    summary="Replace the fee schedule",
    description="The whole schedule: a pair not sent is no longer priced. Figures are recomputed.",
    responses=problem_responses(401, 403, 422),
)
async def save_fee_schedule(body: FeeSchedule, session: Session, principal: CurrentPrincipal) -> FeeSchedule:
    saved = await settings.save_fee_schedule(session, data=body, actor=principal.actor)
    return saved


@router.get(
    "/referrers/{provider_id}/timeline",
    response_model=Page[TimelineItem],
    summary="The relationship timeline, newest first",
    description="Referrals received (service line, urgency, status; no patient field), touchpoints, "
    "messages sent to the referrer and loop-closure notices.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_referrer_timeline(
    provider_id: uuid.UUID, session: Session, principal: CurrentPrincipal, paging: Paging
) -> Page[TimelineItem]:
    items, next_cursor = await touchpoints.timeline(
        session, provider_id=provider_id, limit=paging.limit, cursor=paging.cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.put(
    "/referrers/{provider_id}/owner",
    status_code=204,
    summary="Assign the referrer to a liaison",
    description="Cooling alerts and the referrer's list filter follow the owner.",
    responses=problem_responses(401, 403, 404, 422),
)
async def assign_referrer_owner(
    provider_id: uuid.UUID, body: OwnerAssignment, session: Session, principal: CurrentPrincipal
) -> Response:
    await owners.assign(session, provider_id=provider_id, liaison_id=body.liaison_id, actor=principal.actor)
    return Response(status_code=204)


@analytics.get(
    "/roi",
    response_model=Roi,
    response_model_by_alias=True,
    summary="Return on each program",
    description="Per program over [from, to) (default the 365 days before now): cost incurred, referrals "
    "attributed (to the program of the referrer's last touchpoint in the 90 days before each), their "
    "revenue, and (revenue - cost) / cost.",
    responses=problem_responses(401, 403, 422),
)
async def get_roi(session: AnalyticsSession, principal: CurrentPrincipal, from_: From = None, to: To = None) -> Roi:
    return await programs.roi(session, start=from_, end=to)


@router.get(
    "/cooling-alerts",
    response_model=list[CoolingAlert],
    summary="Open cooling episodes",
    description="Referrers cooling off now (DESIGN.md), newest first; `liaison_id` keeps one liaison's.",
    responses=problem_responses(401, 403, 422),
)
async def list_cooling_alerts(
    session: Session, principal: CurrentPrincipal, liaison_id: uuid.UUID | None = None
) -> list[CoolingAlert]:
    return [CoolingAlert(**a) for a in await cooling.open_alerts(session, liaison_id=liaison_id)]


@router.get(
    "/referring-organizations/{organization_id}/monthly-report",
    response_model=PracticeReport,
    summary="Preview a practice's monthly report",
    description="What the practice would receive for `month` (YYYY-MM, default last month): referrals sent, "
    "patients seen, median wait to appointment, visit summaries sent back. The worker sends it on the first "
    "business day of the next month, on the practice's preferred channel, unless the practice opted out.",
    responses=problem_responses(401, 403, 404, 422),
)
async def preview_practice_report(
    organization_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")] = None,
) -> PracticeReport:
    if month is None:
        today = date.today()
        first = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    else:
        first = date(int(month[:4]), int(month[5:]), 1)
    return await practice_report.preview(session, organization_id=organization_id, month=first)


@router.put(
    "/referring-organizations/{organization_id}/monthly-report/opt-out",
    response_model=Organization,
    summary="Opt a practice out of (or back into) the monthly report",
    description="An opted-out practice is sent no report, including one already queued.",
    responses=problem_responses(401, 403, 404, 422),
)
async def set_practice_report_opt_out(
    organization_id: uuid.UUID,
    body: MonthlyReportOptOut,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.Organization:
    organization = await practice_report.set_opt_out(session, organization_id=organization_id, opted_out=body.opted_out)
    response.headers["ETag"] = etag(organization.version)
    return organization
