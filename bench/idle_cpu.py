"""CPU an idle `refloop run` (API + worker, no traffic) uses, as a share of one core.

    .venv/bin/python bench/idle_cpu.py [--seconds 60] [--port 8106]

Starts `refloop run` against DATABASE_URL / REDIS_URL (or BENCH_IDLE_DATABASE_URL, default
refloop_bench_idle, migrated and seeded on first start), waits for /healthz and for the worker's
first heartbeat (arq's health-check key: its start-up is over), then a settling period, then sums
the CPU time of the whole process tree over the window. That new messages
still leave within a second is a behaviour, checked by tests/test_worker_rests.py.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import redis
from arq.constants import health_check_key_suffix

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workers.config import outbox_config  # noqa: E402


def tree_cpu(root: psutil.Process) -> dict[str, float]:
    """CPU seconds so far of each process in the tree, by its command line."""
    used: dict[str, float] = {}
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            name = f"{proc.pid} {' '.join(proc.cmdline()[1:4])}"
            used[name] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=10, help="seconds after /healthz before measuring")
    parser.add_argument("--port", type=int, default=8106)
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get(
            "BENCH_IDLE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/refloop_bench_idle"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "REFLOOP_LOG_JSON": "true",
    }
    # arq writes it on its first poll, after start-up: cleared first, so a last run's key cannot stand in.
    health_key = outbox_config().queue_name + health_check_key_suffix
    store = redis.Redis.from_url(env["REDIS_URL"])
    store.delete(health_key)
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "refloop"), "run", "--port", str(args.port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"refloop run exited with {proc.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{args.port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        healthy = time.monotonic()
        while not store.exists(health_key):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the worker did not start")
            time.sleep(0.5)
        print(f"worker started {time.monotonic() - healthy:.1f} s after /healthz answered")
        time.sleep(args.settle)
        root = psutil.Process(proc.pid)
        before, started = tree_cpu(root), time.monotonic()
        time.sleep(args.seconds)
        after, elapsed = tree_cpu(root), time.monotonic() - started
        each = {name: seconds - before.get(name, 0.0) for name, seconds in after.items()}
        used = sum(each.values())
        print(
            f"idle `refloop run` over {elapsed:.0f} s: {used:.2f} s CPU = {100 * used / elapsed:.2f}% of one core; "
            f"load average {open('/proc/loadavg').read().split()[:3]}"
        )
        for name, seconds in sorted(each.items(), key=lambda item: -item[1]):
            print(f"  {100 * seconds / elapsed:5.2f}%  {name}")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
