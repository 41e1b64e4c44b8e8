"""One message opened by a person: its words and address, with patient data only for roles that may see it."""

import uuid

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.outreach.compose import template_for
from domain.outreach.context import build_context, recipient
from domain.outreach.kinds import TEMPLATED_CHANNELS, Channel, MessageKind
from domain.outreach.render import render
from domain.outreach.repository import OutboxRepository
from domain.outreach.schemas import Message, MessageDetail
from domain.shared.outbox import DeliveryRefused

HIDDEN = "[patient]"
# Staff roles that read patient data in messages; the rest of the care team sees placeholders.
PHI_ROLES = frozenset({"admin", "intake", "clinician"})


def _mask(ctx: dict) -> dict:
    masked = dict(ctx)
    if "patient" in masked:
        masked["patient"] = {"given_name": HIDDEN, "short_name": HIDDEN}
    for key in ("note", "consult_summary"):
        if masked.get(key):
            masked[key] = "[hidden]"
    if masked.get("digest"):
        masked["digest"] = {**masked["digest"],
                            "items": [{**item, "patient": HIDDEN} for item in masked["digest"]["items"]]}
    return masked


async def message_detail(session: AsyncSession, *, message_id: uuid.UUID, role: str | None) -> MessageDetail:
    message = await OutboxRepository(session).get(message_id)
    show_phi = role in PHI_ROLES
    base = Message.model_validate(message).model_dump(exclude={"kind_label", "suppression_reason"})
    fields: dict = dict(recipient_name=None, recipient_address=None, subject=None, body=None, content_note=None,
                        phi_hidden=not show_phi)
    try:
        to = await recipient(session, message)
        for_patient = message.recipient_type == "patient"
        fields["recipient_name"] = HIDDEN if for_patient and not show_phi else to.name
        address = to.email if message.channel == Channel.email else to.phone
        fields["recipient_address"] = "[hidden]" if for_patient and not show_phi else address
        if Channel(message.channel) in TEMPLATED_CHANNELS:
            context = await build_context(session, message, to)
            subject, body = await template_for(session, MessageKind(message.kind), Channel(message.channel))
            content = render(subject, body, context if show_phi else _mask(context))
            fields.update(subject=content.subject, body=content.body,
                          content_note="Rendered from the current template and records.")
        else:
            fields["content_note"] = f"{message.channel} messages carry structured data, not text."
    except DeliveryRefused as exc:
        fields["content_note"] = f"Cannot be rendered: {exc}."
    except (ValueError, TemplateError):
        fields["content_note"] = f"No text for a {message.kind} message on {message.channel}."
    audit.note(session, "message.read", "message", message.id, patient_data="shown" if show_phi else "hidden")
    return MessageDetail(**base, **fields)
