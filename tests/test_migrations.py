"""The schema `alembic upgrade head` builds is the one the models describe, and
`downgrade base` takes all of it away again."""

import asyncio
import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from api.launcher import alembic_config
from domain.models import metadata
from tests import scratch_db

NAME = f"refloop_test_migrations_{os.getpid()}"


@pytest.fixture(scope="module")
def empty_database():
    url = scratch_db.create(NAME)
    yield url
    scratch_db.drop(NAME)


def _inspect(url: str, look):
    async def run():
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _differences(sync_connection) -> list:
    # The options migrations/env.py gives autogenerate: types are compared too.
    context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


def _tables(sync_connection) -> set[str]:
    return set(inspect(sync_connection).get_table_names())


def _functions(sync_connection) -> set[str]:
    rows = sync_connection.execute(
        text("select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'")
    )
    return {name for (name,) in rows}


def test_upgrade_head_builds_exactly_the_models_schema_and_downgrade_removes_it(empty_database):
    config = alembic_config(empty_database)

    command.upgrade(config, "head")
    tables = _inspect(empty_database, _tables)
    assert set(metadata.tables) <= tables
    differences = _inspect(empty_database, _differences)
    assert differences == [], "models and migrations disagree; run /tmp/regen.sh or add a migration"

    command.downgrade(config, "base")
    assert _inspect(empty_database, _tables) <= {"alembic_version"}
    assert _inspect(empty_database, _functions) == set(), "a hand-written migration left a function behind"

    # And back up again: the chain is replayable, as a deploy after a rollback needs.
    command.upgrade(config, "head")
    assert _inspect(empty_database, _tables) == tables
