"""Channel handlers: how an outbox message of each channel leaves the building.

A handler is `async def deliver(message: OutboxMessage, session: AsyncSession) -> str | None`.
It reads what it needs from the database with `session` (read only: the worker commits the
outcome), sends with a stable id derived from `message.id`, and returns the id the receiver
saw (Message-ID, webhook-id, resource version). Raising `DeliveryRefused` fails the message
at once; any other exception is retried with backoff.

A channel may also send a job's messages together (`BATCH_HANDLERS`: e-mail over one SMTP
connection): `async def deliver_batch(messages, session)` yields each message with its id, or
with the exception that stopped it, in the order the receiver answered.

Handlers are named by import path so a channel's module is loaded only when its first
message goes out. Adding a channel is one line here.
"""

import importlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import OutboxMessage

Handler = Callable[[OutboxMessage, AsyncSession], Awaitable[str | None]]
BatchHandler = Callable[
    [list[OutboxMessage], AsyncSession], AsyncGenerator[tuple[OutboxMessage, str | Exception], None]
]

HANDLERS: dict[str, str | Handler] = {
    "email": "integrations.email.sender:deliver",
    "webhook": "integrations.webhooks.sender:deliver",
    "sms": "integrations.sms.sender:deliver",
    "fhir": "integrations.fhir.client:deliver",
}


BATCH_HANDLERS: dict[str, str] = {
    "email": "integrations.email.sender:deliver_batch",
}
_DEFAULTS = dict(HANDLERS)


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
        target = _load(target)
        HANDLERS[channel] = target
    return target


def batch_handler_for(channel: str) -> BatchHandler | None:
    """The channel's batch sender, while its own handler is in place: one plugged in at run time (tests,
    benches, extensions) is asked once per message."""
    target, default = HANDLERS.get(channel), _DEFAULTS.get(channel)
    batch = BATCH_HANDLERS.get(channel)
    if batch is None or default is None or target is None:
        return None
    if target != default and f"{getattr(target, '__module__', '')}:{getattr(target, '__name__', '')}" != default:
        return None
    return _load(batch)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
