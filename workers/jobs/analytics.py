"""Scheduled analytics work: folding the summary rollups' delta rows."""

from sqlalchemy import text

from domain.shared.db import unit_of_work
from workers.telemetry import observed


@observed
async def compact_analytics_rollups(ctx: dict) -> None:
    """Writers append signed deltas (migration `analytics_rollups`); folding them keeps a period's read
    to about one row per day and key. Exact before and after: the sums do not change."""
    async with unit_of_work() as session:
        await session.execute(text("SELECT analytics_rollup_compact()"))
