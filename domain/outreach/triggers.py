"""Which messages a change produces. Called by the referral code inside its own transaction,
so a message exists exactly when the change it reports was committed."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.kinds import Channel
from domain.outreach.kinds import MessageKind as K
from domain.outreach.repository import LookupRepository
from domain.outreach.settings import outreach_settings
from domain.patient_links import links as patient_links
from domain.providers.enums import ContactMethod
from domain.referrals.enums import AppointmentStatus, SourceChannel
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Appointment, Referral
from domain.shared.clock import utcnow
from domain.shared.outbox import SECRET_KEY, add_message, seal_secret

STATUS_KINDS = {
    S.accepted: K.status_accepted,
    S.needs_info: K.status_needs_info,
    S.scheduled: K.status_scheduled,
    S.declined: K.status_declined,
    S.completed: K.loop_closure,
}


def referrer_channel(method: str | None, referral: Referral) -> Channel | None:
    """The referrer's preferred contact method picks the channel; email is the fallback."""
    if method == ContactMethod.sms:
        return Channel.sms
    if method == ContactMethod.fhir and referral.source_channel == SourceChannel.fhir:
        return None  # their EHR hears about it through the FHIR Task (integrations/fhir)
    return Channel.email


def patient_channel(referral: Referral) -> Channel | None:
    if referral.patient_phone:
        return Channel.sms
    if referral.patient_email:
        return Channel.email
    return None


async def _to_referrer(
    session: AsyncSession, referral: Referral, kind: K, key: str, payload: dict[str, Any] | None = None
) -> None:
    if referral.referring_provider_id is not None:
        preference = await LookupRepository(session).contact_preference(referral.referring_provider_id)
        channel = referrer_channel(preference["preferred_contact_method"], referral) if preference else None
        if channel is not None:
            await add_message(
                session,
                channel=channel.value,
                kind=kind.value,
                recipient_type="provider",
                recipient_id=referral.referring_provider_id,
                referral_id=referral.id,
                idempotency_key=f"{key}:{channel.value}",
                payload={"referral_id": str(referral.id), **(payload or {})},
            )
    await _to_partner(session, referral, kind, key, payload)


async def _to_partner(
    session: AsyncSession, referral: Referral, kind: K, key: str, payload: dict[str, Any] | None
) -> None:
    if referral.referring_organization_id is None:
        return
    for endpoint in await LookupRepository(session).endpoints_for(referral.referring_organization_id):
        if endpoint.kinds and kind.value not in endpoint.kinds:
            continue
        await add_message(
            session,
            channel=Channel.webhook.value,
            kind=kind.value,
            recipient_type="webhook_endpoint",
            recipient_id=endpoint.id,
            referral_id=referral.id,
            idempotency_key=f"{key}:webhook:{endpoint.id}",
            payload={
                "referral_id": str(referral.id),
                "status": referral.status.value,
                "version": referral.version,
                **(payload or {}),
            },
        )


async def on_referral_created(session: AsyncSession, *, referral: Referral) -> None:
    await _to_referrer(session, referral, K.acknowledgement, f"acknowledgement:{referral.id}")
    if referral.referring_provider_id is not None and await LookupRepository(session).is_first_referral_from(
        referral.referring_provider_id
    ):
        await _to_referrer(session, referral, K.thank_you, f"thank_you:{referral.referring_provider_id}")


async def on_transition(session: AsyncSession, *, referral: Referral, to: S) -> None:
    kind = STATUS_KINDS.get(to)
    if kind is not None:
        await _to_referrer(session, referral, kind, f"{kind.value}:{referral.id}:{referral.version}")


async def on_info_reminder(session: AsyncSession, *, referral: Referral, number: int) -> None:
    """Another ask for what a needs-info referral still lacks (the list is on its needs_info event)."""
    kind = K.status_needs_info
    await _to_referrer(session, referral, kind, f"{kind.value}:{referral.id}:reminder:{number}")


async def on_appointment_booked(session: AsyncSession, *, referral: Referral, appointment: Appointment) -> None:
    """A booking notice now and a reminder before the visit, each with its own patient link."""
    channel = patient_channel(referral)
    now = utcnow()
    if channel is None or appointment.start <= now:
        return
    remind_at = max(now, appointment.start - timedelta(days=outreach_settings().reminder_days_before))
    stamp = f"{appointment.id}:{appointment.start.isoformat()}"
    for kind, not_before in ((K.appointment_booked, now), (K.reminder, remind_at)):
        await _with_link(session, referral, appointment, channel, kind, f"{kind.value}:{stamp}", not_before)


async def _with_link(
    session: AsyncSession,
    referral: Referral,
    appointment: Appointment,
    channel: Channel,
    kind: K,
    key: str,
    not_before: datetime,
) -> None:
    token = patient_links.new_token()
    message = await add_message(
        session,
        channel=channel.value,
        kind=kind.value,
        recipient_type="patient",
        referral_id=referral.id,
        idempotency_key=key,
        not_before=not_before,
        payload={
            "referral_id": str(referral.id),
            "appointment_id": str(appointment.id),
            "start": appointment.start.isoformat(),
            SECRET_KEY: seal_secret(token),
        },
    )
    if message is not None:  # else queued before, with its own link
        patient_links.add(
            session, token=token, appointment=appointment, channel=channel.value, kind=kind.value, message_id=message.id
        )


async def on_appointment_status(
    session: AsyncSession, *, referral: Referral, appointment: Appointment, to: AppointmentStatus
) -> None:
    if to is not AppointmentStatus.noshow:
        return
    channel = patient_channel(referral)
    if channel is None:
        return
    await add_message(
        session,
        channel=channel.value,
        kind=K.no_show.value,
        recipient_type="patient",
        referral_id=referral.id,
        idempotency_key=f"no_show:{appointment.id}",
        payload={"referral_id": str(referral.id), "appointment_id": str(appointment.id)},
    )
