import uuid
from typing import Annotated, Literal

from fastapi import Header, Query, Response, status

from api.deps import (
    AnalyticsSession,
    CurrentPrincipal,
    IfMatch,
    Paging,
    Session,
    etag,
    parse_optional_if_match,
    sort_order,
)
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.analytics import patterns
from domain.analytics.schemas import ReferralPatterns
from domain.audit import trail as audit
from domain.providers import hygiene, models, service
from domain.providers.enums import ProviderKind, ProviderStatus
from domain.providers.matching import REVIEW_THRESHOLD
from domain.providers.repository import ProviderFilters
from domain.providers.schemas import (
    DuplicateCandidate,
    MergeRequest,
    Provider,
    ProviderCreate,
    ProviderUpdate,
    SearchText,
    StaffContact,
    StaffContactCreate,
    StaffContactUpdate,
)
from domain.shared.schemas import Page, UtcDateTime

router = PrefixedRouter(prefix="/providers", tags=["providers"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=255, description="Resending with the same key returns the first result."
    ),
]


@router.post(
    "",
    response_model=Provider,
    status_code=status.HTTP_201_CREATED,
    summary="Add a provider, with affiliations and office staff in one go",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_provider(
    body: ProviderCreate,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> models.Provider:
    provider = await service.create_provider(
        session,
        data=body,
        idempotency_key=idempotency_key,
        idempotency_scope=f"{principal.actor}:providers",
    )
    response.headers["Location"] = f"/v1/providers/{provider.id}"
    response.headers["ETag"] = etag(provider.version)
    return provider


@router.get(
    "",
    response_model=Page[Provider],
    description="Merged records are left out unless `status=merged` is asked for.",
    responses=problem_responses(401, 403, 422),
)
async def list_providers(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    npi: Annotated[str | None, Query(pattern=r"^[0-9]{10}$")] = None,
    name: Annotated[
        SearchText | None, Query(max_length=100, description="Each word starts the given or family name, any case.")
    ] = None,
    specialty: Annotated[
        str | None, Query(pattern=r"^[0-9]{3}[0-9A-Z]{6}X$", description="NUCC taxonomy code.")
    ] = None,
    organization_id: Annotated[uuid.UUID | None, Query(description="Affiliated with this organization.")] = None,
    kind: ProviderKind | None = None,
    status_: Annotated[list[ProviderStatus] | None, Query(alias="status")] = None,
    sort: Literal["family_name", "-family_name", "created_at", "-created_at"] = "family_name",
) -> Page[Provider]:
    filters = ProviderFilters(
        npi=npi,
        name=name,
        specialty=specialty,
        organization_id=organization_id,
        kind=kind,
        status=status_,
    )
    items, next_cursor = await service.list_providers(
        session,
        filters=filters,
        **sort_order(sort),
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{provider_id}", response_model=Provider, responses=problem_responses(401, 403, 404))
async def get_provider(
    provider_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.Provider:
    provider = await service.get_provider(session, provider_id=provider_id)
    response.headers["ETag"] = etag(provider.version)
    return provider


@router.post(
    "/{provider_id}/verify",
    response_model=Provider,
    summary="Mark a provider's record as confirmed today",
    description="Sets `verified_at` to now: the record leaves the hygiene report's 'not verified for 12 months'.",
    responses=problem_responses(401, 403, 404),
)
async def verify_provider(
    provider_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.Provider:
    await hygiene.verify(session, provider_id)
    audit.note(session, "provider.verify", "provider", provider_id)
    session.expire_all()
    provider = await service.get_provider(session, provider_id=provider_id)
    response.headers["ETag"] = etag(provider.version)
    return provider


@router.post(
    "/{provider_id}/contact-points/good",
    response_model=Provider,
    summary="Mark a provider's bounced contact points as good",
    description="Clears the `bad` flag a bounce set (the address was corrected or confirmed): outreach e-mails "
    "it again and the hygiene report's 'bad contact point' item closes. Saving a new e-mail address does the same.",
    responses=problem_responses(401, 403, 404, 409),
)
async def mark_contact_points_good(
    provider_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.Provider:
    await service.mark_contact_points_good(session, provider_id=provider_id)
    audit.note(session, "provider.contact_points_good", "provider", provider_id)
    session.expire_all()
    provider = await service.get_provider(session, provider_id=provider_id)
    response.headers["ETag"] = etag(provider.version)
    return provider


@router.patch(
    "/{provider_id}",
    response_model=Provider,
    description="Send only what changes; `affiliations`, when sent, replaces the list. Staff have their own routes.",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_provider(
    provider_id: uuid.UUID,
    body: ProviderUpdate,
    session: Session,
    principal: CurrentPrincipal,
    expected_version: IfMatch,
    response: Response,
) -> models.Provider:
    provider = await service.update_provider(
        session,
        provider_id=provider_id,
        data=body,
        expected_version=expected_version,
    )
    response.headers["ETag"] = etag(provider.version)
    return provider


@router.get(
    "/{provider_id}/duplicates",
    response_model=list[DuplicateCandidate],
    summary="Likely duplicates of this provider, best match first",
    description="The pairs of the review queue (GET /v1/directory/duplicates) that include this provider.",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_duplicates(
    provider_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    min_score: Annotated[float, Query(ge=0, le=1, description="Lowest score listed.")] = REVIEW_THRESHOLD,
) -> list[DuplicateCandidate]:
    found = await service.find_duplicates(session, provider_id=provider_id, limit=limit, min_score=min_score)
    return [DuplicateCandidate(provider=d.provider, score=d.score, reasons=d.reasons) for d in found]


@router.post(
    "/{provider_id}/merge",
    response_model=Provider,
    summary="Merge this provider into another; answers with the surviving provider",
    description="Keeps the survivor's values (POST /v1/directory/merges chooses per field). Everything naming "
    "this record follows `into_id`; this record stays as `merged` with `merged_into_id` set. "
    "The merge is listed in GET /v1/directory/merges and can be undone there within 30 days.",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def merge_provider(
    provider_id: uuid.UUID,
    body: MergeRequest,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> models.Provider:
    survivor = await service.merge_provider(
        session,
        provider_id=provider_id,
        into_id=body.into_id,
        expected_version=parse_optional_if_match(if_match),
        actor=principal.actor,
    )
    response.headers["ETag"] = etag(survivor.version)
    return survivor


@router.get(
    "/{provider_id}/patterns",
    response_model=ReferralPatterns,
    summary="Where this referrer's referrals go: service lines and receiving providers, with conversion",
    description="Over referrals from this provider received in [from, to); conversion as in the analytics summary "
    "(reached completed, now or later).",
    responses=problem_responses(401, 403, 404, 422),
)
async def referral_patterns(
    provider_id: uuid.UUID,
    session: AnalyticsSession,
    principal: CurrentPrincipal,
    from_: Annotated[
        UtcDateTime | None, Query(alias="from", description="Period start, inclusive. Default: 90 days before `to`.")
    ] = None,
    to: Annotated[UtcDateTime | None, Query(description="Period end, exclusive. Default: now.")] = None,
) -> ReferralPatterns:
    return await patterns.referral_patterns(session, provider_id=provider_id, start=from_, end=to)


@router.get("/{provider_id}/staff", response_model=list[StaffContact], responses=problem_responses(401, 403, 404))
async def list_staff(
    provider_id: uuid.UUID, session: Session, principal: CurrentPrincipal
) -> list[models.StaffContact]:
    return await service.list_staff(session, provider_id=provider_id)


@router.post(
    "/{provider_id}/staff",
    response_model=StaffContact,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def add_staff(
    provider_id: uuid.UUID,
    body: StaffContactCreate,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.StaffContact:
    row = await service.add_staff(session, provider_id=provider_id, data=body)
    response.headers["Location"] = f"/v1/providers/{provider_id}/staff/{row.id}"
    response.headers["ETag"] = etag(row.version)
    return row


@router.patch(
    "/{provider_id}/staff/{staff_id}",
    response_model=StaffContact,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_staff(
    provider_id: uuid.UUID,
    staff_id: uuid.UUID,
    body: StaffContactUpdate,
    session: Session,
    principal: CurrentPrincipal,
    expected_version: IfMatch,
    response: Response,
) -> models.StaffContact:
    row = await service.update_staff(
        session,
        provider_id=provider_id,
        staff_id=staff_id,
        data=body,
        expected_version=expected_version,
    )
    response.headers["ETag"] = etag(row.version)
    return row


@router.delete(
    "/{provider_id}/staff/{staff_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412),
)
async def remove_staff(
    provider_id: uuid.UUID,
    staff_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> None:
    await service.remove_staff(
        session,
        provider_id=provider_id,
        staff_id=staff_id,
        expected_version=parse_optional_if_match(if_match),
    )
