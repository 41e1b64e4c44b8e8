import uuid
from typing import Annotated, Literal

from fastapi import Header, Query, Response, status

from api.deps import CurrentPrincipal, IfMatch, Paging, Session, etag, sort_order
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.providers import models, service
from domain.providers.enums import OrganizationKind
from domain.providers.repository import OrganizationFilters
from domain.providers.schemas import Organization, OrganizationCreate, OrganizationUpdate, SearchText
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/organizations", tags=["organizations"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=255, description="Resending with the same key returns the first result."
    ),
]


@router.post(
    "",
    response_model=Organization,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_organization(
    body: OrganizationCreate,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> models.Organization:
    organization = await service.create_organization(
        session,
        data=body,
        idempotency_key=idempotency_key,
        idempotency_scope=f"{principal.actor}:organizations",
    )
    response.headers["Location"] = f"/v1/organizations/{organization.id}"
    response.headers["ETag"] = etag(organization.version)
    return organization


@router.get("", response_model=Page[Organization], responses=problem_responses(401, 403, 422))
async def list_organizations(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    name: Annotated[SearchText | None, Query(max_length=300, description="Part of the name, any case.")] = None,
    npi: Annotated[str | None, Query(pattern=r"^[0-9]{10}$")] = None,
    kind: Annotated[list[OrganizationKind] | None, Query()] = None,
    internal: Annotated[bool | None, Query(description="true: our own sites; false: outside practices.")] = None,
    active: bool | None = None,
    sort: Literal["name", "-name", "created_at", "-created_at"] = "name",
) -> Page[Organization]:
    filters = OrganizationFilters(name=name, npi=npi, kind=kind, internal=internal, active=active)
    items, next_cursor = await service.list_organizations(
        session,
        filters=filters,
        **sort_order(sort),
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{organization_id}", response_model=Organization, responses=problem_responses(401, 403, 404))
async def get_organization(
    organization_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.Organization:
    organization = await service.get_organization(session, organization_id=organization_id)
    response.headers["ETag"] = etag(organization.version)
    return organization


@router.patch(
    "/{organization_id}",
    response_model=Organization,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_organization(
    organization_id: uuid.UUID,
    body: OrganizationUpdate,
    session: Session,
    principal: CurrentPrincipal,
    expected_version: IfMatch,
    response: Response,
) -> models.Organization:
    organization = await service.update_organization(
        session,
        organization_id=organization_id,
        data=body,
        expected_version=expected_version,
    )
    response.headers["ETag"] = etag(organization.version)
    return organization
