import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response, status

from api.deps import CurrentPrincipal, IfMatch, Paging, Session, etag, parse_optional_if_match, sort_order
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.journey import completeness
from domain.journey import sla as journey_sla
from domain.journey.schemas import MilestoneSla, ReferralDetail
from domain.providers.schemas import NoNul  # PostgreSQL text cannot hold NUL: a 422, not a failed query
from domain.reference import catalog
from domain.referrals import models, service, views
from domain.referrals.enums import ReferralStatus, Urgency
from domain.referrals.repository import ReferralFilters
from domain.referrals.schemas import (
    ContactAttemptCreate,
    NoteCreate,
    Referral,
    ReferralCreate,
    ReferralEvent,
    ReferralListItem,
    ReferralUpdate,
    StatusCounts,
    TransitionRequest,
)
from domain.shared.crypto import blind_index
from domain.shared.schemas import Page, UtcDateTime

router = PrefixedRouter(prefix="/referrals", tags=["referrals"])
counts_router = APIRouter(tags=["referrals"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=255, description="Resending with the same key returns the first result."
    ),
]


@router.post(
    "",
    response_model=Referral,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": Referral, "description": "A resend of a referral we already have"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def create_referral(
    body: ReferralCreate,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Referral:
    catalog.require_service_line(body.service_line)
    result = await service.create_referral(
        session,
        data=body,
        actor=principal.actor,
        idempotency_key=idempotency_key,
    )
    # A replayed Idempotency-Key answers like the first request; a resent source id is a plain 200.
    if not result.created and not idempotency_key:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/v1/referrals/{result.referral.id}"
    response.headers["ETag"] = etag(result.referral.version)
    return views.from_entity(result.referral)


class ListFilters:
    """The list's filters, shared by the list and its per-status counts."""

    def __init__(
        self,
        status_: Annotated[list[ReferralStatus] | None, Query(alias="status")] = None,
        urgency: Annotated[list[Urgency] | None, Query()] = None,
        service_line: Annotated[str | None, Query(max_length=100), NoNul] = None,
        referring_provider_id: uuid.UUID | None = None,
        referring_organization_id: uuid.UUID | None = None,
        assignee_id: uuid.UUID | None = None,
        queue: Annotated[str | None, Query(max_length=100), NoNul] = None,
        received_from: Annotated[UtcDateTime | None, Query(description="Received at or after (inclusive).")] = None,
        received_to: Annotated[UtcDateTime | None, Query(description="Received before (exclusive).")] = None,
        mrn: Annotated[str | None, Query(max_length=64, description="Exact medical record number.")] = None,
        sla: Annotated[
            Literal["at_risk", "breached"] | None,
            Query(description="Open referrals with a milestone at risk (75% of its target used) or breached."),
        ] = None,
        duplicates: Annotated[
            Literal["flagged", "merged"] | None,
            Query(
                description="flagged: possible duplicates waiting for staff; merged: referrals merged into another "
                "(left out otherwise)."
            ),
        ] = None,
    ) -> None:
        self.value = ReferralFilters(
            status=status_,
            urgency=urgency,
            service_line=service_line,
            referring_provider_id=referring_provider_id,
            referring_organization_id=referring_organization_id,
            assignee_id=assignee_id,
            queue=queue,
            received_from=received_from,
            received_to=received_to,
            mrn_index=blind_index(mrn) if mrn else None,
            sla=sla,
            duplicates=duplicates,
        )


Filters = Annotated[ListFilters, Depends()]
SortKey = Literal[
    "received_at", "-received_at", "updated_at", "-updated_at", "service_line", "-service_line", "status", "-status"
]


@router.get("", response_model=Page[ReferralListItem], responses=problem_responses(401, 403, 422))
async def list_referrals(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    filters: Filters,
    sort: Annotated[
        SortKey,
        Query(description="A column, `-` first for descending. Patient fields are sealed and cannot be sorted on."),
    ] = "-received_at",
) -> Page[ReferralListItem]:
    items, next_cursor = await service.list_referrals(
        session,
        filters=filters.value,
        **sort_order(sort),
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


# Beside the list, not under it: `/referrals/counts` would sit under `/referrals/{referral_id}` for other methods.
@counts_router.get(
    "/referral-counts",
    response_model=StatusCounts,
    summary="How many referrals each status holds, under the list's filters",
    responses=problem_responses(401, 403, 422),
)
async def count_referrals(session: Session, principal: CurrentPrincipal, filters: Filters) -> StatusCounts:
    counts = await service.count_referrals(session, filters=filters.value)
    return StatusCounts(counts=counts, total=sum(counts.values()))


@router.get("/{referral_id}", response_model=ReferralDetail, responses=problem_responses(401, 403, 404))
async def get_referral(
    referral_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    reveal: Annotated[
        bool, Query(description="Set when a person unmasks the patient block; audited as `referral.reveal`.")
    ] = False,
) -> ReferralDetail:
    referral = await service.get_referral(session, referral_id=referral_id, reveal=reveal)
    response.headers["ETag"] = etag(referral.version)
    detail = ReferralDetail.model_validate(referral)
    detail.sla = [MilestoneSla.model_validate(m) for m in await journey_sla.view(session, referral)]
    detail.info_request = await completeness.info_request_view(session, referral.id)
    return detail


@router.patch("/{referral_id}", response_model=Referral, responses=problem_responses(401, 403, 404, 412, 422, 428))
async def update_referral(
    referral_id: uuid.UUID,
    body: ReferralUpdate,
    session: Session,
    principal: CurrentPrincipal,
    expected_version: IfMatch,
    response: Response,
) -> models.Referral:
    if body.service_line is not None:
        catalog.require_service_line(body.service_line)
    referral = await service.update_referral(
        session,
        referral_id=referral_id,
        data=body,
        expected_version=expected_version,
        actor=principal.actor,
    )
    response.headers["ETag"] = etag(referral.version)
    return referral


@router.post(
    "/{referral_id}/transitions",
    response_model=Referral,
    summary="Move a referral to another status",
    description="A move the lifecycle does not allow is a 409 whose `allowed` lists the moves that are.",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def transition_referral(
    referral_id: uuid.UUID,
    body: TransitionRequest,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> models.Referral:
    referral = await service.transition(
        session,
        referral_id=referral_id,
        to=body.to,
        reason=body.reason,
        note=body.note,
        actor=principal.actor,
        expected_version=parse_optional_if_match(if_match),
        missing_items=body.missing_items,
    )
    response.headers["ETag"] = etag(referral.version)
    return referral


@router.post(
    "/{referral_id}/contact-attempts",
    response_model=ReferralEvent,
    status_code=status.HTTP_201_CREATED,
    summary="Record a call, text or letter to the patient",
    responses=problem_responses(401, 403, 404, 422),
)
async def record_contact_attempt(
    referral_id: uuid.UUID,
    body: ContactAttemptCreate,
    session: Session,
    principal: CurrentPrincipal,
) -> models.ReferralEvent:
    return await service.record_contact_attempt(session, referral_id=referral_id, data=body, actor=principal.actor)


@router.post(
    "/{referral_id}/notes",
    response_model=ReferralEvent,
    status_code=status.HTTP_201_CREATED,
    summary="Add a note to the referral's timeline",
    responses=problem_responses(401, 403, 404, 422),
)
async def add_referral_note(
    referral_id: uuid.UUID,
    body: NoteCreate,
    session: Session,
    principal: CurrentPrincipal,
) -> models.ReferralEvent:
    return await service.add_note(session, referral_id=referral_id, data=body, actor=principal.actor)


@router.get(
    "/{referral_id}/events", response_model=Page[ReferralEvent], responses=problem_responses(401, 403, 404, 422)
)
async def list_referral_events(
    referral_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
) -> Page[ReferralEvent]:
    items, next_cursor = await service.list_events(
        session, referral_id=referral_id, limit=paging.limit, cursor=paging.cursor
    )
    return Page(items=items, next_cursor=next_cursor)
