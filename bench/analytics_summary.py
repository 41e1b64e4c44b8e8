"""p50/p95 of GET /v1/analytics/summary (and its CSV twin) for every filter and grouping, on 1,000,000 referrals.

    .venv/bin/python bench/load_referrals.py        # once: 1M referrals (BENCH_DATABASE_URL)
    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... .venv/bin/python bench/analytics_summary.py [--requests 20]

Against a real uvicorn worker (auth, permission matrix), one request at a time, so the figure is the
latency one analyst sees. The period is the 365 days before the newest referral. Each filter takes a
value that real data makes common (the busiest referrer, organization, service line, location,
payer class, channel and urgency), crossed with no grouping, week and month; then filters combined,
and several values of a filter at once (its two or three most common). Prints p50/p95/max per
case, the target (p95 < 150 ms, BENCH.md) and the load average: figures drift on a shared machine.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402

TARGET_P95_MS = 150
FILTERS = {
    "referring_provider_id": "referring_provider_id",
    "referring_organization_id": "referring_organization_id",
    "service_line": "service_line",
    "location": "location_preference",
    "payer_class": "payer_class",
    "source_channel": "source_channel",
    "urgency": "urgency",
}


def loadavg() -> str:
    return open("/proc/loadavg").read().strip()


async def common_values() -> tuple[str, dict[str, list[str]]]:
    """The period's end (the newest referral) and, per filter, its three most frequent values."""
    import asyncpg

    conn = await asyncpg.connect(servers.bench_database_url())
    try:
        newest = await conn.fetchval("SELECT max(received_at) FROM analytics_referral_facts")
        values = {}
        for param, column in FILTERS.items():
            rows = await conn.fetch(
                f"SELECT {column} FROM analytics_referral_facts WHERE {column} IS NOT NULL "
                f"GROUP BY 1 ORDER BY count(*) DESC LIMIT 3"
            )
            values[param] = [str(row[0]) for row in rows]
    finally:
        await conn.close()
    return newest.isoformat(), values


def plans(end: str, common: dict[str, list[str]]) -> dict[str, str]:
    from datetime import datetime, timedelta

    to = datetime.fromisoformat(end) + timedelta(seconds=1)
    period = {"from": (to - timedelta(days=365)).isoformat(), "to": to.isoformat()}
    values = {param: listed[0] for param, listed in common.items()}
    cases = {}
    for group_by in (None, "week", "month"):
        for param in (None, *FILTERS):
            query = dict(period)
            if group_by:
                query["group_by"] = group_by
            if param:
                query[param] = values[param]
            cases[f"{param or 'no filter'} / {group_by or 'no grouping'}"] = "/v1/analytics/summary?" + urlencode(query)
    month = {**period, "group_by": "month"}
    # Filters combined, as an analyst narrows a view: every pair of the low-cardinality filters (each pair
    # has its own rollup key), and what no key answers (the day packs): a referrer beside other filters,
    # three filters or more, all five low-cardinality filters at once.
    low = ["service_line", "location", "payer_class", "source_channel", "urgency"]
    combined = [
        *combinations(low, 2),
        ("referring_provider_id", "service_line"),
        ("referring_organization_id", "payer_class"),
        ("referring_provider_id", "referring_organization_id"),
        ("referring_provider_id", "source_channel", "urgency"),
        ("payer_class", "source_channel", "urgency"),
        ("service_line", "location", "payer_class"),
        tuple(low),
    ]
    for params in combined:
        query = {**month, **{param: values[param] for param in params}}
        cases[f"{' + '.join(params)} / month"] = "/v1/analytics/summary?" + urlencode(query)
    for group_by in (None, "week"):
        three = {**period, **{param: values[param] for param in ("payer_class", "source_channel", "urgency")}}
        query = {**three, "group_by": group_by} if group_by else three
        cases[f"payer_class + source_channel + urgency / {group_by or 'no grouping'}"] = (
            "/v1/analytics/summary?" + urlencode(query)
        )
    # Several values of each filter at once, the broadest views an analyst picks: the two or three
    # most common values of each (a filter alone, a pair, three filters, a referrer list beside a line).
    broad = {"payer_class": 2, "source_channel": 3, "urgency": 2, "referring_provider_id": 3, "service_line": 3}
    several = [
        (("payer_class",), "month"),
        (("payer_class", "urgency"), "month"),
        *((("payer_class", "source_channel"), group_by) for group_by in (None, "week", "month")),
        (("referring_provider_id", "service_line"), "month"),
        *((("payer_class", "source_channel", "urgency"), group_by) for group_by in (None, "week", "month")),
    ]
    for params, group_by in several:
        picked: dict[str, object] = {**period, **{p: common[p][: broad[p]] for p in params}}
        if group_by:
            picked["group_by"] = group_by
        named = " + ".join(f"{p} x{len(common[p][: broad[p]])}" for p in params)
        cases[f"{named} / {group_by or 'no grouping'}"] = "/v1/analytics/summary?" + urlencode(picked, doseq=True)
    cases["CSV, no filter / month"] = "/v1/analytics/summary.csv?" + urlencode(month)
    return cases


async def timed(base_url: str, token: str, path: str, n: int) -> list[float]:
    import httpx

    timings = []
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        for _ in range(n):
            started = time.perf_counter()
            response = await c.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    return timings


def line(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[round(0.95 * (len(ordered) - 1))]
    verdict = "ok" if p95 < TARGET_P95_MS else "over"
    return f"| {name} | {len(ordered)} | {statistics.median(ordered):.0f} | {p95:.0f} | {ordered[-1]:.0f} | {verdict} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="timed requests per case (after one warm-up)")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args()
    end, values = asyncio.run(common_values())
    cases = {k: v for k, v in plans(end, values).items() if args.only in k}
    asyncio.run(servers.ensure_bench_user())
    server = servers.start("app", workers=1, results=Path(tempfile.mkdtemp(prefix="bench-analytics-")))
    try:
        token = servers.login(server)
        print(f"period: 365 days to {end}; load at start {loadavg()}")
        print("| case | n | p50 ms | p95 ms | max ms | p95 < 150 ms |")
        print("|---|---|---|---|---|---|")
        for name, path in cases.items():
            asyncio.run(timed(server.base_url, token, path, 1))  # warm-up
            print(line(name, asyncio.run(timed(server.base_url, token, path, args.requests))), flush=True)
        print(f"load at end {loadavg()}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
