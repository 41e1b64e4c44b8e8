"""The relay: claims due outbox rows and hands each to an arq job as (id, version).

Claiming commits before enqueueing. If the process dies in between, the rows' lease runs
out and the next pass hands them out again with a new version; a job left over from the
earlier pass finds the version moved and does nothing.
"""

import asyncio
import contextlib

import structlog
from arq.connections import ArqRedis

from domain.outreach import delivery
from domain.shared.db import unit_of_work
from workers.config import OutboxConfig, outbox_config

log = structlog.get_logger()
SEND_JOB = "send_message"


def job_id(message_id: object, version: int) -> str:
    return f"outbox:{message_id}:{version}"


async def relay_once(redis: ArqRedis, cfg: OutboxConfig | None = None) -> int:
    cfg = cfg or outbox_config()
    room = cfg.max_backlog - await redis.zcard(cfg.queue_name)
    if room <= 0:
        return 0
    async with unit_of_work() as session:
        claimed = await delivery.claim_due(session, limit=min(cfg.batch, room), lease=cfg.relay_lease)
    for message_id, version in claimed:
        await redis.enqueue_job(SEND_JOB, str(message_id), version, _job_id=job_id(message_id, version),
                                _queue_name=cfg.queue_name)
    return len(claimed)


async def relay_forever(redis: ArqRedis, cfg: OutboxConfig | None = None) -> None:
    cfg = cfg or outbox_config()
    while True:
        try:
            moved = await relay_once(redis, cfg)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Database or Redis away: keep trying, the rows wait safely in the outbox.
            log.warning("outbox relay pass failed", exc_info=True)
            moved = 0
            await asyncio.sleep(1)
        if moved < cfg.batch:
            await asyncio.sleep(cfg.poll_seconds)


async def start(ctx: dict) -> None:
    ctx["relay"] = asyncio.create_task(relay_forever(ctx["redis"]))


async def stop(ctx: dict) -> None:
    task = ctx.get("relay")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
