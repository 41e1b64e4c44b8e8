"""Drain the outbox once and return: relay passes plus a burst arq worker, until nothing is due.

For one-off runs (`python -m workers.burst`), maintenance windows and the tests.
"""

import asyncio

from arq import Worker, func
from arq.connections import ArqRedis, RedisSettings, create_pool

from domain.shared.settings import get_settings
from workers.config import OutboxConfig, outbox_config
from workers.jobs.outreach import send_message
from workers.outbox_relay import relay_once


async def drain(redis: ArqRedis, cfg: OutboxConfig | None = None, *, max_rounds: int = 50) -> int:
    """Returns how many jobs were handed out; stops when a relay pass finds nothing due."""
    cfg = cfg or outbox_config()
    total = 0
    for _ in range(max_rounds):
        moved = await relay_once(redis, cfg)
        total += moved
        worker = Worker(
            functions=[func(send_message, timeout=cfg.send_job_timeout_seconds)],
            redis_pool=redis,
            queue_name=cfg.queue_name,
            burst=True,
            poll_delay=0.01,
            max_jobs=cfg.max_jobs,
            keep_result=0,
            handle_signals=False,
        )
        await worker.main()
        if moved == 0:
            break
    return total


async def main() -> None:
    redis = await create_pool(RedisSettings.from_dsn(get_settings().redis.url))
    try:
        print(f"handed out {await drain(redis)} message(s)")
    finally:
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
