"""Create, read and list referrals over HTTP against 1M rows, as a ratio to the bare ceiling (../shared/BENCH.md).

    .venv/bin/python bench/http_bench.py [--rounds 3] [--duration 10] [--paths create,read,...]

Each round starts the app (2 uvicorn workers, bench/spread.py) and the bare Starlette + asyncpg server in turn
(ABBA order across rounds, one server up at a time so their pools never compete), warms every
path up, then drives it with `wrk -t2 -c64`. The table gives medians with min-max over rounds,
the app/bare ratio, p50/p99, and the BENCH.md target; a second table the CPU each request cost the
server, PostgreSQL and wrk (from /proc), so a ratio can be read beside where its cost lands. (Not
named http.py: that would shadow the standard library's `http` for anything started from this folder.)
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import psutil  # noqa: E402

from bench import load_referrals, servers  # noqa: E402

LUA = ROOT / "bench" / "lua" / "bench.lua"
FHIR_SYSTEM = "urn:refloop:bench-fhir"
CREATED_BY_BENCH = ["bench-http", "bench-cpu", FHIR_SYSTEM]  # bench-cpu: cpu_per_request.py


@dataclass(frozen=True)
class Path_:
    key: str
    label: str
    mode: str
    path: str
    app_only: bool = False
    ceiling: str | None = None  # the bare path the target is measured against
    target: str = "n/a"


PATHS = [
    Path_(
        "read",
        "GET /v1/referrals/{id}",
        "random_id",
        "/v1/referrals/",
        ceiling="read",
        target=">= 40% of bare PK GET, p99 <= 3x",
    ),
    Path_(
        "list_filtered",
        "GET /v1/referrals?status=received&service_line=cardiology",
        "fixed",
        "/v1/referrals?status=received&service_line=cardiology",
        ceiling="read",
        target=">= 30% of bare PK GET, p99 < 250 ms",
    ),
    Path_(
        "list",
        "GET /v1/referrals (unfiltered)",
        "fixed",
        "/v1/referrals",
        ceiling="read",
        target="(as filtered) >= 30% of bare PK GET, p99 < 250 ms",
    ),
    Path_("create", "POST /v1/referrals", "post", "/v1/referrals", ceiling="create"),
    Path_(
        "fhir_create",
        "POST /fhir/R4/ServiceRequest (If-None-Exist)",
        "fhir",
        "/fhir/R4/ServiceRequest",
        app_only=True,
        ceiling="create",
        target=">= 40% of bare insert",
    ),
]
TARGET_RATIO = {"read": 0.40, "list_filtered": 0.30, "list": 0.30, "fhir_create": 0.40}


def referral_body(provider_id: str) -> str:
    return json.dumps(
        {
            "patient": {
                "given_name": "__GIVEN__",
                "family_name": "__FAMILY__",
                "birth_date": "__BIRTH__",
                "sex": "female",
                "phone": "+1 217 555 0100",
                "mrn": "MRN-__ID__",
                "address": {"line": ["12 Oak St"], "city": "Springfield", "state": "IL", "postal_code": "62701"},
            },
            "referring_provider_id": provider_id,
            "service_line": "orthopedics",
            "specialty_code": "207X00000X",
            "specialty_display": "Orthopaedic Surgery",
            "urgency": "routine",
            "reason": "Knee pain, failed conservative care",
            "icd10_codes": ["M17.11"],
            "referral_source": "physician",
            "source_channel": "partner_api",
            "payer_class": "commercial",
            "payer_name": "Aetna",
            "source_system": "bench-http",
            "source_identifier": "__ID__",
            # In the past, so what the create runs add does not pile up at the head of the list runs' pages.
            "received_at": "2025-03-03T09:30:00Z",
        }
    )


def service_request_body(npi: str) -> str:
    return json.dumps(
        {
            "resourceType": "ServiceRequest",
            "contained": [
                {
                    "resourceType": "Patient",
                    "id": "pat",
                    "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "MRN-__ID__"}],
                    "name": [{"family": "__FAMILY__", "given": ["__GIVEN__"]}],
                    "gender": "female",
                    "birthDate": "__BIRTH__",
                    "telecom": [{"system": "phone", "value": "+1 217 555 0100"}],
                    "address": [{"line": ["12 Oak St"], "city": "Springfield", "state": "IL", "postalCode": "62701"}],
                },
                {
                    "resourceType": "Practitioner",
                    "id": "req",
                    "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": npi}],
                    "name": [{"family": "Bench", "given": ["Referrer"]}],
                },
            ],
            "identifier": [{"system": FHIR_SYSTEM, "value": "__ID__"}],
            "status": "active",
            "intent": "order",
            "priority": "routine",
            "category": [
                {"coding": [{"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}]}
            ],
            # Orthopedics, like the REST creates: what the runs add stays out of the filtered (cardiology) list.
            "code": {"text": "Orthopedic referral"},
            "performerType": {
                "coding": [
                    {
                        "system": "http://nucc.org/provider-taxonomy",
                        "code": "207X00000X",
                        "display": "Orthopaedic Surgery",
                    }
                ]
            },
            "subject": {"reference": "#pat"},
            "requester": {"reference": "#req"},
            "authoredOn": "2026-11-20T10:00:00Z",
            "reasonCode": [
                {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/sid/icd-10-cm",
                            "code": "M17.11",
                            "display": "Unilateral primary osteoarthritis, right knee",
                        }
                    ]
                }
            ],
            "note": [{"text": "Knee pain, failed conservative care"}],
        }
    )


async def prepare(results: Path, *, prune: bool) -> dict[str, str]:
    """Ids to read, a referrer to refer from, and no leftovers from earlier runs' creates."""
    conn = await asyncpg.connect(servers.bench_database_url())
    try:
        if prune:
            await prune_created(conn)
        loaded = await conn.fetchval("SELECT count(*) FROM referrals")
        ids = await conn.fetch(
            "SELECT id FROM referrals TABLESAMPLE SYSTEM (2) WHERE source_system = 'bench-load' LIMIT 20000"
        )
        referrer = await conn.fetchrow(
            "SELECT p.id, p.npi FROM providers p JOIN referrals r ON r.referring_provider_id = p.id "
            "WHERE r.source_system = 'bench-load' LIMIT 1"
        )
    finally:
        await conn.close()
    (results / "ids.txt").write_text("".join(f"{r['id']}\n" for r in ids))
    (results / "referral.json").write_text(referral_body(str(referrer["id"])))
    (results / "service_request.json").write_text(service_request_body(referrer["npi"]))
    print(f"database: {loaded:,} referrals; {len(ids):,} random ids to read")
    return {
        "ids": str(results / "ids.txt"),
        "post": str(results / "referral.json"),
        "fhir": str(results / "service_request.json"),
    }


async def prune_created(conn: asyncpg.Connection) -> None:
    """Delete what earlier runs POSTed (and the rows pointing at it), so the data set stays the loaded one."""
    doomed = "SELECT id FROM referrals WHERE source_system = ANY($1::varchar[])"
    refs = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS tbl, a.attname AS col FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = 'referrals'::regclass"
    )
    try:
        async with conn.transaction():
            for ref in refs:
                await conn.execute(f'DELETE FROM {ref["tbl"]} WHERE "{ref["col"]}" IN ({doomed})', CREATED_BY_BENCH)
            deleted = await conn.execute(
                "DELETE FROM referrals WHERE source_system = ANY($1::varchar[])", CREATED_BY_BENCH
            )
    except asyncpg.PostgresError as exc:
        print(f"prune skipped ({type(exc).__name__}: {exc}); earlier runs' rows stay")
        return
    count = int(deleted.split()[-1])
    if count:
        await conn.execute("VACUUM (ANALYZE) referrals")
        print(f"pruned {count:,} referrals created by earlier runs")


def wrk(url: str, *, mode: str, path: str, env_extra: dict[str, str], duration: int, args: argparse.Namespace) -> dict:
    env = {**os.environ, "BENCH_MODE": mode, "BENCH_PATH": path, "BENCH_FHIR_SYSTEM": FHIR_SYSTEM, **env_extra}
    done = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    match = re.search(r"BENCH_RESULT (\{.*\})", done.stdout)
    if not match:
        raise RuntimeError(f"wrk printed no result: {done.stdout[-500:]} {done.stderr[-500:]}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def probe(server: servers.Server, p: Path_, token: str, files: dict[str, str]) -> str | None:
    """One request by hand before loading a path: a 4xx/5xx here would make the figures meaningless."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if p.mode == "fixed":
        response = httpx.get(server.base_url + p.path, headers=headers, timeout=60)
    elif p.mode == "random_id":
        first_id = Path(files["ids"]).read_text().split("\n", 1)[0]
        response = httpx.get(server.base_url + p.path + first_id, headers=headers, timeout=60)
    else:
        ident = f"probe-{time.time_ns()}"
        body = Path(files[p.mode]).read_text().replace("__ID__", ident)
        body = body.replace("__GIVEN__", "Probe").replace("__FAMILY__", ident).replace("__BIRTH__", "1970-01-01")
        if p.mode == "fhir":
            headers |= {"Content-Type": "application/fhir+json", "If-None-Exist": f"identifier={FHIR_SYSTEM}|{ident}"}
        else:
            headers |= {"Content-Type": "application/json"}
        response = httpx.post(server.base_url + p.path, content=body, headers=headers, timeout=60)
    if response.status_code >= 300:
        return f"{response.status_code} {response.text[:400]}"
    return None


def fhir_route_exists() -> bool:
    folder = ROOT / "api" / "routers" / "fhir"
    return folder.is_dir() and any("ServiceRequest" in f.read_text() for f in folder.rglob("*.py"))


def run_side(
    side: str,
    paths: list[Path_],
    files: dict[str, str],
    args: argparse.Namespace,
    results: Path,
    runs: dict,
    skipped: dict[str, str],
    round_no: int,
) -> None:
    # Others change the models while a run goes on; a new nullable column must not turn into 500s.
    blocking = asyncio.run(load_referrals.sync_schema(servers.bench_database_url()))
    if blocking:
        print(f"  schema: models need {'; '.join(blocking)}; run bench/load_referrals.py to rebuild")
    server = servers.start(side, workers=args.workers, results=results)
    try:
        token = ""
        if side == "app" and servers.needs_auth(server):
            asyncio.run(servers.ensure_bench_user())
            token = servers.login(server)
        for p in paths:
            if (p.app_only and side == "bare") or p.key in skipped:
                continue
            problem = probe(server, p, token, files)
            if problem:
                skipped[p.key] = f"{side}: {problem}"
                print(f"  {side:4} {p.key:14} skipped: {problem[:200]}")
                continue
            env = {
                "BENCH_TOKEN": token,
                "BENCH_IDS": files["ids"],
                "BENCH_BODY": files["fhir"] if p.mode == "fhir" else files["post"],
            }
            url = server.base_url + (p.path if p.mode == "fixed" else "")
            label = f"r{round_no}{side[0]}{int(time.time())}"
            if args.warmup:
                wrk(
                    url,
                    mode=p.mode,
                    path=p.path,
                    env_extra={**env, "BENCH_RUN": label + "w"},
                    duration=args.warmup,
                    args=args,
                )
                settle(server)
            before = cpu_seconds(server)
            r = wrk(
                url, mode=p.mode, path=p.path, env_extra={**env, "BENCH_RUN": label}, duration=args.duration, args=args
            )
            after = cpu_seconds(server)
            r["cpu_ms"] = {kind: (after[kind] - before[kind]) * 1000 / max(r["requests"], 1) for kind in after}
            settle(server)
            r["round"] = round_no
            runs.setdefault((side, p.key), []).append(r)
            flag = (
                f"  {r['status_errors']} non-2xx, {r['socket_errors']} socket errors"
                if r["status_errors"] or r["socket_errors"]
                else ""
            )
            print(
                f"  round {round_no} {side:4} {p.key:14} {r['rps']:8,.0f} req/s  p50 {r['p50_us'] / 1000:6.1f} ms"
                f"  p99 {r['p99_us'] / 1000:7.1f} ms  CPU ms/req {_cpu_cell([r])}{flag}",
                flush=True,
            )
    finally:
        server.stop()


def settle(server: servers.Server, *, budget: float = 30.0) -> None:
    """Wait until the requests wrk abandoned at its deadline have drained (a slow server keeps
    working on them), so they do not eat into the next run's CPU."""
    import httpx

    deadline, quick = time.monotonic() + budget, 0
    while time.monotonic() < deadline and quick < 4:  # several answers, so every worker is likely idle
        started = time.perf_counter()
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{server.base_url}/healthz", timeout=budget)
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0
        time.sleep(0.1)


def cpu_seconds(server: servers.Server) -> dict[str, float]:
    """CPU seconds used so far by the server's process tree, all of PostgreSQL's processes and the
    children this process waited for (wrk): where a request's cost lands, beside its rate."""
    used = {"server": 0.0, "postgres": 0.0}
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(server.process.pid)
        for proc in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                used["server"] += sum(proc.cpu_times()[:2])
    for proc in psutil.process_iter(["name", "cpu_times"]):
        if proc.info["name"] == "postgres" and proc.info["cpu_times"]:
            used["postgres"] += sum(proc.info["cpu_times"][:2])
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {**used, "wrk": children.ru_utime + children.ru_stime}


def _spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def table(paths: list[Path_], runs: dict, skipped: dict[str, str]) -> list[str]:
    lines = [
        "| path | app req/s median (min-max) | bare req/s median (min-max) | ratio (min-max) "
        "| app p50 / p99 ms | bare p50 / p99 ms | target (BENCH.md) | measured vs target | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in paths:
        app = runs.get(("app", p.key))
        if not app:
            reason = skipped.get(p.key, "not run")
            lines.append(f"| {p.label} | not available ({reason[:80]}) | | | | | {p.target} | | |")
            continue
        same = runs.get(("bare", p.ceiling if p.app_only else p.key), [])
        ceiling = runs.get(("bare", p.ceiling), [])
        app_rps = [r["rps"] for r in app]
        app_p50 = statistics.median(r["p50_us"] for r in app) / 1000
        app_p99 = statistics.median(r["p99_us"] for r in app) / 1000
        bare_cell = _spread([r["rps"] for r in same]) if same else "-"
        bare_lat = "-"
        ratio_cell = "-"
        if same:
            p50 = statistics.median(r["p50_us"] for r in same) / 1000
            p99 = statistics.median(r["p99_us"] for r in same) / 1000
            bare_lat = f"{p50:.1f} / {p99:.1f}"
            # Runs alternate app/bare, so pair them round by round for the spread of the ratio.
            by_round = {b["round"]: b for b in same}
            pairs = [a["rps"] / by_round[a["round"]]["rps"] for a in app if a["round"] in by_round] or [0.0]
            ratio_cell = (
                f"{statistics.median(app_rps) / statistics.median(r['rps'] for r in same):.0%} "
                f"({min(pairs):.0%}-{max(pairs):.0%})"
            )
        measured, met = "-", "-"
        if p.key in TARGET_RATIO and ceiling:
            share = statistics.median(app_rps) / statistics.median(r["rps"] for r in ceiling)
            ok = share >= TARGET_RATIO[p.key]
            measured = f"{share:.0%} of bare {p.ceiling}"
            ceiling_p99 = statistics.median(r["p99_us"] for r in ceiling) / 1000
            if p.key == "read":
                measured += f"; p99 {app_p99 / ceiling_p99:.1f}x"
                ok = ok and app_p99 <= 3 * ceiling_p99
            elif p.key.startswith("list"):
                measured += f"; p99 {app_p99:.0f} ms"
                ok = ok and app_p99 < 250
            met = "yes" if ok else "NO"
        errors = sum(r["status_errors"] + r["socket_errors"] for r in app)
        note = f" ({errors} errors)" if errors else ""
        lines.append(
            f"| {p.label} | {_spread(app_rps)}{note} | {bare_cell} | {ratio_cell} | {app_p50:.1f} / {app_p99:.1f} "
            f"| {bare_lat} | {p.target} | {measured} | {met} |"
        )
    return lines


CPU_KINDS = ("server", "postgres", "wrk")


def _cpu_cell(rs: list[dict]) -> str:
    return " / ".join(f"{statistics.median(r['cpu_ms'][kind] for r in rs):.3f}" for kind in CPU_KINDS)


def cpu_table(paths: list[Path_], runs: dict) -> list[str]:
    """CPU per request by process (medians over rounds): the rate's ratio read beside what each side spent."""
    lines = [
        "| path | app: server / PostgreSQL / wrk, CPU ms per request | bare: server / PostgreSQL / wrk |",
        "|---|---|---|",
    ]
    for p in paths:
        app, bare = runs.get(("app", p.key)), runs.get(("bare", p.ceiling if p.app_only else p.key))
        if app:
            lines.append(f"| {p.label} | {_cpu_cell(app)} | {_cpu_cell(bare) if bare else '-'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unrecorded load before each run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers, the same for app and bare")
    parser.add_argument("--paths", default=",".join(p.key for p in PATHS))
    parser.add_argument("--no-prune", action="store_true", help="keep the referrals earlier runs created")
    args = parser.parse_args()

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    wanted = args.paths.split(",")
    paths = [p for p in PATHS if p.key in wanted]
    skipped: dict[str, str] = {}
    if any(p.key == "fhir_create" for p in paths) and not fhir_route_exists():
        skipped["fhir_create"] = "no ServiceRequest route in api/routers/fhir"
    # The FHIR ratio needs the bare insert even when only FHIR was asked for.
    if any(p.app_only for p in paths) and not any(p.key == "create" for p in paths):
        paths.insert(0, next(p for p in PATHS if p.key == "create"))
    files = asyncio.run(prepare(results, prune=not args.no_prune))
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s (+{args.warmup}s warm-up), "
        f"{args.workers} uvicorn workers, {args.rounds} rounds, ABBA order; the machine is shared, so expect noise"
    )
    runs: dict = {}
    started = time.time()
    load_before = open("/proc/loadavg").read().split()[:3]
    for round_no in range(1, args.rounds + 1):
        for side in ("app", "bare") if round_no % 2 else ("bare", "app"):
            run_side(side, paths, files, args, results, runs, skipped, round_no)
    lines = [*table(paths, runs, skipped), "", *cpu_table(paths, runs)]
    # A shared machine's figures mean little without how busy it was (BENCH.md).
    lines += [
        "",
        f"Load average (1, 5, 15 min) at the start: {' '.join(load_before)}; at the end: "
        f"{' '.join(open('/proc/loadavg').read().split()[:3])}",
    ]
    print()
    print("\n".join(lines))
    print(
        f"\n{time.time() - started:.0f} s; ratios are median app / median bare in the same run; "
        "ceilings for list rows are the bare primary-key GET, as BENCH.md defines them"
    )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (results / f"http-{stamp}.json").write_text(
        json.dumps(
            {"args": vars(args), "runs": {f"{k[0]}:{k[1]}": v for k, v in runs.items()}, "skipped": skipped}, indent=1
        )
    )
    (results / f"http-{stamp}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
