"""Running clocks retimed after their calendar changed.

A clock stores its running milestones' due and at-risk times (lists, the work queue, the sweep and
analytics filter on them); a referral's page works them out from the calendar as it is now. When an
admin edits a calendar's hours or holidays, its open clocks are worked out again here, before the
minute's sweep escalates anything, so what the lists flag and the sweep escalates agree with what
the referral's page shows. A calendar whose `clocks_timed_version` trails its `version` is due.
"""

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journey.models import BusinessCalendar, ReferralClock
from domain.journey.sla import TIMELINE, keep_current, to_calendar
from domain.referrals import views
from domain.referrals.models import Referral
from domain.referrals.schemas import Referral as ReferralView
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work


async def retime_batch(
    session: AsyncSession, calendar_id: uuid.UUID, version: int, *, after: uuid.UUID | None, limit: int, now: datetime
) -> tuple[uuid.UUID | None, int]:
    """The next `limit` open clocks on the calendar after `after` (referral id order) worked out again
    by the calendar at `version`: (the last referral id, how many), or (None, 0) when none were left,
    and the calendar is then marked timed. The referrals and their clocks are locked meanwhile (a move
    locks the referral, then writes the clock), so a move and a retime of one referral do not write
    over each other. (None, 0) too when the calendar moved past `version` (or went): a later run starts
    it again."""
    calendar = await session.get(BusinessCalendar, calendar_id, populate_existing=True)
    if calendar is None or calendar.version != version:
        return None, 0
    stmt = (
        select(ReferralClock, *(getattr(Referral, name) for name in TIMELINE))
        .join(Referral, Referral.id == ReferralClock.referral_id)
        .where(ReferralClock.calendar_id == calendar_id, ReferralClock.is_open)
        .order_by(ReferralClock.referral_id)
        .limit(limit)
        # Both: a retime that waited on a move must see the clock the move left, not the one it first read.
        .with_for_update(of=(Referral, ReferralClock))
    )
    if after is not None:
        stmt = stmt.where(ReferralClock.referral_id > after)
    rows = (await session.execute(stmt)).all()
    if not rows:
        await session.execute(
            update(BusinessCalendar)
            .where(BusinessCalendar.id == calendar_id, BusinessCalendar.version == version)
            .values(clocks_timed_version=version)
        )
        return None, 0
    business = to_calendar(calendar)
    for clock, *timeline in rows:
        referral = views.construct(ReferralView, dict(zip(TIMELINE, timeline, strict=True)))
        keep_current(clock, referral, business, now)
    await session.flush()
    return rows[-1][0].referral_id, len(rows)


async def retime_edited_calendars(*, now: datetime | None = None, batch: int = 500) -> int:
    """Every calendar edited since its clocks were last timed, a batch per transaction (a practice's
    open referrals may number tens of thousands); returns the clocks retimed."""
    async with unit_of_work() as session:
        due = (
            await session.execute(
                select(BusinessCalendar.id, BusinessCalendar.version).where(
                    BusinessCalendar.clocks_timed_version != BusinessCalendar.version
                )
            )
        ).all()
    retimed = 0
    for calendar_id, version in due:
        after: uuid.UUID | None = None
        while True:
            async with unit_of_work() as session:
                after, count = await retime_batch(
                    session, calendar_id, version, after=after, limit=batch, now=now or utcnow()
                )
            retimed += count
            if after is None:
                break
    return retimed
