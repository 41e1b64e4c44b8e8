"""CPU per message on the send path: one worker process drains queued thank-you e-mails to a local SMTP
server in its own process; the CPU each process used from the first delivery to the last, per message.

    .venv/bin/python -m bench.outreach_cpu --messages 2000 --rounds 3

CPU time blurs less than msg/s on a shared machine: a neighbour slows the drain, but the work done for
each message stays about the same. The worker's figure is the send path (relay, job, render, SMTP
client, marks); the sink's is the SMTP server's side, for comparison. PostgreSQL's own CPU is not counted.
"""

import argparse
import asyncio
import os
import statistics
import time

import psutil
from arq.connections import RedisSettings, create_pool

from bench.outreach_support import (
    fresh_database,
    outbox_counts,
    queue_batch,
    start_counting_sink,
    start_worker,
    stop,
    worker_env,
)


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


async def one_round(*, messages: int, name: str, redis_url: str, smtp_port: int, count, sink_pid: int) -> dict:
    db_url = await fresh_database(name)
    queue = f"{name}:outbox"
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    await redis.delete(queue)
    await queue_batch(db_url, messages)
    with count.get_lock():
        count.value = 0
    sink = psutil.Process(sink_pid)
    worker = start_worker(worker_env(db_url, redis_url, smtp_port, queue))
    try:
        proc = psutil.Process(worker.pid)
        deadline = time.monotonic() + 300
        while count.value < 1:  # start-up (imports, connections) left out
            if time.monotonic() > deadline:
                raise RuntimeError("nothing delivered")
            await asyncio.sleep(0.002)
        first, at_first = count.value, time.monotonic()
        worker_cpu, sink_cpu = _cpu(proc), _cpu(sink)
        while count.value < messages:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {count.value} of {messages} delivered")
            await asyncio.sleep(0.005)
        # Until every mark is written: recording the outcome is part of the send path.
        while (await outbox_counts(db_url)).get("sent", 0) < messages:
            if time.monotonic() > deadline:
                raise RuntimeError("not every message was recorded sent")
            await asyncio.sleep(0.02)
        done = messages - first
        return {
            "worker_ms": (_cpu(proc) - worker_cpu) * 1000 / done,
            "sink_ms": (_cpu(sink) - sink_cpu) * 1000 / done,
            "msg_s": done / (time.monotonic() - at_first),
        }
    finally:
        stop(worker)
        await redis.delete(queue)
        await redis.aclose()


async def run(*, messages: int, rounds: int, name: str, redis_url: str) -> None:
    sink, smtp_port, count = start_counting_sink()
    assert sink.pid is not None
    results = []
    try:
        for r in range(rounds):
            result = await one_round(
                messages=messages, name=name, redis_url=redis_url, smtp_port=smtp_port, count=count, sink_pid=sink.pid
            )
            results.append(result)
            print(
                f"round {r + 1}: worker {result['worker_ms']:.2f} ms CPU/message, sink {result['sink_ms']:.2f} ms, "
                f"{result['msg_s']:.0f} msg/s",
                flush=True,
            )
    finally:
        sink.kill()
    for key, label in (("worker_ms", "worker CPU ms/message"), ("sink_ms", "sink CPU ms/message")):
        values = [r[key] for r in results]
        print(f"{label}: median {statistics.median(values):.2f} (range {min(values):.2f}-{max(values):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default=os.environ.get("BENCH_OUTREACH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--name", default="refloop_bench_outreach_cpu", help="database and queue name")
    args = parser.parse_args()
    asyncio.run(run(messages=args.messages, rounds=args.rounds, name=args.name, redis_url=args.redis))


if __name__ == "__main__":
    main()
