"""The monthly report back to a referring practice: what became of the patients it sent.

`preview` renders it for any practice and month. `queue_reports`, run by the worker, queues one
report per practice that sent referrals last month through the outbox, from the first business day
of the month on (a run missed that day catches up later in the month); the outbox's idempotency key
(`practice_report:<organization>:<YYYY-MM>`) makes a repeated or concurrent run queue nothing twice.
The message is rendered at send time from `preview`, so the mail says what the preview says.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.journey.business_time import Calendar
from domain.outreach.kinds import Channel, MessageKind
from domain.providers.enums import ContactMethod
from domain.providers.models import Organization
from domain.relationships.repository import PracticeReportRepository
from domain.relationships.schemas import PracticeReport
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from domain.shared.outbox import add_message

KEY_PREFIX = f"{MessageKind.practice_report.value}:"


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def idempotency_key(organization_id: uuid.UUID, month: date) -> str:
    return f"{KEY_PREFIX}{organization_id}:{month:%Y-%m}"


def wait_words(median_days: float | None) -> str:
    return "no appointment yet" if median_days is None else f"{median_days:.1f} days"


async def _organization(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization", organization_id)
    return organization


async def preview(session: AsyncSession, *, organization_id: uuid.UUID, month: date) -> PracticeReport:
    organization = await _organization(session, organization_id)
    start, end = month_bounds(month)
    figures = await PracticeReportRepository(session).figures(organization_id, start=start, end=end)
    label = start.strftime("%B %Y")
    text = (
        f"{organization.name}, {label}: you sent us {figures.sent} referrals; {figures.seen} of your patients "
        f"were seen; the median wait to a first appointment was {wait_words(figures.median_days)}; we sent "
        f"{figures.notes} visit summaries back."
    )
    return PracticeReport(
        organization_id=organization_id,
        name=organization.name,
        month=start.date(),
        referrals_sent=figures.sent,
        patients_seen=figures.seen,
        median_days_to_appointment=figures.median_days,
        loop_closure_notes_sent=figures.notes,
        opted_out=organization.monthly_report_opt_out,
        channel=channel_for(organization),
        text=text,
    )


def first_business_day(calendar: Calendar, month: date) -> date:
    """The month's first day the calendar opens (its 1st when it never opens that month)."""
    day = month.replace(day=1)
    while day.month == month.month:
        if calendar.open_spans(day):
            return day
        day += timedelta(days=1)
    return month.replace(day=1)


def _contact(organization: Organization, *systems: str) -> str | None:
    for system in systems:
        for point in organization.contact_points or []:
            if point.get("system") == system and point.get("value"):
                return str(point["value"])
    return None


def channel_for(organization: Organization) -> Channel | None:
    """The practice's preferred method picks the channel (sms, else email); a channel it has no
    address for falls back to the other; None when it has neither. A plain phone number is texted
    only when the practice said it prefers texts."""
    email, phone = _contact(organization, "email"), _contact(organization, "sms")
    if organization.preferred_contact_method == ContactMethod.sms:
        phone = phone or _contact(organization, "phone")
    if organization.preferred_contact_method == ContactMethod.sms and phone:
        return Channel.sms
    if email:
        return Channel.email
    return Channel.sms if phone else None


@dataclass(frozen=True)
class ReportRun:
    month: date | None  # the month reported on; None when today is before the first business day
    queued: int = 0
    unreachable: int = 0  # practices with neither an email address nor a text number


async def queue_reports(session: AsyncSession, *, calendar: Calendar, now: datetime | None = None) -> ReportRun:
    """Queue last month's report for every practice that sent referrals then, has not opted out,
    and has not had it queued yet."""
    now = now or utcnow()
    today = calendar.local_day(now)
    first = first_business_day(calendar, today)
    if today < first:
        return ReportRun(month=None)
    month = previous_month(today)
    start, end = month_bounds(month)
    spans = calendar.open_spans(first)
    # Queued early on the day, it waits for the day's opening; later, it goes now.
    not_before = max(now, spans[0][0]) if spans and today == first else now
    queued = unreachable = 0
    for organization in await PracticeReportRepository(session).due(
        start=start, end=end, key_prefix=KEY_PREFIX, month_label=f"{month:%Y-%m}"
    ):
        channel = channel_for(organization)
        if channel is None:
            unreachable += 1
            continue
        message = await add_message(
            session,
            channel=channel.value,
            kind=MessageKind.practice_report.value,
            recipient_type="organization",
            recipient_id=organization.id,
            payload={"organization_id": str(organization.id), "month": f"{month:%Y-%m}"},
            idempotency_key=idempotency_key(organization.id, month),
            not_before=not_before,
        )
        queued += message is not None
    return ReportRun(month=month, queued=queued, unreachable=unreachable)


async def set_opt_out(session: AsyncSession, *, organization_id: uuid.UUID, opted_out: bool) -> Organization:
    organization = await _organization(session, organization_id)
    if organization.monthly_report_opt_out != opted_out:
        organization.monthly_report_opt_out = opted_out
        organization.version += 1
        await session.flush()
    audit.note(session, "organization.monthly_report_opt_out", "organization", organization_id, opted_out=opted_out)
    return organization


async def is_opted_out(session: AsyncSession, organization_id: uuid.UUID) -> bool:
    organization = await session.get(Organization, organization_id)
    return organization is None or organization.monthly_report_opt_out
