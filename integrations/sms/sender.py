"""SMS through an HTTP provider. Any provider that takes `POST {to, from, body}` with a bearer
key fits; the message id goes along as `Idempotency-Key` so the provider can drop a repeat."""

from functools import lru_cache

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.compose import compose
from domain.shared.outbox import DeliveryRefused, OutboxMessage
from domain.shared.per_loop import for_this_loop


class SmsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMS_", env_file=".env", extra="ignore")

    provider_url: str = "http://127.0.0.1:8026/messages"
    api_key: str = "dev-sms-key"
    sender: str = "+15550100000"
    timeout_seconds: float = 10


@lru_cache
def sms_settings() -> SmsSettings:
    return SmsSettings()


def client() -> httpx.AsyncClient:
    return for_this_loop("sms", lambda: httpx.AsyncClient(timeout=sms_settings().timeout_seconds))


async def deliver(message: OutboxMessage, session: AsyncSession) -> str:
    composed = await compose(session, message)
    if not composed.to.phone:
        raise DeliveryRefused(f"{message.recipient_type} has no mobile number on file")
    s = sms_settings()
    response = await client().post(
        s.provider_url,
        json={"to": composed.to.phone, "from": s.sender, "body": composed.content.body},
        headers={"Authorization": f"Bearer {s.api_key}", "Idempotency-Key": str(message.id)},
    )
    if response.is_success:
        try:
            return str(response.json().get("id") or message.id)
        except ValueError:
            return str(message.id)
    error = f"HTTP {response.status_code} from the SMS provider"
    if response.status_code in (400, 401, 403, 404, 422):
        raise DeliveryRefused(error)
    raise RuntimeError(error)
