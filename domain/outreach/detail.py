"""One message opened by a person: its words and address, with patient data only for roles that may see it."""

import uuid
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.outreach.compose import template_for
from domain.outreach.context import build_context, recipient
from domain.outreach.kinds import TEMPLATED_CHANNELS, Channel, MessageKind
from domain.outreach.render import render
from domain.outreach.repository import OutboxRepository
from domain.outreach.schemas import Message, MessageDetail
from domain.shared.outbox import DeliveryRefused, MessageStatus, OutboxMessage

HIDDEN = "[patient]"
# Staff roles that read patient data in messages; the rest of the care team sees placeholders.
PHI_ROLES = frozenset({"admin", "intake", "clinician"})


def _mask(ctx: dict[str, Any]) -> dict[str, Any]:
    masked = dict(ctx)
    if "patient" in masked:
        masked["patient"] = {"given_name": HIDDEN, "short_name": HIDDEN}
    for key in ("note", "consult_summary"):
        if masked.get(key):
            masked[key] = "[hidden]"
    if masked.get("digest"):
        masked["digest"] = {
            **masked["digest"],
            "items": [{**item, "patient": HIDDEN} for item in masked["digest"]["items"]],
        }
    return masked


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at is not None else "an unknown time"


async def message_detail(session: AsyncSession, *, message_id: uuid.UUID, role: str | None) -> MessageDetail:
    message = await OutboxRepository(session).get(message_id)
    show_phi = role in PHI_ROLES
    base = Message.model_validate(message).model_dump(exclude={"kind_label", "suppression_reason"})
    fields: dict[str, Any] = {
        "recipient_name": None,
        "recipient_address": None,
        "subject": None,
        "body": None,
        "content_note": None,
        "phi_hidden": not show_phi,
        "rendering": None,
    }
    try:
        to = await recipient(session, message)
        for_patient = message.recipient_type == "patient"
        fields["recipient_name"] = HIDDEN if for_patient and not show_phi else to.name
        address = to.email if message.channel == Channel.email else to.phone
        fields["recipient_address"] = "[hidden]" if for_patient and not show_phi else address
        if Channel(message.channel) not in TEMPLATED_CHANNELS:
            fields["content_note"] = f"{message.channel} messages carry structured data, not text."
        elif message.sent_body is not None and show_phi:
            fields.update(
                subject=message.sent_subject,
                body=message.sent_body,
                rendering="as_sent",
                content_note=f"The words as sent on {_when(message.sent_at)}.",
            )
        else:
            # Not sent (or sent before the words were kept, or kept words this role may not read):
            # what the current template and records would say, marked as a preview.
            context = await build_context(session, message, to, secrets=False)
            subject, body = await template_for(session, MessageKind(message.kind), Channel(message.channel))
            content = render(subject, body, context if show_phi else _mask(context))
            fields.update(
                subject=content.subject,
                body=content.body,
                rendering="preview",
                content_note=_preview_note(message, show_phi),
            )
    except DeliveryRefused as exc:
        fields["content_note"] = f"Cannot be rendered: {exc}."
    except (ValueError, TemplateError):
        fields["content_note"] = f"No text for a {message.kind} message on {message.channel}."
    audit.note(
        session,
        "message.read",
        "message",
        message.id,
        patient_data="shown" if show_phi else "hidden",
        rendering=fields["rendering"],
    )
    return MessageDetail(**base, **fields)


def _preview_note(message: OutboxMessage, show_phi: bool) -> str:
    if message.status != MessageStatus.sent:
        return "Preview: not sent yet, so this is what the current template and records would say."
    if message.sent_body is not None and not show_phi:
        return (
            "Preview with patient details replaced: the words as sent name the patient. "
            "Rendered from the current template, which may have changed since."
        )
    return (
        f"Preview: sent on {_when(message.sent_at)}, before sent words were kept; rendered from the "
        "current template and records, which may have changed since."
    )
