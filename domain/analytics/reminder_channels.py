"""Confirmation and no-show rates by the channel that carried the patient's appointment link.

Over the appointments of the period's referrals (the summary's filters). An appointment counts under
a channel when a booking notice or reminder with a link went out through it (status sent); under
`none` when none did. confirmation = appointments the patient confirmed through a link / appointments
counted; no-show as DESIGN.md: noshow / (fulfilled + noshow).
"""

from typing import Any

from sqlalchemy import and_, exists, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.patient_links.models import PatientLink
from domain.referrals.enums import AppointmentStatus as A
from domain.referrals.models import Appointment
from domain.shared.outbox import MessageStatus, OutboxMessage

NONE = "none"


async def by_channel(session: AsyncSession, *, facts: Any, where: list[Any]) -> list[dict[str, Any]]:
    links = PatientLink.__table__
    # Per appointment, through its index: the channels a link message went out by, and whether one was confirmed.
    sent = (
        select(links.c.channel)
        .join(OutboxMessage, OutboxMessage.id == links.c.message_id)
        .where(links.c.appointment_id == Appointment.id, OutboxMessage.status == MessageStatus.sent)
        .distinct()
        .lateral("sent")
    )
    confirmed = exists().where(links.c.appointment_id == Appointment.id, links.c.confirmed_at.is_not(None))
    channel = func.coalesce(sent.c.channel, literal(NONE)).label("channel")
    stmt = (
        select(
            channel,
            func.count().label("appointments"),
            func.count().filter(confirmed).label("confirmed"),
            func.count().filter(Appointment.status == A.noshow).label("noshow"),
            func.count().filter(Appointment.status.in_([A.noshow, A.fulfilled])).label("ended"),
        )
        .select_from(facts.join(Appointment, Appointment.referral_id == facts.c.referral_id).outerjoin(sent, true()))
        .where(and_(*where))
        .group_by(channel)
        .order_by(channel)
    )
    return [_row(r) for r in (await session.execute(stmt)).mappings()]


def _rate(count: int, of: int) -> dict[str, Any]:
    return {"count": count, "of": of, "rate": round(count / of, 4) if of else None}


def _row(row: Any) -> dict[str, Any]:
    reminded = row["channel"] != NONE
    return {
        "channel": row["channel"],
        "appointments": row["appointments"],
        "confirmation": _rate(row["confirmed"], row["appointments"]) if reminded else None,
        "no_show": _rate(row["noshow"], row["ended"]),
    }
