import uuid
from typing import Annotated

from fastapi import Query, status

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.outreach import detail, models, service
from domain.outreach.repository import MessageFilters
from domain.outreach.schemas import Message, MessageDetail, WebhookEndpointCreate, WebhookEndpointCreated
from domain.shared.outbox import MessageStatus, OutboxMessage
from domain.shared.schemas import Page, UtcDateTime

router = PrefixedRouter(prefix="/messages", tags=["messages"])
endpoints = PrefixedRouter(prefix="/webhook-endpoints", tags=["webhook-endpoints"])


@router.get(
    "",
    response_model=Page[Message],
    responses=problem_responses(401, 403, 422),
    description="Every outbound message, newest first: queued, sent, failed or suppressed (with the rule).",
)
async def list_messages(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    referral_id: uuid.UUID | None = None,
    status_: Annotated[list[MessageStatus] | None, Query(alias="status")] = None,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    created_from: Annotated[UtcDateTime | None, Query(description="Created at or after (inclusive).")] = None,
    created_to: Annotated[UtcDateTime | None, Query(description="Created before (exclusive).")] = None,
) -> Page[Message]:
    filters = MessageFilters(
        referral_id=referral_id,
        status=status_,
        channel=channel,
        kind=kind,
        created_from=created_from,
        created_to=created_to,
    )
    items, next_cursor = await service.list_messages(session, filters=filters, limit=paging.limit, cursor=paging.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{message_id}",
    response_model=MessageDetail,
    responses=problem_responses(401, 403, 404),
    description="One message with its recipient and rendered words. Roles that may not read patient data "
    "see placeholders instead (`phi_hidden`); every read is audited as `message.read`.",
)
async def get_message(message_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> MessageDetail:
    return await detail.message_detail(session, message_id=message_id, role=principal.role)


@router.post(
    "/{message_id}/resend",
    response_model=Message,
    responses=problem_responses(401, 403, 404, 409),
    description="Queue a failed (dead-lettered) or suppressed message again. It keeps its id, so a "
    "receiver that already has it can drop the copy.",
)
async def resend_message(message_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> OutboxMessage:
    return await service.resend_message(session, message_id=message_id)


@endpoints.post(
    "",
    response_model=WebhookEndpointCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    description="A partner's receiver for signed status webhooks about its organization's referrals.",
)
async def create_webhook_endpoint(
    body: WebhookEndpointCreate, session: Session, principal: CurrentPrincipal
) -> models.WebhookEndpoint:
    return await service.create_webhook_endpoint(session, data=body)
