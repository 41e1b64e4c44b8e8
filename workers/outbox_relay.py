"""The relay: claims due outbox rows and hands them to arq jobs as (id, version) pairs, a batch per job.

Claiming commits before enqueueing. If the process dies in between, the rows' lease runs
out and the next pass hands them out again with a new version; a job left over from the
earlier pass finds the version moved and does nothing.

It sleeps until PostgreSQL notifies `refloop_outbox` (a trigger on the outbox insert, sent at
commit), with a slow fallback poll for what no insert announces: retries whose `not_before`
has come, expired leases, a notification lost while the listening connection was down.

Every worker process runs a relay, and whichever claims the rows hands out the jobs. So a relay that
has enqueued jobs says so on `refloop_jobs`, and each process's listener wakes its resting workers:
otherwise a worker whose own relay found nothing would sleep through the work (workers/resting.py).
"""

import asyncio
import contextlib
import uuid

import asyncpg
import structlog
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix

from domain.outreach import delivery
from domain.shared.db import unit_of_work
from domain.shared.settings import get_settings
from workers.config import OutboxConfig, outbox_config
from workers.wake import wake_workers

log = structlog.get_logger()
SEND_JOB = "send_message"
CHANNEL = "refloop_outbox"
JOBS_CHANNEL = "refloop_jobs"


def batches(claimed: list[tuple[uuid.UUID, int]], size: int) -> list[list[tuple[uuid.UUID, int]]]:
    """Split a pass's claims into jobs of at most `size`, evenly, so concurrent workers share them."""
    if not claimed:
        return []
    count = -(-len(claimed) // max(size, 1))
    return [claimed[i::count] for i in range(count)]


def job_id(message_id: object, version: int) -> str:
    return f"outbox:{message_id}:{version}"


async def relay_once(redis: ArqRedis, cfg: OutboxConfig | None = None) -> int:
    return (await _pass(redis, cfg or outbox_config()))[0]


async def _pass(redis: ArqRedis, cfg: OutboxConfig) -> tuple[int, bool]:
    """How many rows went to Redis, and whether more may be waiting (a full batch or a full backlog)."""
    room = cfg.max_backlog - await _waiting(redis, cfg)
    if room <= 0:
        return 0, True
    limit = min(cfg.batch, room * cfg.send_batch)
    async with unit_of_work() as session:
        claimed = await delivery.claim_due(session, limit=limit, lease=cfg.relay_lease)
    for batch in batches(claimed, cfg.send_batch):
        (message_id, version), more = batch[0], [[str(i), v] for i, v in batch[1:]]
        await redis.enqueue_job(
            SEND_JOB,
            str(message_id),
            version,
            *([more] if more else []),
            _job_id=job_id(message_id, version),
            _queue_name=cfg.queue_name,
        )
    if claimed:
        wake_workers()
    return len(claimed), len(claimed) >= limit


async def _waiting(redis: ArqRedis, cfg: OutboxConfig) -> int:
    """Jobs waiting in Redis. Jobs a worker has started are not waiting: one killed mid-job stays in the
    queue, marked in progress for arq's longest job timeout (half an hour), and must not hold the relay."""
    queued = await redis.zcard(cfg.queue_name)
    if queued < cfg.max_backlog:
        return queued
    ids = await redis.zrange(cfg.queue_name, 0, -1)
    async with redis.pipeline(transaction=False) as pipe:
        for job in ids:
            pipe.exists(in_progress_key_prefix + job.decode())
        started = sum(await pipe.execute())
    return queued - started


def listen_url() -> str:
    """Where the relay LISTENs: DATABASE_LISTEN_URL, else DATABASE_URL (as asyncpg spells it)."""
    database = get_settings().database
    return (database.listen_url or database.url).replace("postgresql+asyncpg://", "postgresql://")


class Listener:
    """A raw asyncpg connection LISTENing on the outbox channel (`woken` is set by each notification) and
    on the jobs channel (this process's resting workers are woken)."""

    def __init__(self) -> None:
        self.woken = asyncio.Event()
        self.connection: asyncpg.Connection | None = None

    async def ensure(self) -> None:
        if self.connection is not None and not self.connection.is_closed():
            return
        self.connection = await asyncpg.connect(listen_url(), server_settings={"application_name": "refloop-relay"})
        await self.connection.add_listener(CHANNEL, lambda *_: self.woken.set())
        await self.connection.add_listener(JOBS_CHANNEL, lambda *_: wake_workers())
        # Anything inserted while we were not listening is found by the pass that follows.
        self.woken.set()

    async def announce(self) -> None:
        """Jobs were just enqueued: wake the workers of every process, not only this one."""
        assert self.connection is not None  # ensure() ran before the pass that enqueued
        await self.connection.execute(f"NOTIFY {JOBS_CHANNEL}")

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.woken.wait(), timeout)
        self.woken.clear()

    async def close(self) -> None:
        if self.connection is not None and not self.connection.is_closed():
            with contextlib.suppress(Exception):
                await self.connection.close(timeout=2)


async def relay_forever(redis: ArqRedis, cfg: OutboxConfig | None = None) -> None:
    cfg = cfg or outbox_config()
    listener = Listener()
    try:
        while True:
            try:
                await listener.ensure()
                moved, more = await _pass(redis, cfg)
                if moved:
                    await listener.announce()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Database or Redis away: keep trying, the rows wait safely in the outbox.
                log.warning("outbox relay pass failed", exc_info=True)
                await listener.close()
                await asyncio.sleep(1)
                continue
            if more:
                # More is due, or Redis holds a full backlog: look again shortly, without a busy loop.
                if not moved:
                    await asyncio.sleep(cfg.backlog_wait_seconds)
                continue
            await listener.wait(cfg.poll_seconds)
    finally:
        await listener.close()


async def start(ctx: dict) -> None:
    ctx["relay"] = asyncio.create_task(relay_forever(ctx["redis"]))


async def stop(ctx: dict) -> None:
    task = ctx.get("relay")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
