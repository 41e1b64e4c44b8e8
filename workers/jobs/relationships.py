"""Scheduled relationship work: the referrer figures snapshot, the cooling sweep, the monthly practice reports."""

import structlog

import domain.models  # noqa: F401  (every table on the metadata: tasks point at users)
from domain.journey import sla
from domain.relationships import cooling, practice_report, snapshot
from domain.shared.db import unit_of_work
from workers.telemetry import observed

log = structlog.get_logger()


@observed
async def refresh_referrer_figures(ctx: dict) -> int:
    async with unit_of_work() as session:
        return await snapshot.refresh(session)


@observed
async def cooling_sweep(ctx: dict) -> dict:
    """Cooling first, then the snapshot, so the list's cooling flags and the new tasks agree."""
    async with unit_of_work() as session:
        result = await cooling.run(session)
        await snapshot.refresh(session)
    log.info(
        "cooling sweep",
        checked=result.checked,
        opened=result.opened,
        closed=result.closed,
        seasonal_factor=round(result.seasonal_factor, 3),
    )
    return {"checked": result.checked, "opened": result.opened, "closed": result.closed}


async def practice_reports(ctx: dict) -> dict:
    """Last month's report to each referring practice, from the first business day of the month
    (the default business calendar's) on; idempotent, so the hourly run queues each report once."""
    async with unit_of_work() as session:
        calendar = sla.to_calendar(await sla.calendar_row_for_queue(session, None))
        run = await practice_report.queue_reports(session, calendar=calendar)
    month = run.month and run.month.isoformat()
    if run.queued:  # hourly runs that find everything queued already stay quiet
        log.info("practice reports queued", month=month, queued=run.queued, unreachable=run.unreachable)
    return {"month": month, "queued": run.queued, "unreachable": run.unreachable}
