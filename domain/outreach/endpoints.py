"""Partner webhook endpoints after creation: list, enable or disable, rotate the secret, the delivery log."""

import base64
import os
import re
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.outreach.endpoint_repository import DeliveryRepository, WebhookEndpointRepository
from domain.outreach.models import WebhookEndpoint
from domain.outreach.schemas import WebhookEndpointUpdate
from domain.shared.outbox import OutboxMessage

# The webhook sender records a receiver's answer as "HTTP <code> from the endpoint".
_STATUS_IN_ERROR = re.compile(r"\bHTTP (\d{3})\b")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


async def list_endpoints(
    session: AsyncSession, *, organization_id: uuid.UUID | None, active: bool | None, limit: int, cursor: str | None
) -> tuple[list[WebhookEndpoint], str | None]:
    items, next_cursor = await WebhookEndpointRepository(session).find(
        organization_id=organization_id, active=active, limit=limit, cursor=cursor
    )
    audit.note_list(session, "webhook_endpoint", [e.id for e in items])
    return items, next_cursor


async def get_endpoint(session: AsyncSession, *, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await WebhookEndpointRepository(session).get(endpoint_id)
    audit.note(session, "webhook_endpoint.read", "webhook_endpoint", endpoint.id)
    return endpoint


async def update_endpoint(
    session: AsyncSession, *, endpoint_id: uuid.UUID, data: WebhookEndpointUpdate
) -> WebhookEndpoint:
    """A disabled endpoint gets nothing more: queued messages to it fail at send time with a reason."""
    endpoint = await WebhookEndpointRepository(session).get(endpoint_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    if "url" in changes and changes["url"] is not None:
        changes["url"] = str(changes["url"])
    if "kinds" in changes and changes["kinds"] is not None:
        changes["kinds"] = [k.value for k in data.kinds or []]
    changed = sorted(k for k, v in changes.items() if v is not None and getattr(endpoint, k) != v)
    for name in changed:
        setattr(endpoint, name, changes[name])
    await session.flush()
    audit.note(session, "webhook_endpoint.update", "webhook_endpoint", endpoint.id, fields=changed)
    return endpoint


async def rotate_secret(session: AsyncSession, *, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """A new signing secret at once; the old one signs nothing more (no overlap window)."""
    endpoint = await WebhookEndpointRepository(session).get(endpoint_id, for_update=True)
    endpoint.secret = new_secret()
    await session.flush()
    audit.note(session, "webhook_endpoint.rotate_secret", "webhook_endpoint", endpoint.id)
    return endpoint


class Delivery:
    """A message to an endpoint with the receiver's answer read out of its last error."""

    def __init__(self, message: OutboxMessage) -> None:
        self._message = message
        self.response_code = response_code_of(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._message, name)


async def list_deliveries(
    session: AsyncSession, *, endpoint_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Delivery], str | None]:
    await WebhookEndpointRepository(session).get(endpoint_id)
    items, next_cursor = await DeliveryRepository(session).to_endpoint(endpoint_id, limit=limit, cursor=cursor)
    audit.note_list(session, "message", [m.id for m in items], endpoint_id=str(endpoint_id))
    return [Delivery(m) for m in items], next_cursor


def response_code_of(message: OutboxMessage) -> int | None:
    """The receiver's last HTTP status when it refused; None when it was never reached or accepted."""
    found = _STATUS_IN_ERROR.search(message.last_error or "")
    return int(found.group(1)) if found else None
