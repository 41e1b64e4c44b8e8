"""p50/p95/p99 of GET /v1/work-queue for a coordinator, with 1,000,000 referrals in the database.

    .venv/bin/python bench/load_referrals.py            # once: 1M referrals (BENCH_DATABASE_URL)
    .venv/bin/python -m bench.work_queue [--requests 300]

Gives every referral its SLA clock (as intake would: due times from received_at and urgency, owner
and queue copied), makes the coordinator with the most open referrals a member of the busiest intake
queue (~48,000 open referrals), then calls the route in-process (FastAPI app, auth, audit, real
PostgreSQL) one request at a time, and prints the percentiles and the plan of the main query.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/refloop_bench"
JOURNEY_TABLES = (
    "referral_clocks",
    "referral_documents",
    "referral_info_requests",
    "completeness_rules",
    "routing_rules",
    "work_queue_members",
    "work_queues",
    "sla_policies",
    "business_calendars",
    "journey_settings",
)

CLOCKS = """
INSERT INTO referral_clocks (referral_id, first_contact_target_s, scheduled_target_s, paused_seconds,
    first_contact_due_at, scheduled_due_at, next_due_at, next_risk_at, assignee_id, queue, is_open, urgency_rank,
    paused_since)
SELECT r.id, t.fc, t.sc, 0,
    CASE WHEN r.first_contact_at IS NULL THEN r.received_at + make_interval(secs => t.fc * 7 / 3) END,
    CASE WHEN r.scheduled_at IS NULL THEN r.received_at + make_interval(secs => t.sc * 7 / 3) END,
    CASE WHEN r.status = 'needs_info' THEN NULL
         WHEN r.first_contact_at IS NULL THEN r.received_at + make_interval(secs => t.fc * 7 / 3)
         WHEN r.scheduled_at IS NULL THEN r.received_at + make_interval(secs => t.sc * 7 / 3) END,
    CASE WHEN r.first_contact_at IS NULL THEN r.received_at + make_interval(secs => t.fc * 7 / 4) END,
    r.assignee_id, r.queue, r.status IN ('received', 'needs_info', 'accepted', 'scheduled'), t.rank,
    CASE WHEN r.status = 'needs_info' THEN coalesce(r.needs_info_at, r.received_at) END
FROM referrals r JOIN (VALUES ('stat', 7200, 32400, 0), ('asap', 14400, 64800, 1), ('urgent', 28800, 162000, 2),
                              ('routine', 57600, 324000, 3)) AS t(urgency, fc, sc, rank) ON t.urgency = r.urgency
ON CONFLICT (referral_id) DO NOTHING
"""


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def prepare(url: str) -> tuple[str, str]:
    import asyncpg

    conn = await asyncpg.connect(plain(url))
    try:
        has_columns = await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'referral_clocks' AND column_name = 'is_open'"
        )
        if not has_columns:  # loaded under an earlier version of the journey migration: rebuild its tables
            for table in JOURNEY_TABLES:
                await conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
            await conn.execute("DROP INDEX IF EXISTS ix_tasks_queue_status_due")
            await conn.execute("UPDATE alembic_version SET version_num = 'audit_append_only'")
            subprocess.run(
                [sys.executable, "-m", "alembic", "upgrade", "head"],
                cwd=ROOT,
                check=True,
                env={**os.environ, "DATABASE_URL": url},
                stdout=subprocess.DEVNULL,
            )
        if await conn.fetchval("SELECT count(*) FROM referral_clocks") < 1_000_000:
            started = time.perf_counter()
            await conn.execute(CLOCKS)
            await conn.execute("ANALYZE referral_clocks")
            print(f"clocks written in {time.perf_counter() - started:.0f} s")
        user_id = await conn.fetchval(
            "SELECT assignee_id FROM referral_clocks WHERE is_open AND assignee_id IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        queue = await conn.fetchval(
            "SELECT queue FROM referral_clocks WHERE is_open AND queue IS NOT NULL"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        queue_id = await conn.fetchval(
            "INSERT INTO work_queues (id, name, turn, version) VALUES (gen_random_uuid(), $1, 0, 1) "
            "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            queue,
        )
        await conn.execute(
            "INSERT INTO work_queue_members (queue_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            queue_id,
            user_id,
        )
        await conn.execute("UPDATE users SET role = 'intake', active = true WHERE id = $1", user_id)
        mine = await conn.fetchval("SELECT count(*) FROM referral_clocks WHERE is_open AND assignee_id = $1", user_id)
        queued = await conn.fetchval("SELECT count(*) FROM referral_clocks WHERE is_open AND queue = $1", queue)
        print(f"coordinator {user_id}: {mine:,} open referrals assigned, {queued:,} open in {queue}")
        return str(user_id), queue
    finally:
        await conn.close()


async def measure(url: str, user_id: str, requests: int) -> None:
    os.environ["DATABASE_URL"] = url
    import uuid
    from datetime import timedelta

    import httpx

    from api.main import create_app
    from domain.identity.tokens import issue

    token, _ = issue(
        subject=user_id, kind="user", lifetime=timedelta(minutes=30), role="intake", session_id=str(uuid.uuid4())
    )
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers={"Authorization": f"Bearer {token}"}
    ) as http:
        for _ in range(20):
            response = await http.get("/v1/work-queue")
            assert response.status_code == 200, response.text
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = await http.get("/v1/work-queue")
            times.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200
        items = response.json()["items"]
    times.sort()
    pct = lambda p: times[min(len(times) - 1, int(p * len(times)))]  # noqa: E731
    print(
        f"GET /v1/work-queue ({len(items)} items), {requests} sequential requests in-process: "
        f"p50 {pct(0.50):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, mean {statistics.mean(times):.1f} ms"
    )


async def explain(url: str, user_id: str, queue: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(plain(url))
    try:
        plan = await conn.fetch(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT referral_id FROM ("
            "(SELECT referral_id, next_due_at, urgency_rank FROM referral_clocks WHERE is_open AND assignee_id = $1 "
            " ORDER BY next_due_at NULLS LAST, urgency_rank, referral_id LIMIT 100) UNION ALL "
            "(SELECT referral_id, next_due_at, urgency_rank FROM referral_clocks WHERE is_open AND queue = $2 "
            " ORDER BY next_due_at NULLS LAST, urgency_rank, referral_id LIMIT 100)) m "
            "ORDER BY next_due_at NULLS LAST, urgency_rank, referral_id",
            __import__("uuid").UUID(user_id),
            queue,
        )
        print("\n".join(row[0] for row in plan))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL).replace("postgresql://", "postgresql+asyncpg://")
    sys.path.insert(0, str(ROOT))
    user_id, queue = asyncio.run(prepare(url))
    asyncio.run(explain(url, user_id, queue))
    asyncio.run(measure(url, user_id, args.requests))


if __name__ == "__main__":
    main()
