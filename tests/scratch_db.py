"""Throwaway databases on the test server, for tests that need real commits or an empty schema."""

import asyncio
import os

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api.launcher import upgrade


def url_for(name: str) -> str:
    """The test server's URL with another database name (conftest has set DATABASE_URL)."""
    return make_url(os.environ["DATABASE_URL"]).set(database=name).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    async def run() -> None:
        engine = create_async_engine(url_for("postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


def drop(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create(name: str, *, template: str | None = None) -> str:
    drop(name)
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url_for(name)


def create_migrated(name: str) -> str:
    url = create(name)
    upgrade(url)
    return url
