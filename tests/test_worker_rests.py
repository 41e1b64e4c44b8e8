"""The worker rests when idle (no busy poll), yet a new message still leaves within a second:
the outbox insert wakes the relay through PostgreSQL LISTEN/NOTIFY, and the relay wakes the workers
of every process."""

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import asyncpg
import pytest
from arq import func

from tests.factories import queue_thank_you
from workers.config import outbox_config
from workers.main import create_worker
from workers.outbox_relay import listen_url

pytestmark = pytest.mark.usefixtures("committed")


async def _until(condition, timeout: float) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            break
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


@contextlib.asynccontextmanager
async def running_worker(redis, **overrides):
    cfg = outbox_config()
    worker = create_worker(redis_pool=redis, queue_name=cfg.queue_name, handle_signals=False, **overrides)
    task = asyncio.create_task(worker.main())
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.close()


async def test_a_message_written_while_the_worker_rests_leaves_within_a_second(smtp_sink, arq_redis, monkeypatch):
    cfg = outbox_config()
    # The fallback poll is far away: only the notification can make the message leave in time.
    monkeypatch.setattr(cfg, "poll_seconds", 30.0)
    async with running_worker(arq_redis):
        await asyncio.sleep(1.5)  # long enough for the worker to back off to its idle rest
        for n in range(3):
            await queue_thank_you(f"office{n}@clinic.example", key=f"rest-{n}")
            elapsed = await _until(lambda n=n: len(smtp_sink) > n, timeout=5)
            assert len(smtp_sink) == n + 1, "the message never left"
            assert elapsed < 1.0, f"message {n} took {elapsed:.2f} s to leave"
            await asyncio.sleep(1.2)  # idle again before the next one


async def _clear_of_cron_runs() -> None:
    """Every cron job fires at second 0 of its minute; the idle window (4 s from here) must not hold one,
    or the commands counted are that job's work, not polling."""
    second = datetime.now(UTC).second + datetime.now(UTC).microsecond / 1e6
    if not 2 <= second <= 54:
        await asyncio.sleep((62 - second) % 60)


async def _commands_over(redis, seconds: float) -> int:
    before = (await redis.info("stats"))["total_commands_processed"]
    await asyncio.sleep(seconds)
    return (await redis.info("stats"))["total_commands_processed"] - before


async def test_an_idle_worker_polls_redis_only_a_few_times_a_second(arq_redis):
    await _clear_of_cron_runs()
    async with running_worker(arq_redis):
        await asyncio.sleep(1.0)
        commands = await _commands_over(arq_redis, 3.0)
    # A 10 ms busy poll would issue about 300 queue reads in these 3 s.
    assert commands < 40, f"{commands} Redis commands in 3 s of idleness"


async def test_a_worker_busy_with_one_long_job_does_not_poll_redis_fast(arq_redis):
    """A long job's id stays in arq's queue until it ends, and arq reads it back on every poll: that
    must not count as new work (a minute's sweep or a rebuild would keep the worker busy-polling)."""

    async def long_job(ctx: dict) -> None:
        await asyncio.sleep(6)

    cfg = outbox_config()
    # No cron jobs: the commands counted are the polls around this one job.
    async with running_worker(arq_redis, functions=[func(long_job, name="long_job")], cron_jobs=[]) as worker:
        await arq_redis.enqueue_job("long_job", _queue_name=cfg.queue_name)
        await _until(lambda: worker.job_counter == 1, timeout=5)
        assert worker.job_counter == 1, "the job never started"
        await asyncio.sleep(1.0)
        commands = await _commands_over(arq_redis, 3.0)
        assert worker.job_counter == 1, "the job ended inside the window"
    assert commands < 40, f"{commands} Redis commands in 3 s of one job running"


async def _listening(channel: str) -> tuple[asyncpg.Connection, asyncio.Event]:
    connection = await asyncpg.connect(listen_url())
    heard = asyncio.Event()
    await connection.add_listener(channel, lambda *_: heard.set())
    return connection, heard


async def test_the_relay_that_hands_out_jobs_tells_every_worker_process(smtp_sink, arq_redis):
    """Whichever process's relay claims a message, the others hear of its jobs (refloop_jobs)."""
    connection, heard = await _listening("refloop_jobs")
    try:
        async with running_worker(arq_redis):
            await asyncio.sleep(0.5)
            heard.clear()
            await queue_thank_you("office@clinic.example", key="told")
            await asyncio.wait_for(heard.wait(), timeout=2)
    finally:
        await connection.close()


async def test_a_job_another_process_handed_out_wakes_this_resting_worker(arq_redis, monkeypatch):
    cfg = outbox_config()
    monkeypatch.setattr(cfg, "idle_poll_seconds", 30.0)  # left to itself, the worker would look rarely
    await _clear_of_cron_runs()
    async with running_worker(arq_redis):
        await asyncio.sleep(3.0)  # resting: its next look at the queue is about two seconds away
        await arq_redis.enqueue_job("ping", _queue_name=cfg.queue_name)
        # What another process's relay says once it has enqueued.
        connection = await asyncpg.connect(listen_url())
        try:
            await connection.execute("NOTIFY refloop_jobs")
        finally:
            await connection.close()
        started = time.perf_counter()
        for _ in range(500):  # up to 5 s
            if not await arq_redis.zcard(cfg.queue_name):
                break
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"the job waited {elapsed:.2f} s for the resting worker"
