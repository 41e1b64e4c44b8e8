"""What a message says and where it goes, read from the current rows at send time.

Nothing here is stored: the outbox row names ids, this module turns them into names,
dates and addresses for the one moment a message is rendered.
"""

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Invitation
from domain.outreach.kinds import ACCOUNT_KINDS, LINK_KINDS, TITLES
from domain.outreach.kinds import MessageKind as K
from domain.outreach.render import practice_context
from domain.outreach.repository import LookupRepository, OutboxRepository
from domain.outreach.settings import outreach_settings
from domain.patient_links import links as patient_links
from domain.providers.models import Organization, Provider
from domain.referrals.models import Appointment, Referral
from domain.shared.clock import utcnow
from domain.shared.outbox import DeliveryRefused, OutboxMessage, open_secret
from domain.shared.settings import get_settings

DECLINE_WORDS = {
    "misdirected": "it looks like this referral was meant for a different specialty or clinic",
    "not_indicated": "based on the information we have, a specialist visit does not seem needed right now",
    "out_of_network": "the patient's insurance is not in network with our clinic",
    "other": "we are unable to see the patient for this request",
}


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str | None
    phone: str | None
    time_zone: str
    provider: Provider | None = None  # held so the context builder reuses the loaded row


def reference(referral_id: uuid.UUID) -> str:
    # The random tail of a UUIDv7: short, and unlike its head not shared by same-minute referrals.
    return "R-" + referral_id.hex[-8:].upper()


def _contact(points: list[dict[str, Any]], *systems: str) -> str | None:
    for system in systems:
        for point in points or []:
            if point.get("system") == system and point.get("value"):
                return str(point["value"])
    return None


def provider_name(provider: Provider) -> str:
    prefix = provider.prefix or ("Dr." if provider.credentials else "")
    return " ".join(p for p in (prefix, provider.given_name, provider.family_name) if p)


async def recipient(session: AsyncSession, message: OutboxMessage) -> Recipient:
    default_tz = outreach_settings().default_time_zone
    if message.recipient_type == "provider" and message.recipient_id:
        provider = await session.get(Provider, message.recipient_id)
        if provider is None:
            raise DeliveryRefused(f"provider {message.recipient_id} no longer exists")
        pref = await LookupRepository(session).preference(provider.id)
        return Recipient(
            provider_name(provider),
            _contact(provider.contact_points, "email"),
            _contact(provider.contact_points, "sms", "phone"),
            pref.time_zone if pref else default_tz,
            provider,
        )
    if message.recipient_type == "patient" and message.referral_id:
        referral = await session.get(Referral, message.referral_id)
        if referral is None:
            raise DeliveryRefused("referral no longer exists")
        return Recipient(referral.patient_given_name, referral.patient_email, referral.patient_phone, default_tz)
    if message.recipient_type == "organization" and message.recipient_id:
        organization = await session.get(Organization, message.recipient_id)
        if organization is None:
            raise DeliveryRefused(f"organization {message.recipient_id} no longer exists")
        return Recipient(
            organization.name,
            _contact(organization.contact_points, "email"),
            _contact(organization.contact_points, "sms", "phone"),
            default_tz,
        )
    if message.recipient_address:
        address = message.recipient_address
        return Recipient(address, address if "@" in address else None, None if "@" in address else address, default_tz)
    raise DeliveryRefused(f"no way to reach recipient {message.recipient_type} {message.recipient_id}")


def _day(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    return f"{local:%A}, {local:%B} {local.day}, {local.year}"


def _time(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    return local.strftime("%I:%M %p").lstrip("0")


def missing_items(note: str | None) -> list[str]:
    """The needs-info note lists what is missing, one item per line or separated by ; or ,."""
    if not note:
        return ["Please call us: we will explain what we need"]
    parts = re.split(r"[\n;]+" if re.search(r"[\n;]", note) else r",", note)
    return [p.strip(" -*•\t") for p in parts if p.strip(" -*•\t")]


def _patient(referral: Referral) -> dict[str, str]:
    family = referral.patient_family_name or ""
    return {
        "given_name": referral.patient_given_name,
        "short_name": f"{referral.patient_given_name} {family[:1]}.".strip(),
    }


ROLE_WORDS = {
    "admin": "an administrator",
    "intake": "an intake coordinator",
    "liaison": "a referral liaison",
    "clinician": "a clinician",
    "analyst": "an analyst",
    "referrer": "your practice's portal user",
}
HIDDEN_SECRET = "[one-time code]"


async def build_context(
    session: AsyncSession, message: OutboxMessage, to: Recipient, *, secrets: bool = True
) -> dict[str, Any]:
    """The template's variables. `secrets=False` (a preview) shows a one-time link without its token."""
    kind = K(message.kind)
    tz = outreach_settings().default_time_zone
    lookups = LookupRepository(session)
    ctx: dict[str, Any] = {
        "practice": practice_context(),
        "kind": kind.value,
        "referrer": {"display_name": to.name, "given_name": to.name, "family_name": ""},
    }
    if to.provider is not None:
        provider = to.provider
        ctx["referrer"] = {
            "display_name": provider_name(provider),
            "given_name": provider.given_name,
            "family_name": provider.family_name,
        }
    if kind in ACCOUNT_KINDS:
        return await _account_context(session, message, ctx, secrets=secrets)
    if kind is K.thread_message:
        # Only that a message waits, and where: its words stay behind the sign-in.
        assert message.referral_id is not None  # a thread message always belongs to a referral
        ctx["referral"] = {"reference": reference(message.referral_id)}
        ctx["link"] = f"{get_settings().web_app_url.rstrip('/')}{message.payload.get('path', '/')}"
        return ctx
    if kind is K.practice_report:
        ctx["report"] = await _practice_report(session, message)
        return ctx
    if kind is K.digest:
        ids = [uuid.UUID(i) for i in message.payload.get("message_ids", [])]
        held = await _held_messages(session, ids)
        ctx["digest"] = {"date": _day(utcnow(), to.time_zone), "items": held}
        return ctx
    if message.referral_id is None:
        return ctx
    referral = await session.get(Referral, message.referral_id)
    if referral is None:
        raise DeliveryRefused("referral no longer exists")
    ctx["patient"] = _patient(referral)
    ctx["referral"] = {
        "reference": reference(referral.id),
        "service_line": referral.service_line,
        "status": referral.status.value,
        "received_on": _day(referral.received_at, tz),
    }
    appointment = None
    ctx["appointment"] = None
    if message.payload.get("appointment_id"):
        appointment = await session.get(Appointment, uuid.UUID(message.payload["appointment_id"]))
    elif kind in (K.status_scheduled, K.loop_closure):
        appointment = await lookups.latest_appointment(referral.id)
    if appointment is not None:
        ctx["appointment"] = {
            "date": _day(appointment.start, tz),
            "time": _time(appointment.start, tz),
            "location": appointment.location,
            "link": None,
        }
    if kind in LINK_KINDS and appointment is not None:
        _patient_link(message, appointment, ctx, secrets=secrets)
    if kind is K.status_needs_info:
        request = await lookups.latest_request(referral.id, to_status="needs_info")
        # The checklist staff ticked; requests made before checklists existed listed items in the note.
        if request is not None and request.missing_items:
            ctx["missing"] = list(request.missing_items)
        else:
            ctx["missing"] = missing_items(request.note if request else None)
    if kind is K.status_declined:
        ctx["decline_reason"] = DECLINE_WORDS.get(referral.status_reason or "other", DECLINE_WORDS["other"])
        ctx["note"] = await lookups.latest_event_note(referral.id, to_status="declined")
    if kind is K.loop_closure:
        summary = await lookups.latest_event_note(referral.id, to_status="completed")
        ctx["consult_summary"] = summary or "The consult note will follow separately."
    return ctx


def _patient_link(message: OutboxMessage, appointment: Appointment, ctx: dict[str, Any], *, secrets: bool) -> None:
    """A notice of a visit that has begun is not sent (cadence holds back one that was cancelled or moved)."""
    if secrets and appointment.start <= utcnow():
        raise DeliveryRefused("the appointment has begun")
    token = open_secret(message.payload) if secrets else None
    if token:
        ctx["appointment"]["link"] = patient_links.url(token)
        ctx["secret"] = token
    elif not secrets:
        ctx["appointment"]["link"] = patient_links.url(HIDDEN_SECRET)


async def _held_messages(session: AsyncSession, ids: list[uuid.UUID]) -> list[dict[str, str]]:
    held = await OutboxRepository(session).by_ids(ids)
    referrals = await LookupRepository(session).referrals_by_ids([m.referral_id for m in held if m.referral_id])
    items = []
    for m in held:
        r = referrals.get(m.referral_id) if m.referral_id else None
        items.append(
            {
                "title": TITLES.get(K(m.kind), m.kind),
                "patient": _patient(r)["short_name"] if r else "",
                "reference": reference(r.id) if r else "",
            }
        )
    return items


async def _account_context(
    session: AsyncSession, message: OutboxMessage, ctx: dict[str, Any], *, secrets: bool
) -> dict[str, Any]:
    """An invitation or reset link. At send time a link that no longer works is not sent at all."""
    invitation = await session.get(Invitation, uuid.UUID(message.payload["invitation_id"]))
    if invitation is None:
        raise DeliveryRefused("the invitation no longer exists")
    token = open_secret(message.payload) if secrets else None
    if secrets:
        if token is None:
            raise DeliveryRefused("the message carries no link")
        if hashlib.sha256(token.encode()).hexdigest() != invitation.token_hash:
            raise DeliveryRefused("a newer link replaced this one")
        if invitation.revoked_at is not None or invitation.accepted_at is not None:
            raise DeliveryRefused("the link was revoked or used before it could be sent")
    tz = outreach_settings().default_time_zone
    base = get_settings().web_app_url.rstrip("/")
    ctx["invitation"] = {
        "name": invitation.full_name,
        "role": ROLE_WORDS.get(invitation.role.value, invitation.role.value),
        "link": f"{base}/invite/{token or HIDDEN_SECRET}",
        "expires": f"{_day(invitation.expires_at, tz)}, {_time(invitation.expires_at, tz)}",
    }
    ctx["referrer"] = {"display_name": invitation.full_name, "given_name": invitation.full_name, "family_name": ""}
    if token:
        ctx["secret"] = token
    return ctx


async def _practice_report(session: AsyncSession, message: OutboxMessage) -> dict[str, Any]:
    """The figures of the preview for the practice and month, read now: the mail and the preview agree."""
    from domain.relationships import practice_report

    month = date.fromisoformat(message.payload["month"] + "-01")
    assert message.recipient_id is not None  # a practice report is addressed to an organization
    report = await practice_report.preview(session, organization_id=message.recipient_id, month=month)
    return {
        "practice": report.name,
        "month": f"{month:%B %Y}",
        "referrals_sent": report.referrals_sent,
        "patients_seen": report.patients_seen,
        "median_wait": practice_report.wait_words(report.median_days_to_appointment),
        "loop_closure_notes_sent": report.loop_closure_notes_sent,
    }
