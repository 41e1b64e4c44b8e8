"""Shared by the outreach benches: a fresh database, referrals that queue messages, worker processes."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


async def fresh_database(name: str, server: str | None = None) -> str:
    server = server or SERVER
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return url


def worker_env(db_url: str, redis_url: str, smtp_port: int, queue: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "SMTP_PORT": str(smtp_port),
        "OUTBOX_QUEUE_NAME": queue,
        "REFLOOP_ENVIRONMENT": "test",
        # Pacing rules off: the benches count delivery, not cadence.
        "OUTREACH_CAP_COUNT": "1000000",
        "OUTREACH_QUIET_START_HOUR": "0",
        "OUTREACH_QUIET_END_HOUR": "0",
        "OUTREACH_MIN_INTERVAL_MINUTES": "{}",
        **extra,
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    # BENCH_WORKER_LOG=path keeps the workers' output for a post-mortem.
    log = open(os.environ["BENCH_WORKER_LOG"], "ab") if os.environ.get("BENCH_WORKER_LOG") else subprocess.DEVNULL
    # As `refloop worker` runs it: arq's worker, started again if it loses Redis.
    return subprocess.Popen(
        [sys.executable, "-m", "workers.main"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill_hard(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_hard(proc)


async def queue_referrals(db_url: str, count: int, *, referrers: int = 20, concurrency: int = 8) -> None:
    """Create referrals through the domain service, each committing its own acknowledgement."""
    from domain.providers.models import Provider
    from domain.referrals import service
    from domain.referrals.schemas import ReferralCreate

    engine = create_async_engine(db_url, pool_size=concurrency)
    unit_of_work = _units(engine)

    async with unit_of_work() as session:
        providers = [
            Provider(
                given_name="Anna",
                family_name=f"Reyes{i}",
                prefix="Dr.",
                credentials=["MD"],
                contact_points=[{"system": "email", "value": f"referrer{i}@clinic.example"}],
            )
            for i in range(referrers)
        ]
        session.add_all(providers)
        await session.flush()
        provider_ids = [p.id for p in providers]

    async def one(n: int) -> None:
        data = ReferralCreate.model_validate(
            {
                "patient": {
                    "given_name": "Maria",
                    "family_name": f"Lopez{n}",
                    "birth_date": "1968-04-12",
                    "mrn": f"B{n:07d}",
                },
                "service_line": "cardiology",
                "referral_source": "physician",
                "referring_provider_id": str(provider_ids[n % len(provider_ids)]),
            }
        )
        async with unit_of_work() as session:
            await service.create_referral(session, data=data, actor="bench")

    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def runner() -> None:
        while not queue.empty():
            await one(queue.get_nowait())

    await asyncio.gather(*(runner() for _ in range(concurrency)))
    await engine.dispose()


def _units(engine):
    """unit_of_work on a given database (the bench process's settings point elsewhere)."""
    makers = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @asynccontextmanager
    async def unit():
        async with makers() as session, session.begin():
            yield session

    return unit


async def outbox_counts(db_url: str) -> dict[str, int]:
    engine = create_async_engine(db_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT status, count(*) FROM outbox_messages GROUP BY status"))
            return dict(rows.all())
    finally:
        await engine.dispose()


async def outbox_ids(db_url: str) -> list[str]:
    engine = create_async_engine(db_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return [str(r[0]) for r in await conn.execute(text("SELECT id FROM outbox_messages"))]
    finally:
        await engine.dispose()


async def queue_batch(db_url: str, count: int, *, referrers: int = 20) -> None:
    """`count` thank-you emails to `referrers` referrers, queued in one transaction."""
    import domain.models  # noqa: F401  (every table on the metadata: the outbox's insert sorts them by foreign key)
    from domain.providers.models import Provider
    from domain.shared.outbox import add_message

    engine = create_async_engine(db_url, pool_size=1)
    async with _units(engine)() as session:
        providers = [
            Provider(
                given_name="Anna",
                family_name=f"Reyes{i}",
                prefix="Dr.",
                credentials=["MD"],
                contact_points=[{"system": "email", "value": f"referrer{i}@clinic.example"}],
            )
            for i in range(referrers)
        ]
        session.add_all(providers)
        await session.flush()
        for n in range(count):
            await add_message(
                session,
                channel="email",
                kind="thank_you",
                recipient_type="provider",
                recipient_id=providers[n % referrers].id,
                idempotency_key=f"batch:{n}",
            )
    await engine.dispose()


def _counting_sink(port_queue, count) -> None:
    """An SMTP server in its own process that counts accepted mail and keeps none: its CPU is the protocol work."""
    from aiosmtpd.controller import Controller

    from integrations.email.sink import Pipelining, free_port

    class Counting(Pipelining):
        async def handle_DATA(self, server, session, envelope) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=free_port())
    controller.start()
    port_queue.put(controller.port)
    while True:
        time.sleep(3600)


def start_counting_sink():
    """The counting sink started (spawned, so no parent state rides along): its process, port and shared count."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    port_queue, count = ctx.Queue(), ctx.Value("i", 0)
    sink = ctx.Process(target=_counting_sink, args=(port_queue, count), daemon=True)
    sink.start()
    return sink, port_queue.get(timeout=30), count
