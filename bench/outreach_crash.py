"""Kill -9 the worker at random moments while it sends a batch, restart it, count at the SMTP server.

    .venv/bin/python -m bench.outreach_crash --messages 1000 --kills 8 --seconds 60

A batch of messages is queued in the outbox (one transaction). A worker process (relay + send jobs)
is started, killed with SIGKILL after a random number of deliveries, restarted, and so on. Then it is left
to finish. At the receiving end:
every message must be there, distinct Message-IDs must equal the messages, and any repeat
(the same Message-ID twice: a send interrupted between the server's acceptance and our
record of it) is reported. Exit status 1 if a message is missing or was never recorded sent.
"""

import argparse
import asyncio
import os
import random
import sys
import time
from collections import Counter

from bench.outreach_support import (
    fresh_database,
    kill_hard,
    outbox_counts,
    outbox_ids,
    queue_batch,
    start_worker,
    stop,
    worker_env,
)
from integrations.email.sink import start_sink

MAIL_DOMAIN = "refloop.local"


async def run(
    *,
    messages: int,
    kills: int,
    seconds: float,
    redis_url: str,
    seed: int | None = None,
    name: str = "refloop_bench_out_crash",
) -> dict:
    """`name` names the database and the queue: concurrent runs must each have their own."""
    rng = random.Random(seed)
    db_url = await fresh_database(name)
    queue = f"{name}:outbox"
    from arq.connections import RedisSettings, create_pool

    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    await redis.delete(queue)
    controller, inbox = start_sink()
    # Short leases so a killed worker's messages come back within seconds, not minutes.
    env = worker_env(
        db_url,
        redis_url,
        controller.port,
        queue,
        OUTBOX_SEND_LEASE_SECONDS="3",
        OUTBOX_SEND_TIMEOUT_SECONDS="2",
        OUTBOX_RELAY_LEASE_SECONDS="10",
        OUTBOX_MAX_BACKLOG="100",
        OUTBOX_MAX_JOBS="30",
        # A killed worker's connections linger a moment: keep each worker's share small.
        DATABASE_POOL_SIZE="8",
        DATABASE_MAX_OVERFLOW="4",
        OUTBOX_RETRY_BASE_SECONDS="0.5",
    )
    await queue_batch(db_url, messages)
    expected = {f"<{i}@{MAIL_DOMAIN}>" for i in await outbox_ids(db_url)}
    started = time.monotonic()
    worker = start_worker(env)
    kill_times = []
    try:
        for _ in range(kills):
            # A random moment while it is sending: after it has delivered another 10-100 messages.
            target = len(inbox.ids()) + rng.randint(10, 100)
            wait_until = time.monotonic() + 15
            while len(inbox.ids()) < target and time.monotonic() < wait_until:
                await asyncio.sleep(rng.uniform(0.01, 0.05))
            kill_hard(worker)
            kill_times.append(round(time.monotonic() - started, 2))
            worker = start_worker(env)
        deadline = started + seconds
        while time.monotonic() < deadline:
            counts = await outbox_counts(db_url)
            if counts.get("sent", 0) == len(expected):
                break
            await asyncio.sleep(0.5)
    finally:
        stop(worker)
        await redis.delete(queue)
        await redis.aclose()
        controller.stop()

    received = inbox.ids()
    per_id = Counter(received)
    counts = await outbox_counts(db_url)
    return {
        "messages": len(expected),
        "received": len(received),
        "distinct_ids": len(per_id),
        "missing": len(expected - set(per_id)),
        "unexpected": len(set(per_id) - expected),
        "repeats": sum(n - 1 for n in per_id.values() if n > 1),
        "repeated_ids": [i for i, n in per_id.items() if n > 1][:10],
        "outbox": counts,
        "kills_at_s": kill_times,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--redis", default=os.environ.get("BENCH_OUTREACH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--name", default="refloop_bench_out_crash", help="database and queue name; runs side by side need their own"
    )
    args = parser.parse_args()
    result = asyncio.run(
        run(
            messages=args.messages,
            kills=args.kills,
            seconds=args.seconds,
            redis_url=args.redis,
            seed=args.seed,
            name=args.name,
        )
    )
    for key, value in result.items():
        print(f"{key:>14}: {value}")
    ok = result["missing"] == 0 and result["unexpected"] == 0 and result["outbox"].get("sent") == result["messages"]
    print("OK: every message arrived; repeats carry the same Message-ID" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
