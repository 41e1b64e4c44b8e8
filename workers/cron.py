"""Scheduled sweeps. Each is idempotent: a run repeated by two workers queues nothing twice."""

from domain.journey import completeness, sweeps as journey_sweeps
from domain.outreach import sweeps
from domain.shared.db import unit_of_work


async def daily_digests(ctx: dict) -> int:
    async with unit_of_work() as session:
        return await sweeps.queue_digests(session)


async def referrer_check_ins(ctx: dict) -> int:
    async with unit_of_work() as session:
        return await sweeps.queue_check_ins(session)


async def sla_sweep(ctx: dict) -> int:
    """SLA escalations, then needs-info reminders and declines as incomplete."""
    async with unit_of_work() as session:
        opened = await journey_sweeps.escalate_breaches(session)
    async with unit_of_work() as session:
        reminded, declined = await completeness.sweep(session)
    return opened + reminded + declined
