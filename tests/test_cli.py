"""`refloop run` brings everything up, stops all of it on Ctrl-C or SIGTERM, and keeps the
data for the next start; the embedded servers it uses without DATABASE_URL/REDIS_URL work."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
import redis
from sqlalchemy.engine import make_url

from api import embedded
from tests import scratch_db

ROOT = Path(__file__).resolve().parent.parent
NAME = f"refloop_test_cli_{os.getpid()}"
START_TIMEOUT = 240  # first start seeds a year of data; the machine may be busy


@pytest.fixture
def database():
    scratch_db.drop(NAME)  # `run` must create it
    # The plain form most tools print: the settings turn it into the asyncpg one.
    yield scratch_db.url_for(NAME).replace("postgresql+asyncpg://", "postgresql://")
    scratch_db.drop(NAME)


@pytest.fixture
def data_dir():
    # Not pytest's tmp_path: parallel pytest sessions prune each other's old base directories.
    path = Path(tempfile.mkdtemp(prefix="refloop-embedded-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _start(database_url: str, port: int, log: Path) -> subprocess.Popen:
    # Its own job queue: the worker it starts must not take other tests' jobs.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "OUTBOX_QUEUE_NAME": f"arq:queue:{NAME}",
    }
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _wait_ready(process: subprocess.Popen, port: int, log: Path) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"refloop run exited early:\n{log.read_text()[-3000:]}"
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not ready after {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen, sig: signal.Signals) -> list[psutil.Process]:
    """Signal `refloop run`; returns the processes it had started, for the caller to check."""
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(sig)
    assert process.wait(timeout=60) == 0
    psutil.wait_procs(children, timeout=5)
    return children


def _referrals(database_url: str) -> int:
    async def count() -> int:
        connection = await asyncpg.connect(database_url)
        try:
            return await connection.fetchval("select count(*) from referrals")
        finally:
            await connection.close()

    return asyncio.run(count())


def test_run_serves_api_and_worker_stops_cleanly_and_keeps_data(database, data_dir):
    port = embedded.free_port()
    first = _start(database, port, data_dir / "first.log")
    try:
        assert _wait_ready(first, port, data_dir / "first.log") == {"database": "ok", "redis": "ok"}
        commands = [" ".join(p.cmdline()) for p in psutil.Process(first.pid).children()]
        assert any("api.cli serve" in c for c in commands) and any("api.cli worker" in c for c in commands)
    finally:
        children = _stop(first, signal.SIGINT)
    assert children and not any(child.is_running() for child in children)
    log = (data_dir / "first.log").read_text()
    assert "created the database" in log and "loaded demo data" in log
    seeded = _referrals(database)
    assert seeded > 1000

    second = _start(database, port, data_dir / "second.log")
    try:
        _wait_ready(second, port, data_dir / "second.log")
    finally:
        children = _stop(second, signal.SIGTERM)
    assert not any(child.is_running() for child in children)
    assert "loaded demo data" not in (data_dir / "second.log").read_text()
    assert _referrals(database) == seeded

    again = subprocess.run(
        [sys.executable, "-m", "api.cli", "seed", "--demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database},
        timeout=120,
    )
    assert again.returncode == 1 and "already has referrals" in again.stderr
    assert _referrals(database) == seeded


def _postgres_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def _create_database(server_url: str, name: str) -> set[str]:
    async def run() -> set[str]:
        url = make_url(server_url)
        connection = await asyncpg.connect(user=url.username, database="postgres", host=url.query["host"])
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
            return {row[0] for row in await connection.fetch("select datname from pg_database")}
        finally:
            await connection.close()

    return asyncio.run(run())


def _databases(server_url: str) -> set[str]:
    async def run() -> set[str]:
        url = make_url(server_url)
        connection = await asyncpg.connect(user=url.username, database="postgres", host=url.query["host"])
        try:
            return {row[0] for row in await connection.fetch("select datname from pg_database")}
        finally:
            await connection.close()

    return asyncio.run(run())


def test_embedded_servers_start_answer_stop_and_keep_their_data(data_dir):
    postgres_url = embedded.start_postgres(data_dir)
    redis_url = embedded.start_redis(data_dir, db=3)
    try:
        assert "kept" in _create_database(postgres_url, "kept")
        client = redis.Redis.from_url(redis_url)  # over TCP, as arq connects
        client.set("kept", "yes")
        redis_pid = client.info("server")["process_id"]
        client.close()
        postgres_pid = _postgres_pid(data_dir)
    finally:
        embedded.stop_embedded()
    assert embedded.stopped(postgres_pid) and embedded.stopped(redis_pid)

    postgres_url = embedded.start_postgres(data_dir)
    redis_url = embedded.start_redis(data_dir, db=3)
    try:
        assert "kept" in _databases(postgres_url)
        client = redis.Redis.from_url(redis_url)
        assert client.get("kept") == b"yes"
        client.close()
    finally:
        embedded.stop_embedded()
