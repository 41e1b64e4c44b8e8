"""SLA clocks per referral: targets by urgency, pauses in needs_info, due times kept current."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey.business_time import DEFAULT_HOURS, Calendar, ClockInput, ClockState, business_seconds, clock_state
from domain.journey.models import BusinessCalendar, ReferralClock, SlaPolicy, WorkQueue
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.lifecycle import OPEN_STATUSES
from domain.referrals.models import Referral
from domain.referrals.schemas import Referral as ReferralView
from domain.shared.clock import utcnow

MILESTONES = ("first_contact", "scheduled")
# (first contact, scheduled) per urgency, as DESIGN.md sets them.
DEFAULT_TARGETS: dict[str, tuple[tuple[int, str], tuple[int, str]]] = {
    "stat": ((2, "hours"), (1, "days")),
    "asap": ((4, "hours"), (2, "days")),
    "urgent": ((8, "hours"), (5, "days")),
    "routine": ((16, "hours"), (10, "days")),
}
# Used until an admin saves a default calendar.
BUILT_IN = Calendar.build("UTC", DEFAULT_HOURS)
ENDED = {S.declined: "declined_at", S.cancelled: "cancelled_at"}
# The referral's columns a clock's state reads (`_inputs`): all a reader of the clocks needs of it.
TIMELINE = ("status", "received_at", "first_contact_at", "scheduled_at", "declined_at", "cancelled_at", "merged_at")


def holiday_dates(holidays: list[dict[str, str]]) -> set[date]:
    days: set[date] = set()
    for holiday in holidays:
        day, end = date.fromisoformat(holiday["start"]), date.fromisoformat(holiday.get("end") or holiday["start"])
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return days


# Calendars built from rows, by content: a Calendar remembers its days' opening times, so building one
# afresh for each read (a detail's SLA view) worked out every day since the referral came in again
# (0.1-0.7 ms a read). Keyed by what the row says, an edited calendar is simply another entry.
_BUILT: dict[tuple[Any, ...], Calendar] = {}
_BUILT_LIMIT = 64


def to_calendar(row: BusinessCalendar | None) -> Calendar:
    if row is None:
        return BUILT_IN
    key = (
        row.time_zone,
        tuple((day, tuple(map(tuple, spans))) for day, spans in row.weekly_hours.items()),
        tuple((holiday["start"], holiday.get("end")) for holiday in row.holidays),
    )
    built = _BUILT.get(key)
    if built is None:
        if len(_BUILT) >= _BUILT_LIMIT:
            _BUILT.clear()
        built = _BUILT[key] = Calendar.build(row.time_zone, row.weekly_hours, holiday_dates(row.holidays))
    return built


def target_seconds(value: int, unit: str, calendar: Calendar) -> int:
    return value * (3600 if unit == "hours" else calendar.day_seconds())


async def calendar_row_for_queue(session: AsyncSession, queue: str | None) -> BusinessCalendar | None:
    """The queue's calendar when it has one, else the default calendar (None: the built-in one)."""
    if queue:
        stmt = (
            select(BusinessCalendar)
            .join(WorkQueue, WorkQueue.calendar_id == BusinessCalendar.id)
            .where(WorkQueue.name == queue)
        )
        row = (await session.execute(stmt)).scalar_one_or_none()
        if row is not None:
            return row
    return (await session.execute(select(BusinessCalendar).where(BusinessCalendar.is_default))).scalar_one_or_none()


async def policy_targets(session: AsyncSession, urgency: str) -> tuple[tuple[int, str], tuple[int, str]]:
    row = await session.get(SlaPolicy, urgency)
    if row is None:
        return DEFAULT_TARGETS[urgency]
    return (row.first_contact_value, row.first_contact_unit), (row.scheduled_value, row.scheduled_unit)


def _inputs(referral: Referral | ReferralView, clock: ReferralClock) -> dict[str, ClockInput]:
    status = S(referral.status)
    stopped_at = getattr(referral, ENDED[status]) if status in ENDED else None
    if referral.merged_at is not None:  # folded into another referral: that one's clocks carry on
        stopped_at = referral.merged_at

    def milestone(target_seconds: int, done_at: datetime | None) -> ClockInput:
        return ClockInput(
            target_seconds=target_seconds,
            done_at=done_at,
            received_at=referral.received_at,
            stopped_at=stopped_at,
            paused_seconds=clock.paused_seconds,
            paused_since=clock.paused_since,
        )

    return {
        "first_contact": milestone(clock.first_contact_target_s, referral.first_contact_at),
        "scheduled": milestone(clock.scheduled_target_s, referral.scheduled_at),
    }


def _states(
    calendar: Calendar, referral: Referral | ReferralView, clock: ReferralClock, now: datetime, *, risk: bool = True
) -> dict[str, ClockState]:
    return {name: clock_state(calendar, given, now=now, risk=risk) for name, given in _inputs(referral, clock).items()}


URGENCY_RANK = {"stat": 0, "asap": 1, "urgent": 2, "routine": 3}


def _owner(clock: ReferralClock, referral: Referral) -> None:
    clock.assignee_id, clock.queue = referral.assignee_id, referral.queue
    clock.is_open = S(referral.status) in OPEN_STATUSES and referral.merged_into_id is None
    clock.urgency_rank = URGENCY_RANK[str(referral.urgency)]


def _store(clock: ReferralClock, states: dict[str, ClockState]) -> None:
    running = {name: s for name, s in states.items() if s.running}
    clock.first_contact_due_at = running["first_contact"].due_at if "first_contact" in running else None
    clock.scheduled_due_at = running["scheduled"].due_at if "scheduled" in running else None
    clock.next_due_at = min((s.due_at for s in running.values() if s.due_at), default=None)
    clock.next_risk_at = min((s.at_risk_at for s in running.values() if s.at_risk_at), default=None)
    for name, s in states.items():
        setattr(clock, f"{name}_met", (s.state == "met") if s.reached else None)


def keep_current(clock: ReferralClock, referral: Referral | ReferralView, calendar: Calendar, now: datetime) -> None:
    """The clock's stored due and at-risk times and met flags, as the calendar and the referral say now."""
    _store(clock, _states(calendar, referral, clock, now))


async def _calendar(session: AsyncSession, calendar_id: uuid.UUID | None) -> Calendar:
    return to_calendar(await session.get(BusinessCalendar, calendar_id) if calendar_id else None)


async def _targets(session: AsyncSession, urgency: str, calendar: Calendar) -> tuple[int, int]:
    """The (first contact, scheduled) targets in business seconds the urgency's policy sets today."""
    from domain.journey import config

    settings = await config.current(session)
    first, scheduled = settings.policies.get(urgency) or DEFAULT_TARGETS[urgency]
    return target_seconds(*first, calendar), target_seconds(*scheduled, calendar)


async def start_clock(session: AsyncSession, referral: Referral, *, now: datetime | None = None) -> ReferralClock:
    from domain.journey import config

    settings = await config.current(session)
    calendar_id, calendar = settings.calendar_for(referral.queue)
    calendar = calendar or BUILT_IN
    first, scheduled = await _targets(session, str(referral.urgency), calendar)
    clock = ReferralClock(
        referral_id=referral.id,
        calendar_id=calendar_id,
        paused_seconds=0,
        first_contact_target_s=first,
        scheduled_target_s=scheduled,
    )
    if S(referral.status) is S.needs_info:
        clock.paused_since = referral.needs_info_at or referral.received_at
    keep_current(clock, referral, calendar, now or utcnow())
    _owner(clock, referral)
    session.add(clock)
    return clock


async def on_referral_changed(session: AsyncSession, referral: Referral, *, now: datetime | None = None) -> None:
    """After a move, a first contact or an edit: pause on entering needs_info, resume on leaving it,
    follow a new urgency, and keep the due times current."""
    clock = await session.get(ReferralClock, referral.id)
    if clock is None:  # referrals from before clocks existed
        return
    now = now or utcnow()
    calendar = await _calendar(session, clock.calendar_id)
    if clock.urgency_rank != URGENCY_RANK[str(referral.urgency)]:
        # Targets are per urgency and run from received_at: a new urgency re-targets both milestones
        # (received + the new urgency's policy + pauses), as if it had come in with that urgency.
        clock.first_contact_target_s, clock.scheduled_target_s = await _targets(
            session, str(referral.urgency), calendar
        )
    status = S(referral.status)
    if status is S.needs_info and clock.paused_since is None:
        clock.paused_since = now
    elif status is not S.needs_info and clock.paused_since is not None:
        clock.paused_seconds += business_seconds(calendar, clock.paused_since, now)
        clock.paused_since = None
    keep_current(clock, referral, calendar, now)
    _owner(clock, referral)


@dataclass(frozen=True)
class MilestoneView:
    milestone: str
    state: str
    due_at: datetime | None
    business_seconds_left: int
    target_business_seconds: int
    paused: bool
    stopped: bool
    reached_at: datetime | None
    escalated_at: datetime | None


async def view(
    session: AsyncSession, referral: Referral | ReferralView, *, now: datetime | None = None
) -> list[MilestoneView]:
    clock = await session.get(ReferralClock, referral.id)
    if clock is None:
        return []
    calendar_row = await session.get(BusinessCalendar, clock.calendar_id) if clock.calendar_id else None
    return view_of(referral, clock, calendar_row, now=now or utcnow())


def view_of(
    referral: Referral | ReferralView, clock: ReferralClock, calendar_row: BusinessCalendar | None, *, now: datetime
) -> list[MilestoneView]:
    """`view` from rows already read (domain/referrals/audited_reads.py reads them with the referral)."""
    states = _states(to_calendar(calendar_row), referral, clock, now, risk=False)
    return [
        MilestoneView(
            milestone=name,
            state=s.state,
            due_at=s.due_at,
            business_seconds_left=s.business_seconds_left,
            target_business_seconds=getattr(clock, f"{name}_target_s"),
            paused=s.paused,
            stopped=s.stopped,
            reached_at=getattr(referral, f"{name}_at"),
            escalated_at=getattr(clock, f"{name}_escalated_at"),
        )
        for name, s in states.items()
    ]
