"""What the analytics triggers cost each referral write, per key set.

    .venv/bin/python bench/analytics_write_cost.py [--rows 5000] [--rounds 3]

In a scratch database (`refloop_bench_writes`, or BENCH_WRITES_DATABASE_URL; built with `alembic
upgrade head`), each variant, in a transaction that is rolled back:
1. COPY --rows generated referrals (a day and a half of the 1,000,000-referral year): the facts,
   rollup and spread-mark triggers fire per row, as for a referral created through the API;
2. one status change per referral (a transition: the rollups take -1 and +1 rows per key);
3. `analytics_spreads_refresh` and `analytics_packs_refresh`, which the worker runs every minute, for
   the days they fell on.
Variants: `head` (every key: all, each filter, each referrer, each pair of filters; fact packs),
`before the packs` (no pack marks), `single keys` (the functions as `analytics_spreads` left them,
before the pair keys and the packs), `facts only` (the rollup, spread and pack triggers off) and `no
analytics` (the facts' own trigger off as well). They alternate within
each round, and the table is vacuumed between runs. Prints microseconds per insert and per update,
the refresh's milliseconds per 1,000 referrals, and the load average: read the differences between variants.
"""

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench import datagen  # noqa: E402
from bench.load_referrals import directory_ids, ensure_database, ensure_directory, migrate, plain  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/refloop_bench_writes"
YEAR = 1_000_000  # the rows are a slice of the bench's year, so a day holds a real day's referrals


def _revision(filename: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(filename, ROOT / "migrations" / "versions" / filename)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _before_packs() -> list[str]:
    """No fact packs: their mark trigger off, the other mark functions as `analytics_spreads` wrote them."""
    spreads = _revision("2026-12-05_analytics_spreads.py")
    marks = [spreads.REFERRAL_MARK, *spreads.LINK_MARKS]
    return [
        "ALTER TABLE analytics_referral_facts DISABLE TRIGGER analytics_pack_mark",
        *(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for function in marks),
    ]


def _single_keys() -> list[str]:
    """The rollup and refresh functions as `analytics_spreads` wrote them (no pair keys, no packs)."""
    spreads = _revision("2026-12-05_analytics_spreads.py")
    replaced = [
        spreads.APPLY,
        spreads.SYNC,
        spreads.REFRESH.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
    ]
    return [*_before_packs(), *replaced]


OFF = (
    "ALTER TABLE analytics_referral_facts DISABLE TRIGGER analytics_rollup_sync, "
    "DISABLE TRIGGER analytics_spread_mark, DISABLE TRIGGER analytics_pack_mark"
)
VARIANTS: dict[str, list[str]] = {
    "head": [],
    "before the packs": _before_packs(),
    "single keys": _single_keys(),
    "facts only": [OFF],
    "no analytics": [OFF, "ALTER TABLE referrals DISABLE TRIGGER analytics_referral_facts_sync"],
}


async def _timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def run_variant(conn: asyncpg.Connection, setup: list[str], rows: list[tuple]) -> dict[str, float]:
    ids = [row[datagen.COLUMNS.index("id")] for row in rows]
    transaction = conn.transaction()
    await transaction.start()
    try:
        for statement in setup:
            await conn.execute(statement)
        insert = await _timed(lambda: conn.copy_records_to_table("referrals", records=rows, columns=datagen.COLUMNS))
        # A status the generated rows rarely hold, so every row's rollup keys move.
        update = await _timed(
            lambda: conn.execute(
                "UPDATE referrals SET status = 'needs_info', status_reason = NULL, updated_at = now() "
                "WHERE id = ANY($1::uuid[])",
                ids,
            )
        )
        days = await conn.fetchval("SELECT count(DISTINCT day) FROM analytics_spread_marks")
        refresh = await _timed(lambda: conn.execute("SELECT analytics_spreads_refresh(1000)")) if days else 0.0
        packed = await conn.fetchval("SELECT count(DISTINCT day) FROM analytics_pack_marks")
        packs = await _timed(lambda: conn.execute("SELECT analytics_packs_refresh(1000)")) if packed else 0.0
    finally:
        await transaction.rollback()
    return {
        "insert_us": insert / len(rows) * 1e6,
        "update_us": update / len(rows) * 1e6,
        "refresh_ms_per_1000": refresh / len(rows) * 1e6,
        "packs_ms_per_1000": packs / len(rows) * 1e6,
    }


async def main_async(args: argparse.Namespace) -> None:
    url = os.environ.get("BENCH_WRITES_DATABASE_URL", DEFAULT_URL)
    await ensure_database(url)
    migrate(url)
    conn = await asyncpg.connect(plain(url))
    try:
        directory = directory_ids()
        await ensure_directory(conn, directory)
        # Referrals from other runs would make each day's refresh bigger than the run's own.
        await conn.execute("DELETE FROM referrals WHERE source_system = $1", datagen.SOURCE_SYSTEM)
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        rows = datagen.generate_batch(YEAR // args.rows // 2, args.rows, YEAR, 7, end, directory)
        print(f"{len(rows):,} referrals per run; {args.rounds} rounds; load at start {_load()}")
        figures: dict[str, list[dict[str, float]]] = defaultdict(list)
        for round_ in range(args.rounds):
            names = list(VARIANTS) if round_ % 2 == 0 else list(reversed(VARIANTS))
            for name in names:
                figures[name].append(await run_variant(conn, VARIANTS[name], rows))
                await conn.execute("VACUUM referrals, analytics_referral_facts, analytics_daily_rollup")
        print("| variant | µs per insert | µs per status change | spreads refresh | packs refresh |")
        print("|---|---|---|---|---|")
        for name, runs in figures.items():
            med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            print(
                f"| {name} | {med['insert_us']:.0f} | {med['update_us']:.0f} | {med['refresh_ms_per_1000']:.0f} | "
                f"{med['packs_ms_per_1000']:.0f} |"
            )
        print(f"refreshes in ms per 1,000 referrals; medians of {args.rounds} rounds; load at end {_load()}")
    finally:
        await conn.close()


def _load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="referrals per run")
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
