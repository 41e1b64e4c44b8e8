"""Redis restarted (and emptied) while messages are pending: the outbox still delivers each once.

Runs its own redis-server on a free port; the shared one stays untouched.
"""

import asyncio
import shutil
import subprocess

import pytest
from arq.connections import RedisSettings, create_pool
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from integrations.email.sink import free_port
from workers.burst import drain
from workers.config import outbox_config
from workers.outbox_relay import relay_once

pytestmark = [
    pytest.mark.usefixtures("committed"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary"),
]


async def start_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return proc
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("redis-server did not start")


async def test_jobs_lost_with_redis_are_handed_out_again(smtp_sink, arq_redis, monkeypatch):
    cfg = outbox_config()
    monkeypatch.setattr(cfg, "relay_lease_seconds", 0.5)
    port = free_port()
    proc = await start_redis(port)
    try:
        async with unit_of_work() as session:
            for n in range(5):
                await add_message(
                    session,
                    channel="email",
                    kind="thank_you",
                    recipient_type="address",
                    recipient_address=f"office{n}@clinic.example",
                    idempotency_key=f"restart-{n}",
                )
        redis = await create_pool(RedisSettings(host="127.0.0.1", port=port))
        assert await relay_once(redis, cfg) == 5  # five jobs now live only in this Redis...
        proc.terminate()
        proc.wait(timeout=10)  # ...and are gone with it (no persistence)

        with pytest.raises((OSError, RedisConnectionError)):
            await relay_once(redis, cfg)  # Redis down: the relay fails, the outbox keeps the rows
        await redis.aclose()

        proc = await start_redis(port)
        redis = await create_pool(RedisSettings(host="127.0.0.1", port=port))
        await asyncio.sleep(0.6)  # the relay's lease on the lost jobs runs out
        await drain(redis, cfg)
        await redis.aclose()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    async with unit_of_work() as session:
        rows = (
            (await session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("restart-%"))))
            .scalars()
            .all()
        )
    assert {r.status for r in rows} == {MessageStatus.sent}
    assert sorted(smtp_sink.ids()) == sorted(f"<{r.id}@refloop.local>" for r in rows)
