"""What a patient can do with the link in their appointment message: see, confirm, cancel, ask.

Every call is rate-limited by client address, and every use is audited (`patient_link.*`), the
refused ones too. A link that does not work, for whatever reason, is the same 404: a guessed or
replayed link learns nothing. A cancel goes through the same appointment code an EHR's FHIR cancel
does, so the appointment and the referral move exactly as they would then.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import note
from domain.identity.limits import rate_limit
from domain.outreach.render import practice_context
from domain.outreach.settings import outreach_settings
from domain.patient_links import preparation
from domain.patient_links.errors import LinkNotFound
from domain.patient_links.links import token_hash
from domain.patient_links.models import PatientLink
from domain.patient_links.repository import PatientLinkRepository
from domain.patient_links.schemas import LinkAppointment, PatientLinkView, PracticeInfo
from domain.reference.catalog import service_line_display
from domain.referrals import appointments
from domain.referrals.enums import AppointmentStatus, EventKind
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.referrals.repository import ReferralRepository
from domain.referrals.schemas import AppointmentUpdate
from domain.shared.clock import utcnow
from domain.tasks.enums import TaskPriority, TaskType
from domain.tasks.schemas import TaskCreate
from domain.tasks.service import create_task

ACTOR = "patient (appointment link)"
# Per client address: a person uses a link a handful of times; guessing needs millions of tries.
RATE_LIMIT = 30
RATE_WINDOW_SECONDS = 60
# Per link: questions open staff tasks, so a loop cannot flood the coordinator.
QUESTIONS_PER_HOUR = 5
QUESTION_DUE = timedelta(days=1)


@dataclass(frozen=True)
class Opened:
    link: PatientLink
    appointment: Appointment
    referral: Referral


def _gone() -> LinkNotFound:
    return LinkNotFound(practice_context()["phone"])


async def _open(session: AsyncSession, *, token: str, client: str, action: str, lock: bool = False) -> Opened:
    await rate_limit(f"patient-link:{client}", limit=RATE_LIMIT, window_seconds=RATE_WINDOW_SECONDS)
    link = await PatientLinkRepository(session).by_token_hash(token_hash(token), for_update=lock)
    if link is None:
        note(session, action, "patient_link", None, reason="unknown link")
        raise _gone()
    appointment = await session.get(Appointment, link.appointment_id, with_for_update=lock)
    if appointment is None:
        note(session, action, "patient_link", link.id, reason="appointment no longer exists")
        raise _gone()
    now = utcnow()
    reason = (
        "used to cancel"
        if link.cancelled_at is not None
        else f"appointment {appointment.status.value}"
        if appointment.status is not AppointmentStatus.booked
        else "expired"
        if now >= min(link.expires_at, appointment.start)
        else None
    )
    if reason is not None:
        note(session, action, "patient_link", link.id, reason=reason, appointment_id=str(appointment.id))
        raise _gone()
    referral = await ReferralRepository(session).get(link.referral_id)
    note(session, action, "patient_link", link.id, appointment_id=str(appointment.id), referral_id=str(referral.id))
    return Opened(link, appointment, referral)


async def _view(session: AsyncSession, opened: Opened) -> PatientLinkView:
    a, referral = opened.appointment, opened.referral
    practice = practice_context()
    return PatientLinkView(
        first_name=referral.patient_given_name,
        appointment=LinkAppointment(
            start=a.start,
            end=a.end,
            location=a.location,
            service_line=service_line_display(referral.service_line),
            time_zone=outreach_settings().default_time_zone,
            confirmed=await PatientLinkRepository(session).confirmed(a.id),
        ),
        practice=PracticeInfo(name=practice["name"], phone=practice["phone"]),
        preparation=await preparation.text_for(session, referral.service_line),
    )


def _timeline(session: AsyncSession, opened: Opened, what: str, note_text: str | None = None) -> None:
    ReferralRepository(session).add_event(
        ReferralEvent(
            referral_id=opened.referral.id,
            actor=ACTOR,
            kind=EventKind.appointment if note_text is None else EventKind.note,
            note=note_text,
            detail={"appointment_id": str(opened.appointment.id), "status": what, "channel": opened.link.channel},
        )
    )


async def show(session: AsyncSession, *, token: str, client: str) -> PatientLinkView:
    return await _view(session, await _open(session, token=token, client=client, action="patient_link.open"))


async def confirm(session: AsyncSession, *, token: str, client: str) -> PatientLinkView:
    """The patient says they will come. Confirming again changes nothing."""
    opened = await _open(session, token=token, client=client, action="patient_link.confirm", lock=True)
    if not await PatientLinkRepository(session).confirmed(opened.appointment.id):
        _timeline(session, opened, "confirmed by patient")
    if opened.link.confirmed_at is None:
        opened.link.confirmed_at = utcnow()
    await session.flush()
    return await _view(session, opened)


async def cancel(session: AsyncSession, *, token: str, client: str, reason: str) -> datetime:
    """Cancel as an EHR would (domain/referrals/appointments.py), keep the patient's reason sealed on the
    timeline, and ask the coordinator to rebook. Every link of this appointment stops working."""
    opened = await _open(session, token=token, client=client, action="patient_link.cancel", lock=True)
    await appointments.update_appointment(
        session,
        appointment_id=opened.appointment.id,
        expected_version=opened.appointment.version,
        actor=ACTOR,
        data=AppointmentUpdate(status=AppointmentStatus.cancelled, cancel_reason="cancelled by the patient"),
    )
    now = utcnow()
    opened.link.cancelled_at = now
    _timeline(session, opened, "cancelled by patient", note_text=reason)
    await create_task(
        session,
        actor=ACTOR,
        data=TaskCreate(
            type=TaskType.schedule,
            title="Patient cancelled their appointment: offer a new time",
            description=f"The patient's reason: {reason}",
            referral_id=opened.referral.id,
            assignee_id=opened.referral.assignee_id,
            queue=opened.referral.queue,
            due_at=now + QUESTION_DUE,
            priority=TaskPriority.high,
        ),
    )
    return now


async def ask(session: AsyncSession, *, token: str, client: str, question: str) -> datetime:
    """A question becomes a task for the referral's coordinator; its text is sealed like other task text."""
    opened = await _open(session, token=token, client=client, action="patient_link.question")
    await rate_limit(f"patient-link-question:{opened.link.id}", limit=QUESTIONS_PER_HOUR, window_seconds=3600)
    now = utcnow()
    await create_task(
        session,
        actor=ACTOR,
        data=TaskCreate(
            type=TaskType.call_patient,
            title="Patient question about their appointment",
            description=question,
            referral_id=opened.referral.id,
            assignee_id=opened.referral.assignee_id,
            queue=opened.referral.queue,
            due_at=now + QUESTION_DUE,
        ),
    )
    return now
