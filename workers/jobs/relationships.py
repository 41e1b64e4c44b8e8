"""Scheduled relationship work: the referrer figures snapshot and the cooling sweep."""

import structlog

import domain.models  # noqa: F401  (every table on the metadata: tasks point at users)
from domain.relationships import cooling, snapshot
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
    log.info("cooling sweep", checked=result.checked, opened=result.opened, closed=result.closed,
             seasonal_factor=round(result.seasonal_factor, 3))
    return {"checked": result.checked, "opened": result.opened, "closed": result.closed}
