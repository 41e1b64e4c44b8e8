"""Scheduled analytics work: folding the summary rollups' delta rows, rebuilding the days' spreads."""

from sqlalchemy import text

from domain.shared.db import unit_of_work
from workers.telemetry import observed

# Days rebuilt per transaction (about 20 ms each on 1,400 referrals a day): a bulk import's hundreds of
# marked days commit as they go rather than in one long transaction.
SPREAD_DAYS_PER_COMMIT = 50


@observed
async def compact_analytics_rollups(ctx: dict) -> None:
    """Writers append signed deltas (migration `analytics_rollups`); folding them keeps a period's read
    to about one row per day and key. Exact before and after: the sums do not change."""
    async with unit_of_work() as session:
        await session.execute(text("SELECT analytics_rollup_compact()"))


@observed
async def refresh_analytics_spreads(ctx: dict) -> None:
    """Rebuild the spreads and the fact packs of every day a change has marked (migrations
    `analytics_spreads`, `analytics_packs`). Readers take a marked day from the facts meanwhile, so this
    bounds how many they read, not whether they are right."""
    for refresh in ("analytics_spreads_refresh", "analytics_packs_refresh"):
        while True:
            async with unit_of_work() as session:
                rebuilt = (
                    await session.execute(text(f"SELECT {refresh}(:n)"), {"n": SPREAD_DAYS_PER_COMMIT})
                ).scalar_one()
            if rebuilt < SPREAD_DAYS_PER_COMMIT:
                break
