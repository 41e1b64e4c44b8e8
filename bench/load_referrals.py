"""Load 1,000,000 realistic referrals into the benchmark database (refloop_bench).

    .venv/bin/python bench/load_referrals.py [--rows 1000000] [--workers 2]

Builds the schema with `alembic upgrade head`, rebuilds the database when the models have
moved on since it was loaded (the initial migration is regenerated in place, so alembic
alone cannot tell), then COPYs rows generated in worker processes. Idempotent: rows
already loaded are counted and skipped, so a second run (or a resumed one) only tops up.
"""

import argparse
import asyncio
import fcntl
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench import datagen  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/refloop_bench"
NS = uuid.UUID("6f1b3c1e-2a55-4f0e-9a53-0b5e6c1d7a10")
REFERRERS, ORGANIZATIONS, RECEIVERS, USERS = 400, 120, 60, 12


def bench_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def ensure_database(url: str, *, drop: bool = False) -> None:
    base, _, name = plain(url).rpartition("/")
    if not name.startswith("refloop_bench"):
        raise SystemExit(f"refusing to manage database {name!r}: the benchmark only owns refloop_bench*")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        if drop:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def migrate(url: str) -> None:
    """`alembic upgrade head`, holding the lock /tmp/regen.sh takes while it moves migration files around."""
    env = {**os.environ, "DATABASE_URL": plain(url)}
    for attempt in range(1, 4):
        with open("/tmp/regen.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            done = subprocess.run(
                [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True
            )
        if done.returncode == 0:
            return
        print(f"alembic upgrade head failed (attempt {attempt}/3): {done.stderr.strip().splitlines()[-1][:300]}")
        time.sleep(20)
    raise SystemExit("the migrations do not apply right now; run again once they do")


def _apply_additions(sync, metadata) -> tuple[list[str], list[str]]:
    """Create what the models add (tables, nullable columns, indexes); list what would need a rebuild."""
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from alembic.operations import Operations, ops

    context = MigrationContext.configure(sync, opts={"compare_type": False})
    script = produce_migrations(context, metadata)
    runner = Operations(context)
    applied: list[str] = []
    blocking: list[str] = []
    assert script.upgrade_ops is not None  # produce_migrations always fills it
    for op in script.upgrade_ops.ops:
        subs = op.ops if isinstance(op, ops.ModifyTableOps) else [op]
        for sub in subs:
            if isinstance(sub, (ops.CreateTableOp, ops.CreateIndexOp)):
                runner.invoke(sub)
                applied.append(
                    f"{type(sub).__name__} {getattr(sub, 'table_name', '')}.{getattr(sub, 'index_name', '') or ''}"
                )
            elif isinstance(sub, ops.AddColumnOp):
                if sub.column.nullable or sub.column.server_default is not None:
                    runner.invoke(sub)
                    applied.append(f"add column {sub.table_name}.{sub.column.name}")
                else:
                    blocking.append(f"NOT NULL column {sub.table_name}.{sub.column.name}")
            # Drops are objects that hand-written migrations own; type changes do not affect the load.
    return applied, blocking


async def sync_schema(url: str) -> list[str]:
    """Bring the database up to the models in this working tree.

    The initial migration is regenerated in place under a fixed revision id, so once the
    1M rows are loaded `alembic upgrade head` alone never sees new tables or columns.
    Additions are applied in place (cheap); anything else is returned as a reason to rebuild.
    """
    from sqlalchemy.ext.asyncio import create_async_engine

    from domain.models import metadata

    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.begin() as conn:
            applied, blocking = await conn.run_sync(_apply_additions, metadata)
    finally:
        await engine.dispose()
    if applied:
        print(f"schema: applied {len(applied)} addition(s) from the models: {', '.join(applied[:6])}")
    return blocking


def directory_ids() -> datagen.Directory:
    def ids(kind: str, n: int) -> list[uuid.UUID]:
        return [uuid.uuid5(NS, f"{kind}-{i}") for i in range(n)]

    orgs = ids("organization", ORGANIZATIONS)
    # Large groups hold many referrers: provider i belongs to organization (i * i) % n, which clusters.
    referrers = [(pid, orgs[(i * i) % ORGANIZATIONS]) for i, pid in enumerate(ids("referrer", REFERRERS))]
    return datagen.Directory(referrers, ids("receiver", RECEIVERS), ids("user", USERS), seed=7)


async def ensure_directory(conn: asyncpg.Connection, d: datagen.Directory) -> None:
    now = datetime.now(UTC)
    orgs = sorted({org for _, org in d.referrers})
    await conn.executemany(
        "INSERT INTO organizations (id, name, npi, kind, created_at, updated_at, version) "
        "VALUES ($1, $2, $3, 'practice', $4, $4, 1) ON CONFLICT DO NOTHING",
        [
            (org, f"Bench Practice {i}", datagen.npi_with_check_digit(100_000_000 + i), now)
            for i, org in enumerate(orgs)
        ],
    )
    providers = [(pid, False, i) for i, (pid, _) in enumerate(d.referrers)] + [
        (pid, True, REFERRERS + i) for i, pid in enumerate(d.receivers)
    ]
    await conn.executemany(
        "INSERT INTO providers (id, npi, given_name, family_name, credentials, specialties, kind, status, "
        "created_at, updated_at, version) VALUES ($1, $2, $3, $4, '{MD}', '[]', $5, 'active', $6, $6, 1) "
        "ON CONFLICT DO NOTHING",
        [
            (
                pid,
                datagen.npi_with_check_digit(200_000_000 + n),
                datagen.GIVEN[n % len(datagen.GIVEN)],
                f"{datagen.FAMILY[n % len(datagen.FAMILY)]}-{n}",
                "internal" if internal else "external",
                now,
            )
            for pid, internal, n in providers
        ],
    )
    await conn.executemany(
        "INSERT INTO users (id, email, full_name, role, queue, active, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'intake', $4, true, $5, $5) ON CONFLICT DO NOTHING",
        [
            (
                uid,
                f"intake{i}@bench.refloop.local",
                f"Intake Coordinator {i}",
                f"{datagen.LINES[i % len(datagen.LINES)]}-intake",
                now,
            )
            for i, uid in enumerate(d.users)
        ],
    )


async def drop_secondary_indexes(conn: asyncpg.Connection) -> None:
    """COPY into a table with a dozen indexes is several times slower than building them afterwards.

    The definitions are kept in the database itself, so an interrupted load restores them next time.
    """
    await conn.execute("CREATE TABLE IF NOT EXISTS bench_state (key text PRIMARY KEY, value text NOT NULL)")
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'referrals' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    )
    for name, definition in indexes:
        await conn.execute(
            "INSERT INTO bench_state VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
            f"index:{name}",
            definition,
        )
        await conn.execute(f'DROP INDEX "{name}"')


async def restore_indexes(conn: asyncpg.Connection) -> None:
    if not await conn.fetchval("SELECT to_regclass('bench_state') IS NOT NULL"):
        return
    started = time.perf_counter()
    saved = await conn.fetch("SELECT key, value FROM bench_state WHERE key LIKE 'index:%'")
    for key, definition in saved:
        if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", key.removeprefix("index:")):
            await conn.execute(definition)
        await conn.execute("DELETE FROM bench_state WHERE key = $1", key)
    if saved:
        print(f"indexes: rebuilt {len(saved)} in {time.perf_counter() - started:.1f} s")


# A clock per referral and an appointment per scheduled one, as intake and scheduling leave them, so the
# summary's SLA attainment and reminder channels read as many rows as in a practice that uses Refloop.
# Targets: first contact within 2 days, scheduling within 10; a milestone not reached is still running
# (due time set) while the referral is open. Pseudo-random parts come from the id, so a reload agrees.
OPEN = "'received', 'needs_info', 'accepted', 'scheduled'"
CLOCKS = f"""
INSERT INTO referral_clocks (referral_id, first_contact_target_s, scheduled_target_s, first_contact_met,
                             scheduled_met, first_contact_due_at, scheduled_due_at, is_open)
SELECT r.id, 172800, 864000,
       CASE WHEN r.first_contact_at IS NOT NULL THEN r.first_contact_at - r.received_at <= interval '2 days' END,
       CASE WHEN r.scheduled_at IS NOT NULL THEN r.scheduled_at - r.received_at <= interval '10 days' END,
       CASE WHEN r.first_contact_at IS NULL AND r.status IN ({OPEN}) THEN r.received_at + interval '2 days' END,
       CASE WHEN r.scheduled_at IS NULL AND r.status IN ({OPEN}) THEN r.received_at + interval '10 days' END,
       r.status IN ({OPEN})
FROM referrals r
WHERE r.source_system = '{datagen.SOURCE_SYSTEM}'
  AND NOT EXISTS (SELECT 1 FROM referral_clocks c WHERE c.referral_id = r.id)
"""
APPOINTMENTS = f"""
CREATE TEMP TABLE booked ON COMMIT DROP AS
SELECT r.id AS referral_id, r.scheduled_at AS created_at,
       r.scheduled_at + (1 + abs(hashtext(r.id::text)) % 20) * interval '1 day' AS start,
       CASE WHEN r.status = 'scheduled' THEN 'booked' WHEN r.no_show_count > 0 THEN 'noshow' ELSE 'fulfilled' END
           AS status
FROM referrals r
WHERE r.source_system = '{datagen.SOURCE_SYSTEM}' AND r.scheduled_at IS NOT NULL
  AND r.status IN ('scheduled', 'completed', 'closed')
  AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.referral_id = r.id);
SET LOCAL session_replication_role = replica;
INSERT INTO appointments (id, referral_id, status, start, created_at, updated_at)
SELECT gen_random_uuid(), referral_id, status, start, created_at, created_at FROM booked;
SET LOCAL session_replication_role = origin;
-- What the appointments trigger would write for a referral's one appointment, in one statement rather
-- than 500,000 (the facts' own triggers still keep the rollups and mark the days).
UPDATE analytics_referral_facts f
SET first_appointment_start = b.start,
    noshow_appointments = (b.status = 'noshow')::int,
    fulfilled_appointments = (b.status = 'fulfilled')::int
FROM booked b WHERE b.referral_id = f.referral_id;
"""


async def add_journeys(conn: asyncpg.Connection) -> None:
    if not await conn.fetchval("SELECT to_regclass('referral_clocks') IS NOT NULL"):
        return
    started = time.perf_counter()
    async with conn.transaction():
        clocks = await conn.execute(CLOCKS)
        await conn.execute(APPOINTMENTS)
        booked = await conn.fetchval("SELECT count(*) FROM booked")
    await conn.execute("VACUUM (ANALYZE) referral_clocks")
    await conn.execute("VACUUM (ANALYZE) appointments")
    print(f"journeys: {clocks.split()[-1]} clocks, {booked:,} appointments in {time.perf_counter() - started:.1f} s")


async def fold_rollups(conn: asyncpg.Connection) -> None:
    """Fold the analytics rollups' delta rows into one row per key, as the worker does every five minutes.

    COPY fires the facts' triggers row by row: a million referrals leave about eleven million deltas,
    which would make the analytics bench measure a backlog no running deployment has."""
    if not await conn.fetchval("SELECT to_regproc('analytics_rollup_compact') IS NOT NULL"):
        return
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM analytics_daily_rollup WHERE NOT compacted)"):
        return
    started = time.perf_counter()
    await conn.execute("SELECT analytics_rollup_compact()")
    await conn.execute("VACUUM (ANALYZE) analytics_daily_rollup")
    await conn.execute("VACUUM (ANALYZE) analytics_daily_referrers")
    print(f"analytics rollups: deltas folded in {time.perf_counter() - started:.1f} s")


async def build_spreads(conn: asyncpg.Connection) -> None:
    """Rebuild the days' spreads and fact packs that COPY marked, as the worker does every minute: the
    analytics bench measures a deployment whose marks the worker has caught up with, not a million of them."""
    for refresh, marks, table, name in (
        ("analytics_spreads_refresh", "analytics_spread_marks", "analytics_daily_spreads", "spreads"),
        ("analytics_packs_refresh", "analytics_pack_marks", "analytics_fact_packs", "packs"),
    ):
        if not await conn.fetchval(f"SELECT to_regproc('{refresh}') IS NOT NULL"):
            continue
        if not await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {marks})"):
            continue
        started = time.perf_counter()
        await conn.execute(f"SELECT {refresh}(100000)")
        await conn.execute(f"VACUUM (ANALYZE) {marks}")
        await conn.execute(f"VACUUM (ANALYZE) {table}")
        print(f"analytics {name}: marked days rebuilt in {time.perf_counter() - started:.1f} s")


async def load(args: argparse.Namespace) -> None:
    url = bench_url()
    await ensure_database(url)
    migrate(url)
    try:
        blocking = await sync_schema(url)
    except Exception as exc:
        blocking = [f"{type(exc).__name__}: {exc}"]
    if blocking:
        print(f"schema: cannot update in place ({'; '.join(blocking)[:300]}): rebuilding {url.rpartition('/')[2]}")
        await ensure_database(url, drop=True)
        migrate(url)
        await sync_schema(url)

    conn = await asyncpg.connect(
        plain(url), server_settings={"maintenance_work_mem": "256MB", "synchronous_commit": "off"}
    )
    try:
        await restore_indexes(conn)
        directory = directory_ids()
        await ensure_directory(conn, directory)
        have = await conn.fetchval("SELECT count(*) FROM referrals WHERE source_system = $1", datagen.SOURCE_SYSTEM)
        if have >= args.rows:
            print(f"referrals: {have:,} already loaded, nothing to do")
            await add_journeys(conn)
            await fold_rollups(conn)
            await build_spreads(conn)
            return
        # The span ends at the last whole hour, so a resumed load lines up with the rows already there.
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        first_batch = have // args.batch
        batches = range(first_batch, -(-args.rows // args.batch))
        print(
            f"referrals: {have:,} present, loading {args.rows - first_batch * args.batch:,} "
            f"in {len(batches)} batches of {args.batch:,} with {args.workers} generator process(es)"
        )
        if args.rows - have > 100_000:
            await drop_secondary_indexes(conn)
        started, loaded = time.perf_counter(), 0
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            pending = [
                loop.run_in_executor(pool, datagen.generate_batch, b, args.batch, args.rows, args.seed, end, directory)
                for b in batches[: args.workers + 1]
            ]
            queued = args.workers + 1
            while pending:
                rows = await pending.pop(0)
                if queued < len(batches):
                    pending.append(
                        loop.run_in_executor(
                            pool,
                            datagen.generate_batch,
                            batches[queued],
                            args.batch,
                            args.rows,
                            args.seed,
                            end,
                            directory,
                        )
                    )
                    queued += 1
                await conn.copy_records_to_table("referrals", records=rows, columns=datagen.COLUMNS)
                loaded += len(rows)
                elapsed = time.perf_counter() - started
                print(f"  {have + loaded:>9,} rows  {loaded / elapsed:,.0f} rows/s", flush=True)
        elapsed = time.perf_counter() - started
        print(f"loaded {loaded:,} referrals in {elapsed:.1f} s: {loaded / elapsed:,.0f} rows/s (COPY, indexes off)")
        await restore_indexes(conn)
        started = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE) referrals")
        if await conn.fetchval("SELECT to_regclass('analytics_referral_facts') IS NOT NULL"):
            await conn.execute("VACUUM (ANALYZE) analytics_referral_facts")
        await conn.execute("ANALYZE providers; ANALYZE organizations; ANALYZE users")
        print(f"vacuum analyze: {time.perf_counter() - started:.1f} s")
        await add_journeys(conn)
        await fold_rollups(conn)
        await build_spreads(conn)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="generator processes (the machine has 2 cores)")
    parser.add_argument("--seed", type=int, default=42)
    asyncio.run(load(parser.parse_args()))


if __name__ == "__main__":
    main()
