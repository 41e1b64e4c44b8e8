"""Memory of the API workers under load: peak, then a paced soak at a share of that peak.

    .venv/bin/python bench/soak_rss.py [--minutes 10] [--share 0.5] [--workers 2]

Starts the app as bench/http_bench.py does (uvicorn, 2 workers, 1M referrals in the bench
database), measures the peak req/s of a mix (reads by id, the filtered list, creates) with wrk
for 10 s, then paces the same mix at `share` of that peak for `minutes`, sampling each worker's
RSS every minute. Prints and writes a Markdown table to bench/results/soak-<time>.md: RSS at
the start and end of the soak, the highest seen, and the growth over the whole soak and over its
second half.
"""

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import http_bench, servers  # noqa: E402

# (name, wrk mode, path, share of the requests)
MIX = [
    ("read", "random_id", "/v1/referrals/", 0.6),
    ("list_filtered", "fixed", "/v1/referrals?status=received&service_line=cardiology", 0.2),
    ("create", "post", "/v1/referrals", 0.2),
]
CONNECTIONS = 8  # per part of the mix


def workers(server: servers.Server) -> list[psutil.Process]:
    """The server's worker processes (its launcher's Python children)."""
    found = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if "multiprocessing" in " ".join(child.cmdline()) or child.name().startswith("python"):
                found.append(child)
    return found


def workers_rss(server: servers.Server) -> dict[int, float]:
    out = {}
    for worker in workers(server):
        with contextlib.suppress(psutil.NoSuchProcess):
            out[worker.pid] = worker.memory_info().rss / 2**20
    return out


def workers_db_connections(server: servers.Server) -> dict[int, int]:
    """Connections each worker holds to the bench database: its pool opens one per request in flight
    at the busiest moment so far, and each prepares its own statements (memory the soak counts)."""
    port = make_url(servers.bench_database_url()).port or 5432
    out = {}
    for worker in workers(server):
        with contextlib.suppress(psutil.NoSuchProcess):
            out[worker.pid] = sum(1 for c in worker.net_connections("tcp") if c.raddr and c.raddr.port == port)
    return out


def run_wrk(
    url: str, mode: str, path: str, env: dict[str, str], seconds: int, connections: int, delay_ms: float | None
) -> dict:
    extra = {
        **env,
        "BENCH_MODE": mode,
        "BENCH_PATH": path,
        "BENCH_FHIR_SYSTEM": http_bench.FHIR_SYSTEM,
        "BENCH_RUN": f"soak{time.time_ns()}",
    }
    if delay_ms:
        extra["BENCH_DELAY_MS"] = str(int(delay_ms))
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(http_bench.LUA), url],
        env={**dict(__import__("os").environ), **extra},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {done.stdout[-300:]} {done.stderr[-300:]}")
    result = json.loads(line.split(" ", 1)[1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def run_mix(url: str, env: dict[str, str], seconds: int, delays: dict[str, float] | None) -> dict[str, dict]:
    results: dict[str, dict] = {}

    def one(name: str, mode: str, path: str) -> None:
        results[name] = run_wrk(url, mode, path, env, seconds, CONNECTIONS, delays[name] if delays else None)

    threads = [threading.Thread(target=one, args=(name, mode, path)) for name, mode, path, _ in MIX]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--share", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    files = asyncio.run(http_bench.prepare(results, prune=False))
    server = servers.start("app", workers=args.workers, results=results)
    try:
        asyncio.run(servers.ensure_bench_user())
        env = {"BENCH_TOKEN": servers.login(server), "BENCH_IDS": files["ids"], "BENCH_BODY": files["post"]}
        run_mix(server.base_url, env, 5, None)  # warm-up
        start_rss = workers_rss(server)
        peak = run_mix(server.base_url, env, 10, None)
        peak_total = sum(r["rps"] for r in peak.values())
        target = peak_total * args.share
        # Each connection waits `delay` before each request: CONNECTIONS / delay = its part's rate.
        delays = {name: max(1.0, CONNECTIONS / (target * share) * 1000) for name, _, _, share in MIX}
        print(
            f"peak {peak_total:,.0f} req/s; soak at {target:,.0f} req/s for {args.minutes:g} min; "
            f"load average {open('/proc/loadavg').read().split()[:3]}",
            flush=True,
        )
        # (minute, RSS MB by worker pid, (req/s, errors) over that minute)
        samples: list[tuple[float, dict[int, float], tuple[float, int] | None]] = [(0.0, workers_rss(server), None)]
        pooled = [workers_db_connections(server)]  # database connections by worker pid, as sampled
        for minute in range(int(args.minutes)):
            mix = run_mix(server.base_url, env, 60, delays)
            rate = sum(r["rps"] for r in mix.values())
            errors = sum(r["status_errors"] + r["socket_errors"] for r in mix.values())
            samples.append((minute + 1.0, workers_rss(server), (rate, errors)))
            pooled.append(workers_db_connections(server))
            rss = ", ".join(f"{v:.0f}" for v in samples[-1][1].values())
            held = ", ".join(str(pooled[-1].get(pid, "?")) for pid in samples[-1][1])
            print(
                f"minute {minute + 1}: {rate:,.0f} req/s, {errors} errors, worker RSS MB: {rss}, "
                f"database connections: {held}",
                flush=True,
            )
    finally:
        server.stop()
    first, last = samples[0][1], samples[-1][1]
    # The first minutes include warming (each pooled connection prepares a statement the first time it
    # runs it); growth that goes on shows in the second half too.
    middle = samples[len(samples) // 2][1]
    highest = max(v for _, s, _ in samples for v in s.values())
    lines = [
        f"# Soak: {args.minutes:g} min at {args.share:.0%} of peak ({target:,.0f} of {peak_total:,.0f} req/s), "
        f"{args.workers} workers",
        "",
        f"Load average at the end: {open('/proc/loadavg').read().split()[:3]}",
        "",
        "| worker | RSS MB after warm-up | RSS MB at soak start | RSS MB at soak end | growth over the soak "
        "| growth over its second half |",
        "|---|---|---|---|---|---|",
    ]
    for pid in last:
        lines.append(
            f"| {pid} | {start_rss.get(pid, float('nan')):.0f} | {first.get(pid, float('nan')):.0f} "
            f"| {last[pid]:.0f} | {last[pid] - first.get(pid, last[pid]):+.1f} MB "
            f"| {last[pid] - middle.get(pid, last[pid]):+.1f} MB |"
        )
    lines += [
        "",
        f"Highest RSS of any worker: {highest:.0f} MB (limit 250 MB).",
        "",
        "| minute | req/s | errors | worker RSS MB | database connections by worker |",
        "|---|---|---|---|---|",
    ]
    for (at, by_pid, stats), counts in zip(samples, pooled, strict=True):
        rate, errors = (f"{stats[0]:,.0f}", str(stats[1])) if stats else ("", "")  # none at the start
        lines.append(
            f"| {at:.0f} | {rate} | {errors} | {', '.join(f'{v:.0f}' for v in by_pid.values())} "
            f"| {', '.join(str(counts.get(pid, '?')) for pid in by_pid)} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    (results / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.md").write_text(text)


if __name__ == "__main__":
    main()
