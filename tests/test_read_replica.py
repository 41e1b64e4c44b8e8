"""Analytics read from the replica named by DATABASE_READ_URL (else the primary), the outbox relay
LISTENs where DATABASE_LISTEN_URL says (PgBouncer cannot carry LISTEN), and the
asyncpg statement cache can be turned off for PgBouncer in transaction mode."""

import os
import re

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared import db
from domain.shared.settings import DatabaseSettings, get_settings
from tests import scratch_db
from tests.factories import make_referral

SUMMARY = "/v1/analytics/summary"
ANALYTICS_GETS = [
    "/v1/analytics/summary",
    "/v1/analytics/summary.csv",
    "/v1/analytics/concentration",
    "/v1/analytics/roi",
]


@pytest.fixture(scope="module")
def replica_url():
    """A second database on the test server standing in for the replica: same schema, other rows."""
    name = f"{make_url(os.environ['DATABASE_URL']).database}_replica"
    url = scratch_db.create_migrated(name)
    yield url
    scratch_db.drop(name)


@pytest.fixture
async def replica(replica_url, monkeypatch):
    monkeypatch.setattr(get_settings().database, "read_url", replica_url)
    db.get_read_engine.cache_clear()
    db.get_read_sessionmaker.cache_clear()
    yield db.get_read_engine()
    await db.get_read_engine().dispose()
    db.get_read_engine.cache_clear()
    db.get_read_sessionmaker.cache_clear()


async def test_without_a_replica_analytics_read_the_primary(client, session: AsyncSession) -> None:
    assert get_settings().database.read_url is None and db.get_read_sessionmaker() is None
    for _ in range(2):
        await make_referral(session)
    summary = (await client.get(SUMMARY)).json()
    assert summary["totals"]["volume"] >= 2


async def test_with_a_replica_analytics_read_the_replica(client, session: AsyncSession, replica) -> None:
    # Two referrals on the primary (the test's transaction), one on the replica: the figures are the replica's.
    for _ in range(2):
        await make_referral(session)
    async with AsyncSession(replica, expire_on_commit=False) as on_replica:
        await make_referral(on_replica)
        await on_replica.commit()
    summary = (await client.get(SUMMARY)).json()
    assert summary["totals"]["volume"] == 1
    for path in ANALYTICS_GETS:
        assert (await client.get(path)).status_code == 200, path
    # The request itself (its audit entry) still went to the primary.
    async with replica.connect() as connection:
        assert await connection.scalar(text("select count(*) from audit_events")) == 0


def test_an_empty_read_url_means_no_replica(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_READ_URL", "")
    assert DatabaseSettings().read_url is None
    monkeypatch.setenv("DATABASE_READ_URL", "postgresql://replica.internal/refloop")
    assert DatabaseSettings().read_url == "postgresql+asyncpg://replica.internal/refloop"


async def test_statement_cache_off_for_pgbouncer() -> None:
    settings = DatabaseSettings(url=os.environ["DATABASE_URL"], statement_cache_size=0, pool_size=1, max_overflow=0)
    engine = db._engine(settings.url, settings)
    try:
        async with engine.connect() as connection:
            for n in range(3):
                assert await connection.scalar(text(f"select {n}")) == n
            adapted = (await connection.get_raw_connection()).dbapi_connection
            assert adapted is not None
            assert adapted._connection._stmt_cache.get_max_size() == 0
            assert adapted._prepared_statement_cache is None
            # Whatever is still prepared on this server connection has a name no other client will use.
            names = (await connection.execute(text("select name from pg_prepared_statements"))).scalars().all()
            assert all(re.fullmatch(r"__asyncpg_[0-9a-f-]{36}__", name) for name in names), names
    finally:
        await engine.dispose()


def test_statement_cache_default_is_asyncpgs() -> None:
    args = db.connect_args(DatabaseSettings())
    assert args["statement_cache_size"] == args["prepared_statement_cache_size"] == 100
    assert "prepared_statement_name_func" not in args


def test_the_relay_listens_where_database_listen_url_says(monkeypatch) -> None:
    from workers.outbox_relay import listen_url

    database = get_settings().database
    assert database.listen_url is None
    assert listen_url() == database.url.replace("postgresql+asyncpg://", "postgresql://")
    # Behind PgBouncer in transaction mode LISTEN must bypass it.
    monkeypatch.setattr(database, "listen_url", "postgresql+asyncpg://refloop@postgres-primary:5432/refloop")
    assert listen_url() == "postgresql://refloop@postgres-primary:5432/refloop"
