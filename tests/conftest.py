"""Test set-up: a real PostgreSQL and Redis, the schema built once by `alembic upgrade head`,
and every test inside an outer transaction that is rolled back."""

import os
from collections.abc import AsyncIterator

import pytest

from tests.services import prepare_test_services

# Before anything reads settings: point them at the test database and Redis.
TEST_DATABASE_URL, TEST_REDIS_URL = prepare_test_services()
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ["REDIS_URL"] = TEST_REDIS_URL
os.environ.setdefault("REFLOOP_ENVIRONMENT", "test")

import httpx  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine  # noqa: E402

from api.deps import get_session  # noqa: E402
from api.main import create_app  # noqa: E402
from domain.shared.db import get_engine  # noqa: E402


@pytest.fixture(scope="session")
async def connection_engine():
    engine = create_async_engine(TEST_DATABASE_URL, pool_size=5)
    yield engine
    await engine.dispose()
    await get_engine().dispose()


@pytest.fixture
async def connection(connection_engine) -> AsyncIterator[AsyncConnection]:
    async with connection_engine.connect() as conn:
        outer = await conn.begin()
        yield conn
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session whose commits are savepoints inside the test's transaction."""
    async with AsyncSession(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    ) as s:
        yield s


@pytest.fixture(scope="session")
def app():
    return create_app()


@pytest.fixture
async def admin_user(session: AsyncSession):
    """The user the `client` fixture acts as: a real admin row in the test's transaction."""
    from tests.principals import make_user

    return await make_user(session, role="admin")


@pytest.fixture
async def client(app, session: AsyncSession, admin_user) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client authenticated as an admin with a real access token (see `client_for` for others)."""
    from domain.audit import trail as audit_trail
    from tests.principals import user_token

    async def test_session() -> AsyncIterator[AsyncSession]:
        # Same contract as the real dependency: commit on success, roll back on error.
        savepoint = await session.begin_nested()
        try:
            yield session
            if savepoint.is_active:
                await savepoint.commit()
        except BaseException:
            if savepoint.is_active:
                await savepoint.rollback()
            session.expunge_all()
            # As in api.deps.get_session: a failed request's audit trail outlives its rollback.
            failed = audit_trail.trail_of(session)
            if failed is not None and failed.failure is not None:
                async with session.begin_nested():
                    await audit_trail.write_failure(session)
            session.info.pop(audit_trail.TRAIL_KEY, None)
            raise

    app.dependency_overrides[get_session] = test_session
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {user_token(admin_user)}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c
    app.dependency_overrides.clear()


# Outreach: a real SMTP server to count at, and arq on the test Redis under its own queue.


@pytest.fixture
def smtp_sink(monkeypatch):
    from domain.shared.settings import get_settings
    from integrations.email.sink import start_sink

    controller, inbox = start_sink()
    monkeypatch.setattr(get_settings().smtp, "port", controller.port)
    yield inbox
    controller.stop()


@pytest.fixture
async def arq_redis(monkeypatch):
    from arq.connections import RedisSettings, create_pool

    from workers.config import outbox_config

    cfg = outbox_config()
    monkeypatch.setattr(cfg, "queue_name", f"{TEST_DATABASE_URL.rsplit('/', 1)[-1]}:outbox")
    monkeypatch.setattr(cfg, "retry_base_seconds", 0.05)
    from domain.outreach.settings import outreach_settings

    # Quiet hours have their own tests; elsewhere the wall clock must not decide the outcome.
    monkeypatch.setattr(outreach_settings(), "quiet_start_hour", 0)
    monkeypatch.setattr(outreach_settings(), "quiet_end_hour", 0)
    redis = await create_pool(RedisSettings.from_dsn(TEST_REDIS_URL))
    await redis.delete(cfg.queue_name)
    yield redis
    await redis.delete(cfg.queue_name)
    await redis.aclose()


@pytest.fixture(autouse=True)
def _forget_cached_templates():
    """Templates are cached per process for a few seconds; a test's rolled-back or truncated edit must
    not leak into the next test through that cache."""
    from domain.outreach.compose import forget_templates

    yield
    forget_templates()


@pytest.fixture
async def committed(connection_engine):
    """For tests whose work commits (workers): empties the tables they touch afterwards."""
    from sqlalchemy import text

    yield
    async with connection_engine.begin() as conn:
        await conn.execute(
            text(
                "TRUNCATE outbox_messages, referral_events, appointments, tasks, referrals, providers, "
                "organizations, message_templates, webhook_endpoints, outreach_preferences, idempotency_keys, "
                "referral_clocks, business_calendars, sla_policies, work_queue_members, work_queues, routing_rules, "
                "completeness_rules, referral_info_requests, referral_documents CASCADE"
            )
        )


# Callers other than the default admin: `await client_for("intake")`, `client_for("partner", organization_id=...)`,
# `client_for("ehr_client", scopes=["system/ServiceRequest.write"])`, `client_for("anonymous")`.


@pytest.fixture
async def client_for(client, session: AsyncSession):
    from tests import principals

    opened: list[httpx.AsyncClient] = []

    async def make(kind: str, **options) -> httpx.AsyncClient:
        if kind == "anonymous":
            headers = {}
        elif kind == "partner":
            _key_id, secret = await principals.make_api_key(
                session, organization_id=options.get("organization_id"), scopes=options.get("scopes")
            )
            headers = {"X-API-Key": secret}
        elif kind == "ehr_client":
            ehr = await principals.make_ehr_client(session, scopes=options.get("scopes"))
            headers = {"Authorization": f"Bearer {principals.ehr_token(ehr, options.get('scopes') or ['system/*.*'])}"}
        else:
            if kind == "referrer":
                user = await principals.make_referrer(session, organization_id=options.get("organization_id"))
            else:
                user = await principals.make_user(session, role=kind)
            headers = {"Authorization": f"Bearer {principals.user_token(user)}"}
        c = httpx.AsyncClient(transport=client._transport, base_url="http://test", headers=headers)
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()
