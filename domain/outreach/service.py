"""Outreach use cases for the API: the message list, resending, templates, partner endpoints."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.outreach import render
from domain.outreach.compose import forget_templates
from domain.outreach.defaults import default_template
from domain.outreach.endpoints import new_secret
from domain.outreach.kinds import TEMPLATED_CHANNELS, Channel, MessageKind
from domain.outreach.models import MessageTemplate, WebhookEndpoint
from domain.outreach.repository import LookupRepository, MessageFilters, OutboxRepository
from domain.outreach.schemas import Template, TemplateSave, WebhookEndpointCreate
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.outbox import MessageStatus, OutboxMessage


async def list_messages(
    session: AsyncSession, *, filters: MessageFilters, limit: int, cursor: str | None
) -> tuple[list[OutboxMessage], str | None]:
    items, next_cursor = await OutboxRepository(session).find(filters, limit=limit, cursor=cursor)
    audit.note_list(session, "message", [m.id for m in items])
    return items, next_cursor


async def resend_message(session: AsyncSession, *, message_id: uuid.UUID) -> OutboxMessage:
    """Queue a failed or suppressed message again, under the same id: a receiver that got it drops it."""
    repo = OutboxRepository(session)
    current = await repo.get(message_id)
    requeued = await repo.requeue(message_id, statuses=(MessageStatus.failed, MessageStatus.suppressed))
    if requeued is None:
        raise Conflict(
            f"Only failed or suppressed messages can be resent; this one is {current.status.value}.",
            allowed=[MessageStatus.failed.value, MessageStatus.suppressed.value],
        )
    audit.note(session, "message.resend", "message", message_id)
    return requeued


def _check_channel(channel: Channel) -> None:
    if channel not in TEMPLATED_CHANNELS:
        raise InvalidInput(
            f"{channel.value} messages are structured data, not text: they have no template.", field="body.channel"
        )


async def list_templates(session: AsyncSession) -> list[Template]:
    out = []
    for kind in MessageKind:
        for channel in TEMPLATED_CHANNELS:
            out.append(await get_template(session, kind=kind, channel=channel))
    return out


async def get_template(session: AsyncSession, *, kind: MessageKind, channel: Channel) -> Template:
    _check_channel(channel)
    row = await LookupRepository(session).template(kind.value, channel.value)
    if row is not None:
        return Template(
            kind=kind,
            channel=channel,
            subject=row.subject,
            body=row.body,
            customised=True,
            version=row.version,
            updated_at=row.updated_at,
        )
    subject, body = default_template(kind, channel)
    return Template(kind=kind, channel=channel, subject=subject, body=body, customised=False)


def check_template(data: TemplateSave) -> render.Rendered:
    _check_channel(data.channel)
    if data.channel is Channel.email and not (data.subject or "").strip():
        raise InvalidInput("An email template needs a subject.", field="body.subject")
    return render.check(data.kind, subject=data.subject if data.channel is Channel.email else None, body=data.body)


async def save_template(session: AsyncSession, *, data: TemplateSave) -> Template:
    """Rejected here, with the field named, if it would fail to render when sent."""
    check_template(data)
    subject = data.subject if data.channel is Channel.email else None
    row = await LookupRepository(session).template(data.kind.value, data.channel.value)
    if row is None:
        session.add(MessageTemplate(kind=data.kind.value, channel=data.channel.value, subject=subject, body=data.body))
    else:
        row.subject, row.body, row.version = subject, data.body, row.version + 1
    await session.flush()
    forget_templates()
    audit.note(session, "template.save", "template", f"{data.kind.value}/{data.channel.value}")
    return await get_template(session, kind=data.kind, channel=data.channel)


async def reset_template(session: AsyncSession, *, kind: MessageKind, channel: Channel) -> Template:
    row = await LookupRepository(session).template(kind.value, channel.value)
    if row is not None:
        await session.delete(row)
        await session.flush()
    forget_templates()
    audit.note(session, "template.reset", "template", f"{kind.value}/{channel.value}")
    return await get_template(session, kind=kind, channel=channel)


async def create_webhook_endpoint(session: AsyncSession, *, data: WebhookEndpointCreate) -> WebhookEndpoint:
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organization_id=data.organization_id,
        url=str(data.url),
        secret=secret,
        kinds=[k.value for k in data.kinds],
        active=True,
    )
    session.add(endpoint)
    await session.flush()
    audit.note(
        session, "webhook_endpoint.create", "webhook_endpoint", endpoint.id, organization_id=str(data.organization_id)
    )
    return endpoint
