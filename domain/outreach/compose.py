"""Turn an outbox row into the words and address of one message, at send time."""

import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.context import HIDDEN_SECRET, Recipient, build_context, recipient
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


# Where compose leaves what it rendered, per message id, for the worker to keep with the outcome.
COMPOSED_KEY = "outreach.composed"


async def compose(session: AsyncSession, message: OutboxMessage) -> Composed:
    to = await recipient(session, message)
    context = await build_context(session, message, to)
    subject, body = await template_for(session, MessageKind(message.kind), Channel(message.channel))
    content = render(subject, body, context)
    session.info.setdefault(COMPOSED_KEY, {})[message.id] = kept(content, context)
    return Composed(to=to, content=content)


def kept(content: Rendered, context: dict[str, Any]) -> Rendered:
    """The words to keep on the row: what was sent, less any one-time secret it carried (a sign-in link)."""
    secret = context.get("secret")
    if not secret:
        return content
    subject = content.subject.replace(secret, HIDDEN_SECRET) if content.subject else content.subject
    body = content.body.replace(secret, HIDDEN_SECRET) if content.body else content.body
    return Rendered(subject=subject, body=body)


def composed_for(session: AsyncSession, message_id: uuid.UUID) -> Rendered | None:
    """What `compose` rendered for this message in this session, if it ran."""
    # session.info holds values of any type; compose keeps Rendered under this key.
    return cast(Rendered | None, session.info.get(COMPOSED_KEY, {}).pop(message_id, None))
