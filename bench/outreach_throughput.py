"""Outreach speed: referral created -> acknowledgement delivered at a local SMTP server, messages/s,
with one and two worker processes, as a ratio to arq's tuned no-op job rate in the same run.

    .venv/bin/python -m bench.outreach_throughput --referrals 300 --messages 2000 --warmup 600 --jobs 2000 --rounds 2

Each round measures, for 1 then 2 worker processes:
- no-op: tuned arq (poll_delay 0.01, max_jobs 100) running already-queued jobs that only count;
- drain: referrals committed with their acknowledgements held back (due in an hour) while the
  workers start; once every worker's relay listens, a first part is made due and sent (warm-up:
  each pooled connection prepares its statements, each PostgreSQL backend fills its caches), then
  the rest in one commit: relay, job, render from the rows, SMTP, recorded as sent. Timed from a
  cold start instead, a drain of a few seconds mostly measured that start-up (a second process's
  imports, sixty new connections), which a running worker has long paid.
- end to end: warm workers; from the first referral created (8 concurrent producers in this
  process, one transaction each) to the last message received.
Rates for no-op and drain run from the first completion to the last (start-up left out).
The SMTP server runs in its own process.
"""

import argparse
import asyncio
import os
import statistics
import time
from typing import Any, ClassVar

import asyncpg
from arq.connections import RedisSettings, create_pool

from bench.outreach_support import (
    fresh_database,
    outbox_ids,
    queue_referrals,
    start_counting_sink,
    start_worker,
    stop,
    worker_env,
)

NOOP_QUEUE = "refloop_bench_out:noop"
COUNTER = "refloop_bench_out:noop_done"


async def noop(ctx: dict) -> None:
    await ctx["redis"].incr(COUNTER)


class NoopSettings:
    """arq tuned as BENCH.md says (poll_delay 0.01, max_jobs 100), doing nothing but count."""

    functions: ClassVar[list[Any]] = [noop]
    queue_name = NOOP_QUEUE
    poll_delay = 0.01
    max_jobs = 100
    keep_result = 0
    # The same Redis as the run that starts it (main() exports --redis for the worker processes).
    redis_settings = RedisSettings.from_dsn(os.environ.get("BENCH_OUTREACH_REDIS_URL", "redis://127.0.0.1:6379/6"))


def _start_workers(n: int, module: str, env: dict) -> list:
    import subprocess
    import sys

    from bench.outreach_support import ROOT

    return [
        subprocess.Popen(
            [sys.executable, "-m", "arq", module],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]


async def _wait_ready(redis, queue: str, procs: list, seconds: float = 60) -> None:
    """Workers are warm once each has taken a health-check key in Redis."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await redis.exists(queue + ":health-check"):
            await asyncio.sleep(1.0)  # let the second process come up too
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("workers did not start")


async def _first_to_last(read, total: int, seconds: float = 240) -> float:
    """Rate between the first and the last completion: worker start-up is left out."""
    deadline = time.monotonic() + seconds
    while await read() < 1:
        if time.monotonic() > deadline:
            raise RuntimeError("nothing completed")
        await asyncio.sleep(0.005)
    first, done_at_first = time.monotonic(), await read()
    while (done := await read()) < total:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {done} of {total} completed")
        await asyncio.sleep(0.005)
    return (total - done_at_first) / (time.monotonic() - first)


async def noop_rate(redis, workers: int, jobs: int, env: dict) -> float:
    """Tuned arq, no-op jobs already queued: the ceiling for any job-per-message design."""
    await redis.delete(NOOP_QUEUE, COUNTER)
    for _ in range(jobs):
        await redis.enqueue_job("noop", _queue_name=NOOP_QUEUE)
    procs = _start_workers(workers, "bench.outreach_throughput.NoopSettings", env)
    try:

        async def done() -> int:
            return int(await redis.get(COUNTER) or 0)

        return await _first_to_last(done, jobs)
    finally:
        for p in procs:
            stop(p)


def _asyncpg_url(db_url: str) -> str:
    return db_url.replace("postgresql+asyncpg://", "postgresql://")


async def _relays_listening(db_url: str, workers: int, seconds: float = 60) -> None:
    """Each worker process is warm once its relay has opened its LISTEN connection."""
    conn = await asyncpg.connect(_asyncpg_url(db_url))
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            listening = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = 'refloop-relay'"
            )
            if listening >= workers:
                return
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise RuntimeError("workers did not start")


async def _due_in(db_url: str, interval: str, limit: int | None = None) -> None:
    """Move the queued messages' due time (the oldest `limit` of them, or all); the NOTIFY is what an
    insert's trigger would send."""
    conn = await asyncpg.connect(_asyncpg_url(db_url))
    try:
        async with conn.transaction():
            await conn.execute(
                f"UPDATE outbox_messages SET not_before = now() + interval '{interval}' WHERE id IN ("
                " SELECT id FROM outbox_messages WHERE status = 'queued' ORDER BY created_at LIMIT $1)",
                limit,
            )
            await conn.execute("NOTIFY refloop_outbox")
    finally:
        await conn.close()


async def drain_rate(
    redis, workers: int, messages: int, warmup: int, smtp_port: int, count, redis_url: str, name: str
) -> float:
    """Acknowledgements committed and held back; workers started, then warmed by a first part; then the
    rest made due at once."""
    db_url = await fresh_database(name)
    queue = f"{name}:outbox"
    await redis.delete(queue)
    await queue_referrals(db_url, warmup + messages)
    await _due_in(db_url, "1 hour")
    expected = len(await outbox_ids(db_url))
    with count.get_lock():
        count.value = 0
    procs = [start_worker(worker_env(db_url, redis_url, smtp_port, queue)) for _ in range(workers)]
    try:
        await _relays_listening(db_url, workers)
        await _due_in(db_url, "0 seconds", limit=warmup)
        deadline = time.monotonic() + 120
        while count.value < warmup:
            if time.monotonic() > deadline:
                raise RuntimeError(f"warm-up: only {count.value} of {warmup} delivered")
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)  # the warm-up's marks written; the workers rest, as between bursts
        if count.value > warmup:
            raise RuntimeError("messages left before they were due")
        # The new database's files, still being written back, would take the kernel's CPU mid-drain.
        await asyncio.to_thread(os.sync)
        await _due_in(db_url, "0 seconds")

        async def done() -> int:
            return count.value - warmup

        return await _first_to_last(done, expected - warmup)
    finally:
        for p in procs:
            stop(p)


async def e2e_rate(redis, workers: int, referrals: int, smtp_port: int, count, redis_url: str, name: str) -> float:
    """Warm workers; the clock runs from the first referral created to the last message received."""
    db_url = await fresh_database(name)
    queue = f"{name}:outbox"
    await redis.delete(queue)
    env = worker_env(db_url, redis_url, smtp_port, queue)
    procs = [start_worker(env) for _ in range(workers)]
    try:
        await _wait_ready(redis, queue, procs)
        with count.get_lock():
            count.value = 0
        started = time.monotonic()
        await queue_referrals(db_url, referrals)
        expected = len(await outbox_ids(db_url))
        while count.value < expected:
            if time.monotonic() - started > 240:
                raise RuntimeError(f"only {count.value} of {expected} delivered")
            await asyncio.sleep(0.01)
        return expected / (time.monotonic() - started)
    finally:
        for p in procs:
            stop(p)


async def run(referrals: int, messages: int, warmup: int, jobs: int, rounds: int, redis_url: str, name: str) -> None:
    sink, smtp_port, count = start_counting_sink()
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    noop_env = {**worker_env("", redis_url, smtp_port, NOOP_QUEUE)}
    results: dict[str, list[float]] = {f"{k}{w}": [] for k in ("noop", "drain", "e2e") for w in (1, 2)}
    try:
        for r in range(rounds):
            for workers in (1, 2):
                results[f"noop{workers}"].append(await noop_rate(redis, workers, jobs, noop_env))
                results[f"drain{workers}"].append(
                    await drain_rate(redis, workers, messages, warmup, smtp_port, count, redis_url, name)
                )
                results[f"e2e{workers}"].append(
                    await e2e_rate(redis, workers, referrals, smtp_port, count, redis_url, name)
                )
                print(
                    f"round {r + 1}, {workers} worker(s): no-op {results[f'noop{workers}'][-1]:.0f} jobs/s, "
                    f"outbox drain {results[f'drain{workers}'][-1]:.1f} msg/s, "
                    f"end to end {results[f'e2e{workers}'][-1]:.1f} msg/s",
                    flush=True,
                )
    finally:
        await redis.aclose()
        sink.kill()
    for workers in (1, 2):
        noop = results[f"noop{workers}"]
        line = [f"{workers} worker(s): tuned arq no-op median {statistics.median(noop):.0f} jobs/s"]
        for name in ("drain", "e2e"):
            rates = results[f"{name}{workers}"]
            ratios = [e / n for e, n in zip(rates, noop, strict=False)]
            line.append(
                f"{name} median {statistics.median(rates):.1f} msg/s "
                f"(range {min(rates):.1f}-{max(rates):.1f}), ratio {statistics.median(ratios):.1%} "
                f"(range {min(ratios):.1%}-{max(ratios):.1%})"
            )
        print("; ".join(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=300, help="referrals created in the end-to-end case")
    parser.add_argument("--messages", type=int, default=2000, help="acknowledgements the drain times")
    parser.add_argument("--warmup", type=int, default=600, help="acknowledgements sent first, not timed")
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--redis", default=os.environ.get("BENCH_OUTREACH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument(
        "--name", default="refloop_bench_out_speed", help="database and queue name; runs side by side need their own"
    )
    args = parser.parse_args()
    os.environ["BENCH_OUTREACH_REDIS_URL"] = args.redis
    asyncio.run(run(args.referrals, args.messages, args.warmup, args.jobs, args.rounds, args.redis, args.name))


if __name__ == "__main__":
    main()
