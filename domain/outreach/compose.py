"""Turn an outbox row into the words and address of one message, at send time."""

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.context import Recipient, build_context, recipient
from domain.outreach.defaults import default_template
from domain.outreach.kinds import Channel, MessageKind
from domain.outreach.render import Rendered, render
from domain.outreach.repository import LookupRepository
from domain.shared.outbox import OutboxMessage


@dataclass(frozen=True)
class Composed:
    to: Recipient
    content: Rendered


# Staff edits reach the workers within this many seconds; saves a query per message.
TEMPLATE_CACHE_SECONDS = 5.0
_cache: dict[tuple[str, str], tuple[float, tuple[str | None, str]]] = {}


async def template_for(session: AsyncSession, kind: MessageKind, channel: Channel) -> tuple[str | None, str]:
    key = (kind.value, channel.value)
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < TEMPLATE_CACHE_SECONDS:
        return hit[1]
    custom = await LookupRepository(session).template(kind.value, channel.value)
    source = (custom.subject, custom.body) if custom is not None else default_template(kind, channel)
    _cache[key] = (time.monotonic(), source)
    return source


def forget_templates() -> None:
    _cache.clear()


async def compose(session: AsyncSession, message: OutboxMessage) -> Composed:
    to = await recipient(session, message)
    context = await build_context(session, message, to)
    subject, body = await template_for(session, MessageKind(message.kind), Channel(message.channel))
    return Composed(to=to, content=render(subject, body, context))
