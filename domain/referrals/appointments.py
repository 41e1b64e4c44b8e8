"""Appointments, and how each change of one moves its referral (DESIGN.md lifecycle)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir import push as fhir_push
from domain.outreach import triggers as outreach
from domain.referrals.enums import AppointmentStatus as A
from domain.referrals.enums import EventKind, RescheduleReason
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.errors import AppointmentNotAllowed, AppointmentNotStarted
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.referrals.repository import AppointmentRepository, ReferralRepository
from domain.referrals.schemas import AppointmentCreate, AppointmentUpdate
from domain.referrals.service import apply_transition
from domain.shared.clock import utcnow
from domain.shared.errors import PreconditionFailed

NOT_BEFORE_START = frozenset({A.fulfilled, A.noshow})

APPOINTMENT_MOVES: dict[A, frozenset[A]] = {
    A.booked: frozenset({A.arrived, A.fulfilled, A.cancelled, A.noshow}),
    A.arrived: frozenset({A.fulfilled, A.cancelled}),
    A.fulfilled: frozenset(),
    A.cancelled: frozenset(),
    A.noshow: frozenset(),
}


async def book_appointment(
    session: AsyncSession, *, data: AppointmentCreate, actor: str, appointment_id: uuid.UUID | None = None
) -> Appointment:
    referral = await ReferralRepository(session).get(data.referral_id, for_update=True)
    status = S(referral.status)
    if status in (S.received, S.needs_info):
        # Booking a patient is acceptance in practice: record both moves.
        await apply_transition(
            session,
            referral,
            to=S.accepted,
            reason=None,
            note=None,
            actor=actor,
            detail={"cause": "appointment booked"},
        )
        status = S.accepted
    if status not in (S.accepted, S.scheduled):
        raise AppointmentNotAllowed(f"A referral that is {status.value} cannot get an appointment.")
    # dict(), not model_dump(): the schema serialises datetimes to text, the column wants datetimes.
    appointment = Appointment(**dict(data), status=A.booked)
    if appointment_id is not None:  # client-assigned (FHIR update-as-create)
        appointment.id = appointment_id
    AppointmentRepository(session).add(appointment)
    await session.flush()
    if status is S.accepted:
        await apply_transition(
            session,
            referral,
            to=S.scheduled,
            reason=None,
            note=None,
            actor=actor,
            detail={"appointment_id": str(appointment.id)},
        )
    _log(session, referral, actor, appointment, "booked")
    await outreach.on_appointment_booked(session, referral=referral, appointment=appointment)
    await fhir_push.on_appointment_changed(session, referral=referral, appointment=appointment)
    await session.flush()
    return appointment


async def update_appointment(
    session: AsyncSession, *, appointment_id: uuid.UUID, data: AppointmentUpdate, expected_version: int, actor: str
) -> Appointment:
    appointment = await AppointmentRepository(session).get(appointment_id, for_update=True)
    if appointment.version != expected_version:
        raise PreconditionFailed(
            f"The appointment changed since you read it (version {appointment.version}); read it again."
        )
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    new_status = changes.pop("status", None)
    for name, value in changes.items():
        setattr(appointment, name, value)
    if appointment.end is not None and appointment.end <= appointment.start:
        raise AppointmentNotAllowed("An appointment must end after it starts.")
    if new_status is not None and new_status != appointment.status:
        await _change_status(session, appointment, A(new_status), actor)
    elif "start" in changes and appointment.status == A.booked:
        # A moved appointment gets a reminder for its new time; the old one goes stale.
        referral = await ReferralRepository(session).get(appointment.referral_id)
        await outreach.on_appointment_booked(session, referral=referral, appointment=appointment)
    appointment.version += 1
    await session.flush()
    return appointment


async def _change_status(session: AsyncSession, appointment: Appointment, to: A, actor: str) -> None:
    current = A(appointment.status)
    if to not in APPOINTMENT_MOVES[current]:
        allowed = sorted(m.value for m in APPOINTMENT_MOVES[current])
        raise AppointmentNotAllowed(
            f"An appointment that is {current.value} cannot become {to.value}.", allowed=allowed
        )
    if to in NOT_BEFORE_START and appointment.start > utcnow():
        # Seen or missed can only be said of an appointment that has begun; saying it early would
        # close the referral and skew time-to-appointment and no-show figures.
        raise AppointmentNotStarted(to.value, appointment.start)
    appointment.status = to
    referral = await ReferralRepository(session).get(appointment.referral_id, for_update=True)
    _log(session, referral, actor, appointment, to.value)
    await outreach.on_appointment_status(session, referral=referral, appointment=appointment, to=to)
    await fhir_push.on_appointment_changed(session, referral=referral, appointment=appointment)
    if S(referral.status) is not S.scheduled:
        return
    if to is A.fulfilled:
        await apply_transition(
            session,
            referral,
            to=S.completed,
            reason=None,
            note=None,
            actor=actor,
            detail={"appointment_id": str(appointment.id)},
        )
    elif to in (A.noshow, A.cancelled):
        if to is A.noshow:
            referral.no_show_count += 1
        others = [a for a in await AppointmentRepository(session).booked_for(referral.id) if a.id != appointment.id]
        if not others:
            reason = RescheduleReason.no_show if to is A.noshow else RescheduleReason.appointment_cancelled
            await apply_transition(
                session,
                referral,
                to=S.accepted,
                reason=reason.value,
                note=None,
                actor=actor,
                detail={"appointment_id": str(appointment.id)},
            )


def _log(session: AsyncSession, referral: Referral, actor: str, appointment: Appointment, what: str) -> None:
    ReferralRepository(session).add_event(
        ReferralEvent(
            referral_id=referral.id,
            actor=actor,
            kind=EventKind.appointment,
            detail={"appointment_id": str(appointment.id), "status": what, "start": appointment.start.isoformat()},
        )
    )
