"""Channel handlers: how an outbox message of each channel leaves the building.

A handler is `async def deliver(message: OutboxMessage, session: AsyncSession) -> str | None`.
It reads what it needs from the database with `session` (read only: the worker commits the
outcome), sends with a stable id derived from `message.id`, and returns the id the receiver
saw (Message-ID, webhook-id, resource version). Raising `DeliveryRefused` fails the message
at once; any other exception is retried with backoff.

Handlers are named by import path so a channel's module is loaded only when its first
message goes out. Adding a channel is one line here.
"""

import importlib
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import OutboxMessage

Handler = Callable[[OutboxMessage, AsyncSession], Awaitable[str | None]]

HANDLERS: dict[str, str | Handler] = {
    "email": "integrations.email.sender:deliver",
    "webhook": "integrations.webhooks.sender:deliver",
    "sms": "integrations.sms.sender:deliver",
    "fhir": "integrations.fhir.client:deliver",
}


class UnknownChannel(LookupError):
    pass


def register(channel: str, handler: str | Handler) -> None:
    """Plug a handler in at run time (tests, benches, extensions)."""
    HANDLERS[channel] = handler


def handler_for(channel: str) -> Handler:
    target = HANDLERS.get(channel)
    if target is None:
        raise UnknownChannel(f"no handler for channel {channel!r}")
    if isinstance(target, str):
        module, _, name = target.partition(":")
        target = getattr(importlib.import_module(module), name)
        HANDLERS[channel] = target
    return target
