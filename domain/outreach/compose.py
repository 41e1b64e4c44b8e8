"""Turn an outbox row into the words and address of one message, at send time."""

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


async def template_for(session: AsyncSession, kind: MessageKind, channel: Channel) -> tuple[str | None, str]:
    custom = await LookupRepository(session).template(kind.value, channel.value)
    if custom is not None:
        return custom.subject, custom.body
    return default_template(kind, channel)


async def compose(session: AsyncSession, message: OutboxMessage) -> Composed:
    to = await recipient(session, message)
    context = await build_context(session, message, to)
    subject, body = await template_for(session, MessageKind(message.kind), Channel(message.channel))
    return Composed(to=to, content=render(subject, body, context))
