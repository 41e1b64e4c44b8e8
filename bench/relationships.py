"""Relationship figures on the benchmark data (1,000,000 referrals, 400 referrers: bench/load_referrals.py).

    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... .venv/bin/python bench/relationships.py [--requests 300]

Times, in this order: the figures snapshot (every referrer and organization), the cooling sweep
over all referrers, then GET /v1/referrers (default period, first page) and a referrer's
scorecard (12 months by month) against a real uvicorn worker, `--concurrency` clients at a time.
Prints p50/p95/max per path and the load average (BENCH.md: figures drift on a shared machine).
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402


def loadavg() -> str:
    return open("/proc/loadavg").read().strip()


async def jobs() -> list[str]:
    os.environ["DATABASE_URL"] = servers.bench_database_url()
    import domain.models  # noqa: F401  (every table, for the foreign keys tasks point along)
    from domain.relationships import cooling, snapshot
    from domain.shared.db import get_engine, unit_of_work

    lines = []
    for _ in range(2):  # the second run is the steady state (caches warm)
        started = time.perf_counter()
        async with unit_of_work() as session:
            written = await snapshot.refresh(session)
        refresh = time.perf_counter() - started
        started = time.perf_counter()
        async with unit_of_work() as session:
            result = await cooling.run(session)
        sweep = time.perf_counter() - started
        lines.append(
            f"snapshot: {written} subjects in {refresh:.2f} s; cooling sweep: {result.checked} referrers, "
            f"{result.opened} opened, {result.closed} closed in {sweep:.2f} s (load {loadavg()})"
        )
    await get_engine().dispose()
    return lines


async def provider_ids() -> list[str]:
    import asyncpg

    conn = await asyncpg.connect(servers.bench_database_url())
    rows = await conn.fetch("SELECT subject_id FROM referrer_figures WHERE subject_kind = 'provider'")
    await conn.close()
    return [str(r[0]) for r in rows]


async def hammer(base_url: str, token: str, paths: list[str], concurrency: int) -> list[float]:
    import httpx

    queue = list(paths)
    timings: list[float] = []

    async def client_loop(client: httpx.AsyncClient) -> None:
        while queue:
            path = queue.pop()
            started = time.perf_counter()
            response = await client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    return timings


def summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"{name}: n={len(ordered)} p50={statistics.median(ordered):.1f} ms p95={p95:.1f} ms max={ordered[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    for line in asyncio.run(jobs()):
        print(line)
    ids = asyncio.run(provider_ids())
    asyncio.run(servers.ensure_bench_user())
    results = Path(tempfile.mkdtemp(prefix="bench-relationships-"))
    server = servers.start("app", workers=1, results=results)
    try:
        token = servers.login(server)
        rng = random.Random(1)
        plans = {
            "GET /v1/referrers (default period, first page)": ["/v1/referrers?limit=50"] * args.requests,
            "GET /v1/referrers?sort=-score&tier=A": ["/v1/referrers?limit=50&sort=-score&tier=A"] * args.requests,
            "GET /v1/referrers/{id}/scorecard (12 months)": [
                f"/v1/referrers/{rng.choice(ids)}/scorecard?group_by=month" for _ in range(args.requests)
            ],
        }
        for name, paths in plans.items():
            asyncio.run(hammer(server.base_url, token, paths[:20], args.concurrency))  # warm up
            timings = asyncio.run(hammer(server.base_url, token, paths, args.concurrency))
            print(summary(name, timings) + f" (concurrency {args.concurrency}, load {loadavg()})")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
