"""CPU milliseconds per request, app vs bare, in-process: a figure a noisy shared machine cannot blur much.

    .venv/bin/python bench/cpu_per_request.py [--n 300] [--paths read,create] [--profile read|list_filtered|...]

Each server's ASGI app is driven in this process through httpx's ASGITransport, one request
at a time, over the same random ids of the 1M; `time.process_time()` counts only this
process's CPU (the app's Python side; PostgreSQL's work is not in it), so neighbours
stealing the CPU change the wall clock but hardly the figure. Rounds alternate app and bare.
With --profile, cProfile then shows where the app's CPU goes on that path. `create` posts the
same body as bench/http_bench.py (a new patient and source identifier each time) to both sides;
`fhir_create` posts bench/http_bench.py's ServiceRequest with If-None-Exist to the app, and the bare
side's figure is its plain insert (the ceiling bench/http_bench.py holds FHIR creates to).
"""

import argparse
import asyncio
import cProfile
import io
import itertools
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import http_bench, servers  # noqa: E402

os.environ["DATABASE_URL"] = servers.bench_database_url()
os.environ.setdefault("REDIS_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
os.environ["SECURITY_ACCESS_TOKEN_MINUTES"] = "180"
os.environ.setdefault("REFLOOP_LOG_JSON", "true")  # production's log format, as bench/servers.py

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench import bare  # noqa: E402

PATHS = {
    "read": lambda ids: f"/v1/referrals/{random.choice(ids)}",
    "list_filtered": lambda ids: "/v1/referrals?status=received&service_line=cardiology",
    "list": lambda ids: "/v1/referrals",
    "create": lambda ids: "/v1/referrals",
    "fhir_create": lambda ids: "/fhir/R4/ServiceRequest",
}
POSTS = ("create", "fhir_create")
BARE_PATH = {"fhir_create": "create"}  # the bare server has no FHIR: its insert is the ceiling
RUN = f"cpu-{time.time_ns()}"
SERIAL = itertools.count()
TEMPLATES: dict[str, str] = {}  # the create bodies by path, filled in main() with a referrer of the bench data


def create_request(key: str) -> tuple[str, dict[str, str]]:
    """A body with a new patient and source identifier, and the headers it goes with."""
    ident = f"{RUN}-{next(SERIAL)}"
    birth = f"{random.randint(1930, 2015)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
    body = (
        TEMPLATES[key]
        .replace("__ID__", ident)
        .replace("__GIVEN__", "Maria")
        .replace("__FAMILY__", f"Lopez-{ident}")
        .replace("__BIRTH__", birth)
    )
    if key == "fhir_create":
        fhir = f"identifier={http_bench.FHIR_SYSTEM}|{ident}"
        return body, {"Content-Type": "application/fhir+json", "If-None-Exist": fhir}
    return body, {"Content-Type": "application/json"}


async def timed(client: httpx.AsyncClient, key: str, ids, n: int, headers: dict) -> tuple[float, float]:
    path_for = PATHS[key]
    requests = [create_request(key) for _ in range(n)] if key in POSTS else []
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        if requests:
            body, body_headers = requests[i]
            response = await client.post(path_for(ids), content=body, headers=headers | body_headers)
        else:
            response = await client.get(path_for(ids), headers=headers)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{response.status_code} {response.text[:300]}")
    return (time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="requests per path and side in each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=list(PATHS))
    parser.add_argument("--paths", default=",".join(PATHS), help="which paths to measure, comma-separated")
    args = parser.parse_args()
    paths = args.paths.split(",")

    conn = await asyncpg.connect(servers.bench_database_url())
    ids = [
        str(r["id"])
        for r in await conn.fetch(
            "SELECT id FROM referrals TABLESAMPLE SYSTEM (1) WHERE source_system = 'bench-load' LIMIT 5000"
        )
    ]
    referrer = await conn.fetchrow(
        "SELECT p.id, p.npi FROM providers p JOIN referrals r ON r.referring_provider_id = p.id "
        "WHERE r.source_system = 'bench-load' LIMIT 1"
    )
    await conn.close()
    TEMPLATES["create"] = http_bench.referral_body(str(referrer["id"])).replace('"bench-http"', '"bench-cpu"')
    TEMPLATES["fhir_create"] = http_bench.service_request_body(referrer["npi"])

    from api.main import create_app

    app = create_app()
    app_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")
    bare_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=bare.app), base_url="http://bare")
    headers: dict[str, str] = {}
    async with bare.lifespan(bare.app):
        probe = await app_client.get("/v1/referrals", params={"limit": 1})
        if probe.status_code == 401:
            await servers.ensure_bench_user()
            login = await app_client.post(
                "/v1/auth/token", data={"username": servers.BENCH_EMAIL, "password": servers.BENCH_PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for client, h, bare_side in ((app_client, headers, False), (bare_client, {}, True)):  # warm-up
            for key in paths:
                await timed(client, BARE_PATH.get(key, key) if bare_side else key, ids, 10, h)
        figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for r in range(args.rounds):
            for key in paths:
                sides = [("app", app_client, headers, key), ("bare", bare_client, {}, BARE_PATH.get(key, key))]
                for side, client, h, asked in sides if r % 2 == 0 else sides[::-1]:
                    n = args.n if key == "read" else max(20, args.n // 5)
                    figures.setdefault((key, side), []).append(await timed(client, asked, ids, n, h))
        print("CPU ms per request in this process (median of rounds, min-max); wall ms for reference")
        print("| path | app CPU ms | bare CPU ms | app/bare CPU | app wall ms | bare wall ms |")
        print("|---|---|---|---|---|---|")
        for key in paths:
            a, b = figures[(key, "app")], figures[(key, "bare")]
            ac, bc = statistics.median(x[0] for x in a), statistics.median(x[0] for x in b)
            print(
                f"| {key} | {ac:.2f} ({min(x[0] for x in a):.2f}-{max(x[0] for x in a):.2f}) "
                f"| {bc:.2f} ({min(x[0] for x in b):.2f}-{max(x[0] for x in b):.2f}) | {ac / bc:.1f}x "
                f"| {statistics.median(x[1] for x in a):.1f} | {statistics.median(x[1] for x in b):.1f} |"
            )
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not wall: waits and neighbours drop out
            profiler.enable()
            await timed(app_client, args.profile, ids, args.n if args.profile == "read" else 60, headers)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(
                r"(api|domain|integrations)/|pydantic|email_validator|sqlalchemy/orm/session|jose|crypto", 40
            )
            print(out.getvalue())
            (ROOT / "bench" / "results").mkdir(exist_ok=True)
            profiler.dump_stats(str(ROOT / "bench" / "results" / f"cprofile-{args.profile}.prof"))
    await app_client.aclose()
    await bare_client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
