"""Scheduled sweeps. Each is idempotent: a run repeated by two workers queues nothing twice."""

from domain.journey import completeness, retime
from domain.journey import sweeps as journey_sweeps
from domain.outreach import sweeps
from domain.shared.db import unit_of_work
from workers.telemetry import SLA_BREACHES, observed


@observed
async def daily_digests(ctx: dict) -> int:
    async with unit_of_work() as session:
        return await sweeps.queue_digests(session)


@observed
async def referrer_check_ins(ctx: dict) -> int:
    async with unit_of_work() as session:
        return await sweeps.queue_check_ins(session)


@observed
async def sla_sweep(ctx: dict) -> int:
    """Clocks of edited calendars retimed, SLA escalations, then needs-info reminders and declines as incomplete."""
    # First: a breach the edit took away (a holiday added) is not escalated, one it brought is.
    await retime.retime_edited_calendars()
    async with unit_of_work() as session:
        by_milestone = await journey_sweeps.escalate_by_milestone(session)
    # Counted once committed: a sweep whose transaction failed opened nothing.
    for milestone, count in by_milestone.items():
        SLA_BREACHES.labels(milestone).inc(count)
    opened = sum(by_milestone.values())
    async with unit_of_work() as session:
        reminded, declined = await completeness.sweep(session)
    return opened + reminded + declined
