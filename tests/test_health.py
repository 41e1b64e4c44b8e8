"""Health, readiness, metrics and request ids: what an operator relies on."""

import structlog

from api import middleware
from tests.factories import make_referral


async def test_healthz_and_readyz_report_database_and_redis(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_when_redis_is_unreachable(client, monkeypatch):
    from domain.shared.settings import get_settings

    monkeypatch.setattr(get_settings().redis, "url", "redis://127.0.0.1:1/0")
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["redis"] == "unreachable"


async def test_metrics_count_requests_by_route_template(client, session):
    referral = await make_referral(session)
    await client.get(f"/v1/referrals/{referral.id}")
    text = (await client.get("/metrics")).text
    assert 'route="/v1/referrals/{referral_id}"' in text
    assert "refloop_http_request_duration_seconds_bucket" in text
    assert 'refloop_referrals{status="received"}' in text


async def test_every_response_carries_a_request_id_and_echoes_the_callers(client):
    mine = await client.get("/healthz", headers={"X-Request-Id": "abc123"})
    assert mine.headers["x-request-id"] == "abc123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_access_log_lines_carry_the_request_id_and_no_concrete_path(client, session, monkeypatch):
    referral = await make_referral(session)
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(None, processors=[structlog.contextvars.merge_contextvars, capture])
    monkeypatch.setattr(middleware, "log", logger)
    await client.get(f"/v1/referrals/{referral.id}", headers={"X-Request-Id": "req-42"})
    access = [e for e in capture.entries if e["event"] == "request"]
    assert access[-1]["request_id"] == "req-42"
    assert access[-1]["route"] == "/v1/referrals/{referral_id}"
    assert str(referral.id) not in str(capture.entries)
