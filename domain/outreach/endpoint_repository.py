"""SQL for partner webhook endpoints and the messages sent to them."""

import uuid

from sqlalchemy import select

from domain.outreach.models import WebhookEndpoint
from domain.shared.outbox import OutboxMessage
from domain.shared.repository import Repository


class WebhookEndpointRepository(Repository[WebhookEndpoint]):
    model = WebhookEndpoint
    entity_name = "Webhook endpoint"

    async def find(
        self, *, organization_id: uuid.UUID | None, active: bool | None, limit: int, cursor: str | None
    ) -> tuple[list[WebhookEndpoint], str | None]:
        stmt = select(WebhookEndpoint)
        if organization_id is not None:
            stmt = stmt.where(WebhookEndpoint.organization_id == organization_id)
        if active is not None:
            stmt = stmt.where(WebhookEndpoint.active == active)
        return await self.paginate(stmt, sort=WebhookEndpoint.created_at, descending=False, limit=limit, cursor=cursor)


class DeliveryRepository(Repository[OutboxMessage]):
    model = OutboxMessage
    entity_name = "Message"

    async def to_endpoint(
        self, endpoint_id: uuid.UUID, *, limit: int, cursor: str | None
    ) -> tuple[list[OutboxMessage], str | None]:
        stmt = select(OutboxMessage).where(
            OutboxMessage.recipient_type == "webhook_endpoint", OutboxMessage.recipient_id == endpoint_id
        )
        return await self.paginate(stmt, sort=OutboxMessage.created_at, descending=True, limit=limit, cursor=cursor)
