"""Confirmation and no-show rates by the channel that carried the patient's appointment link.

Over the appointments of the period's referrals (the summary's filters). An appointment counts under
a channel when a booking notice or reminder with a link went out through it (status sent); under
`none` when none did. confirmation = appointments the patient confirmed through a link / appointments
counted; no-show as DESIGN.md: noshow / (fulfilled + noshow).
"""

from typing import Any

from sqlalchemy import exists, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.patient_links.models import PatientLink
from domain.referrals.enums import AppointmentStatus as A
from domain.referrals.models import Appointment
from domain.shared.outbox import MessageStatus, OutboxMessage

NONE = "none"


COUNTS = ("appointments", "confirmed", "noshow", "ended")


async def by_channel(session: AsyncSession, *, facts: Any, where: list[Any]) -> list[dict[str, Any]]:
    stmt = counts(facts=facts, where=where).order_by("channel")
    return [row(r) for r in (await session.execute(stmt)).mappings()]


def counts(*, facts: Any, where: list[Any], per_fact: bool = False) -> Any:
    """Per channel, the COUNTS over the appointments of `facts` (anything with a referral_id) that meet `where`.
    `per_fact` looks each fact's appointments up by key, for a few facts among many appointments (a join
    may hash every appointment to meet a few hundred facts)."""
    links = PatientLink.__table__
    appointments = Appointment.__table__
    if per_fact:
        appointments = (
            select(appointments.c.id, appointments.c.status)
            .where(appointments.c.referral_id == facts.c.referral_id)
            .offset(0)  # kept a subquery run per fact, not flattened into a join
            .lateral("appointment")
        )
        source = facts.join(appointments, true())
    else:
        source = facts.join(appointments, appointments.c.referral_id == facts.c.referral_id)
    # Per appointment, through its index: the channels a link message went out by, and whether one was confirmed.
    sent = (
        select(links.c.channel)
        .join(OutboxMessage, OutboxMessage.id == links.c.message_id)
        .where(links.c.appointment_id == appointments.c.id, OutboxMessage.status == MessageStatus.sent)
        .distinct()
        .lateral("sent")
    )
    confirmed = exists().where(links.c.appointment_id == appointments.c.id, links.c.confirmed_at.is_not(None))
    channel = func.coalesce(sent.c.channel, literal(NONE)).label("channel")
    status = appointments.c.status
    return (
        select(
            channel,
            func.count().label("appointments"),
            func.count().filter(confirmed).label("confirmed"),
            func.count().filter(status == A.noshow).label("noshow"),
            func.count().filter(status.in_([A.noshow, A.fulfilled])).label("ended"),
        )
        .select_from(source.outerjoin(sent, true()))
        .where(*where)
        .group_by(channel)
    )


def _rate(count: int, of: int) -> dict[str, Any]:
    return {"count": count, "of": of, "rate": round(count / of, 4) if of else None}


def row_of(channel: str, counts: list[int]) -> dict[str, Any]:
    """`row` from a channel and its COUNTS in order, as the daily spreads and the facts reader hold them."""
    return row({"channel": channel, **dict(zip(COUNTS, counts, strict=True))})


def row(counts: Any) -> dict[str, Any]:
    """One channel's figures from its counts (channel, appointments, confirmed, noshow, ended)."""
    reminded = counts["channel"] != NONE
    return {
        "channel": counts["channel"],
        "appointments": counts["appointments"],
        "confirmation": _rate(counts["confirmed"], counts["appointments"]) if reminded else None,
        "no_show": _rate(counts["noshow"], counts["ended"]),
    }
