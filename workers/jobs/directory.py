"""Scheduled directory work: the duplicate review queue's refresh."""

import structlog

import domain.models  # noqa: F401  (every table on the metadata)
from domain.providers import queue
from domain.providers.errors import RefreshRunning
from domain.shared.db import unit_of_work
from workers.telemetry import observed

log = structlog.get_logger()


async def _refresh(full: bool) -> dict:
    try:
        async with unit_of_work() as session:
            result = await queue.refresh(session, full=full, actor="worker")
    except RefreshRunning:
        return {"skipped": "another refresh is running"}
    if result.rescored:
        log.info("duplicate queue refreshed", full=result.full, rescored=result.rescored, pairs=result.pairs)
    return {"full": result.full, "rescored": result.rescored, "pairs": result.pairs}


@observed
async def refresh_duplicate_queue(ctx: dict) -> dict:
    """The pairs of providers changed since the last run."""
    return await _refresh(full=False)


@observed
async def rebuild_duplicate_queue(ctx: dict) -> dict:
    """Every pair, nightly: also catches what an incremental run cannot see (a removed affiliation)."""
    return await _refresh(full=True)
