"""Where a request's time goes: py-spy samples one app worker while wrk drives one path.

    .venv/bin/python bench/pyspy_profile.py [--path read|list_filtered|list|create|fhir_create] [--seconds 20]

Runs the app with one uvicorn worker (so one process holds every request), records with
py-spy (`pip install py-spy` into .venv; not a project dependency), and prints the share of
samples per component (attributed to the innermost frame that belongs to one) and the
heaviest functions inclusive. The raw stacks land in bench/results/ for a flame graph
(`py-spy` raw format loads in speedscope).
"""

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import http_bench, servers  # noqa: E402

# Innermost match wins, so e.g. a pydantic call made from the router counts as pydantic.
COMPONENTS = [
    ("crypto: AES-GCM open / blind index", r"domain/shared/crypto|cryptography/|hmac\.py|base64\.py"),
    ("pydantic validation / serialisation", r"pydantic|pydantic_core|fastapi/_compat|fastapi/encoders"),
    ("json encode / decode", r"json/|orjson"),
    ("SQLAlchemy ORM (loading, identity map, unit of work)", r"sqlalchemy/orm/"),
    ("SQLAlchemy Core (compile, cache, result rows)", r"sqlalchemy/(sql|engine|pool|event|util|dialects|ext)"),
    ("asyncpg driver", r"asyncpg/"),
    ("auth (JWT, principal, scopes)", r"api/auth/|jose/|jwt|domain/identity/"),
    ("audit log", r"domain/audit|api/.*audit"),
    ("logging / metrics", r"structlog|logging/|prometheus_client|api/metrics|api/logging"),
    ("FHIR mapping / validation", r"fhir/resources|fhir_core|integrations/fhir"),
    ("FastAPI routing / dependencies", r"fastapi/"),
    ("Starlette / uvicorn / HTTP parsing", r"starlette/|uvicorn/|httptools|h11"),
    ("app code (api/, domain/)", r"/work/main/(api|domain)/|\b(api|domain)/"),
    ("event loop (uvloop/asyncio, idle)", r"asyncio/|uvloop|selectors\.py"),
]
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def parse(raw: Path) -> tuple[collections.Counter, collections.Counter, int]:
    by_component: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f for f in stack.split(";") if f]
        parsed = [(m.group("func"), m.group("file")) if (m := FRAME.match(f)) else (f, "") for f in frames]
        for func, file in set(parsed):
            if re.search(r"(?<![a-z])(api|domain|integrations)/", file):  # ours, not fastapi/
                inclusive[f"{func} ({file.split('/work/main/')[-1]})"] += n
        for func, file in reversed(parsed):
            name = next((label for label, pattern in COMPONENTS if re.search(pattern, f"{file} {func}")), None)
            if name:
                by_component[name] += n
                break
        else:
            by_component["other / native"] += n
    return by_component, inclusive, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="read", choices=[p.key for p in http_bench.PATHS])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    files = asyncio.run(http_bench.prepare(results, prune=False))
    path = next(p for p in http_bench.PATHS if p.key == args.path)
    server = servers.start("app", workers=1, results=results)
    try:
        token = ""
        if servers.needs_auth(server):
            asyncio.run(servers.ensure_bench_user())
            token = servers.login(server)
        env = {
            "BENCH_TOKEN": token,
            "BENCH_IDS": files["ids"],
            "BENCH_BODY": files["fhir"] if path.mode == "fhir" else files["post"],
            "BENCH_RUN": f"prof{time.time_ns()}",
        }
        url = server.base_url + (path.path if path.mode == "fixed" else "")
        wargs = argparse.Namespace(threads=1, connections=args.connections)
        http_bench.wrk(url, mode=path.mode, path=path.path, env_extra=env, duration=3, args=wargs)  # warm-up
        raw = results / f"profile-{args.path}.txt"
        load: dict = {}
        driver = threading.Thread(
            target=lambda: load.update(
                http_bench.wrk(
                    url, mode=path.mode, path=path.path, env_extra=env, duration=args.seconds + 2, args=wargs
                )
            )
        )
        driver.start()
        time.sleep(1)
        subprocess.run(
            [
                py_spy,
                "record",
                "--pid",
                str(server.process.pid),
                "--subprocesses",  # the worker is the launcher's child (bench/spread.py)
                "--duration",
                str(args.seconds),
                "--rate",
                str(args.rate),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            check=True,
            capture_output=True,
            timeout=args.seconds + 60,
        )
        driver.join(timeout=args.seconds + 60)
    finally:
        server.stop()
    by_component, inclusive, total = parse(raw)
    print(
        f"{path.label}: {load.get('rps', 0):,.0f} req/s with 1 worker under py-spy; "
        f"{total:,} samples; raw stacks: {raw}"
    )
    print("\nwhere the time goes (innermost component on each sampled stack):")
    for name, n in by_component.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("\nheaviest project functions (inclusive):")
    for name, n in inclusive.most_common(18):
        print(f"  {n / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
