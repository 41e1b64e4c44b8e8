"""Partner webhooks: a small JSON event (ids and statuses, never patient data), signed, with
`webhook-id` fixed per message so every retry and resend is recognisably the same event."""

import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.models import WebhookEndpoint
from domain.shared.outbox import DeliveryRefused, OutboxMessage
from domain.shared.per_loop import for_this_loop
from integrations.webhooks import signing

TIMEOUT_SECONDS = 10
# Worth retrying: the receiver is busy or briefly broken. Any other 4xx is our problem to fix.
RETRYABLE_4XX = {408, 409, 425, 429}


def client() -> httpx.AsyncClient:
    return for_this_loop("webhooks", lambda: httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False))


def webhook_id(message: OutboxMessage) -> str:
    return f"msg_{message.id}"


def event(message: OutboxMessage) -> dict:
    data = {
        k: message.payload[k] for k in ("referral_id", "status", "version", "appointment_id") if k in message.payload
    }
    return {
        "type": f"referral.{message.kind}",
        "timestamp": message.created_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }


async def deliver(message: OutboxMessage, session: AsyncSession) -> str:
    endpoint = await session.get(WebhookEndpoint, message.recipient_id) if message.recipient_id else None
    if endpoint is None or not endpoint.active:
        raise DeliveryRefused("the webhook endpoint is gone or disabled")
    body = json.dumps(event(message), separators=(",", ":")).encode()
    msg_id = webhook_id(message)
    response = await client().post(endpoint.url, content=body, headers=signing.headers(endpoint.secret, msg_id, body))
    if response.is_success:
        return msg_id
    error = f"HTTP {response.status_code} from the endpoint"
    if 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX:
        raise DeliveryRefused(error)
    raise RuntimeError(error)
