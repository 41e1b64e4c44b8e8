"""The stored duplicate queue and the SQL hygiene report at 100,000 providers.

    .venv/bin/python bench/directory_queue.py [--providers 100000] [--requests 40]

Makes a scratch database (refloop_bench_directory_queue, rebuilt each run; BENCH_DATABASE_URL to change
it), loads N providers with COPY (bench/duplicate_finder.py's generator: names from a few hundred,
one in ten entered twice with a nickname or a swapped phone digit), each at one of N/30 practices
in 300 ZIPs, then starts the app (one uvicorn worker) and times over HTTP: a full refresh of the
queue, an incremental one after 100 edits, and p50/p95 of GET /v1/directory/duplicates (first
page) and GET /v1/directory/hygiene. Prints the load average with the figures.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/refloop_bench_directory_queue"
os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
CODES = ("207RC0000X", "207Q00000X", "207X00000X", "208D00000X", "363LF0000X", "207ZZ9999X")


def _rows(n: int, rng: random.Random) -> tuple[list[tuple], list[tuple], list[tuple]]:
    from bench.duplicate_finder import records
    from tests.factories import valid_npi

    now = datetime.now(UTC)
    practices = []
    for p in range(max(n // 30, 1)):
        zip_code = f"{rng.randrange(300) + 10000:05d}"
        address = {"line": [f"{rng.randint(1, 9999)} Main St"], "city": f"Town {zip_code}", "postal_code": zip_code}
        since = now - timedelta(days=400)
        practices.append((uuid.uuid4(), f"Practice {p}", "practice", json.dumps(address), since, since, zip_code))
    by_zip: dict[str, list[uuid.UUID]] = {}
    for org_id, *_, zip_code in practices:
        by_zip.setdefault(zip_code, []).append(org_id)
    providers, affiliations = [], []
    for record in records(n, rng)[:n]:
        provider_id = uuid.uuid4()
        zip_code = next(iter(record.zips))
        org_id = rng.choice(by_zip.get(zip_code) or [practices[0][0]])
        points = [{"system": "phone", "value": f"+1{p}"} for p in record.phones]
        specialties = [{"code": (code := rng.choice(CODES)), "display": code, "primary": True}]
        created = now - timedelta(minutes=rng.randrange(500_000))
        verified = created if rng.random() < 0.5 else None
        npi = valid_npi() if rng.random() < 0.7 else None
        contact = "fax" if rng.random() < 0.8 else None
        row = (provider_id, npi, record.given_name, record.family_name, json.dumps(specialties), "external", "active")
        providers.append((*row, json.dumps(points), contact, verified, created, created))
        affiliations.append((uuid.uuid4(), provider_id, org_id, "member", created, created))
    return [p[:6] for p in practices], providers, affiliations


async def load(n: int) -> None:
    import asyncpg

    from tests import scratch_db

    url = os.environ["BENCH_DATABASE_URL"]
    os.environ["DATABASE_URL"] = url.replace("postgresql://", "postgresql+asyncpg://")
    name = url.rsplit("/", 1)[1]
    await asyncio.to_thread(scratch_db.create_migrated, name)
    practices, providers, affiliations = _rows(n, random.Random(13))
    connection = await asyncpg.connect(url)
    try:
        await connection.copy_records_to_table(
            "organizations", records=practices, columns=["id", "name", "kind", "address", "created_at", "updated_at"]
        )
        await connection.copy_records_to_table(
            "providers",
            records=providers,
            columns=[
                "id",
                "npi",
                "given_name",
                "family_name",
                "specialties",
                "kind",
                "status",
                "contact_points",
                "preferred_contact_method",
                "verified_at",
                "created_at",
                "updated_at",
            ],
        )
        await connection.copy_records_to_table(
            "provider_affiliations",
            records=affiliations,
            columns=["id", "provider_id", "organization_id", "role", "created_at", "updated_at"],
        )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    from bench import servers

    await servers.ensure_bench_user()


def timed(client: httpx.Client, method: str, path: str, **kwargs) -> float:
    start = time.perf_counter()
    response = client.request(method, path, **kwargs)
    took = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return took


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples) * 1000:.0f} ms, p95 {cuts[18] * 1000:.0f} ms"


def edit_some(count: int) -> None:
    """`count` providers renamed, as a liaison's edits between two refreshes."""
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(os.environ["BENCH_DATABASE_URL"])
        try:
            await connection.execute(
                "UPDATE providers SET given_name = given_name || 'e', updated_at = now() "
                f"WHERE id IN (SELECT id FROM providers ORDER BY random() LIMIT {count})"
            )
        finally:
            await connection.close()

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    from bench import servers

    started = time.perf_counter()
    asyncio.run(load(args.providers))
    print(f"loaded {args.providers} providers in {time.perf_counter() - started:.1f} s")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    server = servers.start("app", workers=1, results=results)
    try:
        token = servers.login(server)
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=900) as c:
            full = timed(c, "POST", "/v1/directory/duplicates/refresh", params={"full": "true"})
            run = c.get("/v1/directory/duplicates/refresh").json()
            print(f"full refresh: {full:.2f} s, {run['rescored']} providers, {run['pairs']} pairs stored")
            edit_some(100)
            incremental = timed(c, "POST", "/v1/directory/duplicates/refresh")
            run = c.get("/v1/directory/duplicates/refresh").json()
            print(f"incremental refresh after 100 edits: {incremental:.2f} s, {run['rescored']} providers rescored")
            for path, params in (("/v1/directory/duplicates", {"limit": 20}), ("/v1/directory/hygiene", {})):
                timed(c, "GET", path, params=params)  # warm
                samples = [timed(c, "GET", path, params=params) for _ in range(args.requests)]
                print(f"GET {path} ({args.requests} requests): {percentiles(samples)}")
    finally:
        server.stop()
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
