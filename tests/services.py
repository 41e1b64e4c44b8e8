"""Finds the PostgreSQL and Redis the tests use: DATABASE_URL / REDIS_URL when set, the local
services at 127.0.0.1 when reachable, else embedded ones; then builds a fresh test database."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from api.embedded import resolve_database_server, resolve_redis

ROOT = Path(__file__).resolve().parent.parent
# Parallel runs on one server (several checkouts, CI beside a developer) each name their own.
TEST_DB = os.environ.get("REFLOOP_TEST_DB", "refloop_test")


def prepare_test_services() -> tuple[str, str]:
    server_url = resolve_database_server(os.environ.get("DATABASE_URL"), data_dir=ROOT / ".data" / "test")
    url = make_url(server_url).set(database=TEST_DB)
    admin = make_url(server_url).set(drivername="postgresql", database="postgres")
    _recreate_database(admin.render_as_string(hide_password=False), TEST_DB)
    test_url = url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": test_url},
    )
    redis_url = resolve_redis(os.environ.get("REDIS_URL"), data_dir=ROOT / ".data" / "test", db=15)
    return test_url, redis_url


def _recreate_database(admin_url: str, name: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())
