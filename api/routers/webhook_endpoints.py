"""Partner webhook endpoints after creation (creation itself is beside the messages routes)."""

import uuid

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.outreach import endpoints as service
from domain.outreach import models
from domain.outreach.schemas import WebhookDelivery, WebhookEndpoint, WebhookEndpointCreated, WebhookEndpointUpdate
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/webhook-endpoints", tags=["webhook-endpoints"])


@router.get("", response_model=Page[WebhookEndpoint], responses=problem_responses(401, 403, 422))
async def list_webhook_endpoints(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    organization_id: uuid.UUID | None = None,
    active: bool | None = None,
) -> Page[WebhookEndpoint]:
    items, next_cursor = await service.list_endpoints(
        session, organization_id=organization_id, active=active, limit=paging.limit, cursor=paging.cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{endpoint_id}", response_model=WebhookEndpoint, responses=problem_responses(401, 403, 404))
async def get_webhook_endpoint(
    endpoint_id: uuid.UUID, session: Session, principal: CurrentPrincipal
) -> models.WebhookEndpoint:
    return await service.get_endpoint(session, endpoint_id=endpoint_id)


@router.patch(
    "/{endpoint_id}",
    response_model=WebhookEndpoint,
    responses=problem_responses(401, 403, 404, 422),
    summary="Disable or enable an endpoint, or change its URL or kinds",
)
async def update_webhook_endpoint(
    endpoint_id: uuid.UUID, body: WebhookEndpointUpdate, session: Session, principal: CurrentPrincipal
) -> models.WebhookEndpoint:
    return await service.update_endpoint(session, endpoint_id=endpoint_id, data=body)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=WebhookEndpointCreated,
    responses=problem_responses(401, 403, 404),
    summary="Replace the signing secret (the new one is in this answer only; the old one stops at once)",
)
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID, session: Session, principal: CurrentPrincipal
) -> models.WebhookEndpoint:
    return await service.rotate_secret(session, endpoint_id=endpoint_id)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=Page[WebhookDelivery],
    responses=problem_responses(401, 403, 404, 422),
    summary="Messages sent to this endpoint, newest first: status, attempts, last error, response code",
)
async def list_webhook_deliveries(
    endpoint_id: uuid.UUID, session: Session, principal: CurrentPrincipal, paging: Paging
) -> Page[WebhookDelivery]:
    items, next_cursor = await service.list_deliveries(
        session, endpoint_id=endpoint_id, limit=paging.limit, cursor=paging.cursor
    )
    return Page(items=[WebhookDelivery.model_validate(d) for d in items], next_cursor=next_cursor)
