"""Administration that the worker must obey (webhook disable and rotation), the delivery log, the audit
export as streamed CSV, and the development mail catcher receiving what the worker sends."""

import csv
import io
import json

import pytest
from sqlalchemy import insert, select, text

from api.deps import get_read_session
from domain.audit import export
from domain.audit.models import AuditEvent
from domain.audit.repository import AuditFilters
from domain.outreach import endpoints
from domain.outreach.models import WebhookEndpoint
from domain.outreach.schemas import WebhookEndpointUpdate
from domain.providers.models import Organization
from domain.referrals import service as referrals
from domain.referrals.schemas import ReferralCreate
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.ids import uuid7
from domain.shared.outbox import MessageStatus, OutboxMessage
from domain.shared.settings import get_settings
from integrations.email import catcher
from integrations.email.sink import free_port
from integrations.webhooks import signing
from tests.factories import referral_payload
from tests.test_outbox_delivery import new_referrer, refer
from tests.test_webhooks import SECRET, Receiver
from workers.burst import drain


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


async def _org_with_endpoint(url: str):
    async with unit_of_work() as session:
        org = Organization(name="Northside Partners", kind="practice")
        session.add(org)
        await session.flush()
        endpoint = WebhookEndpoint(organization_id=org.id, url=url, secret=SECRET, kinds=[])
        session.add(endpoint)
        await session.flush()
    return org.id, endpoint.id


async def _partner_referral(org_id):
    async with unit_of_work() as session:
        data = ReferralCreate.model_validate(referral_payload(referring_organization_id=str(org_id)))
        return (await referrals.create_referral(session, data=data, actor="partner")).referral


async def _to_endpoint(endpoint_id) -> list[OutboxMessage]:
    async with unit_of_work() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.recipient_id == endpoint_id).order_by(OutboxMessage.created_at)
        return list((await session.execute(stmt)).scalars())


@pytest.mark.usefixtures("committed")
async def test_rotated_secret_signs_and_a_disabled_endpoint_gets_nothing(receiver, arq_redis, client):
    org_id, endpoint_id = await _org_with_endpoint(receiver.url)
    receiver.statuses = [410]
    await _partner_referral(org_id)
    await drain(arq_redis)
    [refused] = await _to_endpoint(endpoint_id)
    assert refused.status is MessageStatus.failed

    async with unit_of_work() as session:
        new_secret = (await endpoints.rotate_secret(session, endpoint_id=endpoint_id)).secret
    await _partner_referral(org_id)
    await drain(arq_redis)
    assert len(receiver.requests) == 2
    headers, body = receiver.requests[1]
    signing.verify(new_secret, headers, body)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(SECRET, headers, body)

    queued_before = await _partner_referral(org_id)  # its message is queued, then the endpoint is disabled
    async with unit_of_work() as session:
        await endpoints.update_endpoint(session, endpoint_id=endpoint_id, data=WebhookEndpointUpdate(active=False))
    after = await _partner_referral(org_id)
    await drain(arq_redis)
    assert len(receiver.requests) == 2  # nothing more reached the endpoint
    rows = await _to_endpoint(endpoint_id)
    assert after.id not in {m.referral_id for m in rows}
    [late] = [m for m in rows if m.referral_id == queued_before.id]
    assert late.status is MessageStatus.failed and "disabled" in late.last_error

    log = await client.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries")
    assert log.status_code == 200, log.text
    items = log.json()["items"]
    assert [i["status"] for i in items] == ["failed", "sent", "failed"]  # newest first
    assert items[2]["response_code"] == 410 and "HTTP 410" in items[2]["last_error"]
    assert items[1]["response_code"] is None and items[1]["external_id"] == f"msg_{items[1]['id']}"
    assert all(i["attempts"] == 1 for i in items)


@pytest.fixture
async def streamed_from_test_session(app, session):
    async def same_session():
        yield session

    app.dependency_overrides[get_read_session] = same_session
    yield


async def test_csv_export_streams_exactly_the_filtered_rows(client, session, streamed_from_test_session):
    now = utcnow()
    rows = [
        {
            "id": uuid7(),
            "at": now,
            "actor": "user:exporter",
            "actor_kind": "user",
            "action": "test.export",
            "entity_type": "referral",
            "entity_id": f"r{i}",
            "detail": {"n": i},
            "outcome": "success",
            "status": 200,
        }
        for i in range(1203)
    ]
    rows.append({**rows[0], "id": uuid7(), "action": "test.other", "entity_id": "=cmd|' /C calc'!A0"})
    await session.execute(insert(AuditEvent), rows)

    async with client.stream("GET", "/v1/audit-events/export", params={"action": "test.export"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"].startswith('attachment; filename="refloop-audit-')
        chunks = [chunk async for chunk in response.aiter_text()]
    parsed = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(parsed) == 1203
    assert {r["action"] for r in parsed} == {"test.export"}
    assert {r["entity_id"] for r in parsed} == {f"r{i}" for i in range(1203)}
    assert json.loads(parsed[0]["detail"])["n"] in range(1203)

    # Written batch by batch (the test transport gathers the body, so count at the source).
    pieces = [piece async for piece in export.csv_lines(session, filters=AuditFilters(action="test.export"))]
    assert len(pieces) == 1 + 3 and "".join(pieces).count("\r\n") == 1204

    other = await client.get("/v1/audit-events/export", params={"action": "test.other"})
    [row] = list(csv.DictReader(io.StringIO(other.text)))
    assert row["entity_id"].startswith("'=")  # a spreadsheet does not run it
    noted = (await client.get("/v1/audit-events", params={"action": "audit.export", "limit": 10})).json()["items"]
    assert {"action": "test.other"} in [e["detail"].get("filters") for e in noted]


@pytest.fixture
async def mail_catcher(monkeypatch, connection_engine):
    port = free_port()
    server = await catcher.start(port)
    monkeypatch.setattr(get_settings().smtp, "port", port)
    yield
    server.close()
    await server.wait_closed()
    async with connection_engine.begin() as conn:
        await conn.execute(text("DELETE FROM captured_mails"))


@pytest.mark.usefixtures("committed")
async def test_mail_catcher_shows_the_acknowledgement_the_worker_sent(mail_catcher, arq_redis, client):
    async with unit_of_work() as session:
        provider = await new_referrer(session, email="catch.me@clinic.example")
        referral = await refer(session, provider)
    await drain(arq_redis)
    async with unit_of_work() as session:
        ack = (
            await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.referral_id == referral.id, OutboxMessage.kind == "acknowledgement"
                )
            )
        ).scalar_one()
    assert ack.status is MessageStatus.sent

    listed = await client.get("/v1/dev/mails", params={"to": "catch.me@clinic.example"})
    assert listed.status_code == 200, listed.text
    [summary] = [m for m in listed.json()["items"] if m["message_id"] == f"<{ack.id}@refloop.local>"]
    assert summary["rcpt_to"] == ["catch.me@clinic.example"] and "Maria L." in summary["subject"]
    mail = (await client.get(f"/v1/dev/mails/{summary['id']}")).json()
    headers = dict(mail["headers"])
    assert headers["X-Refloop-Kind"] == "acknowledgement" and headers["From"] == get_settings().smtp.sender
    assert "Dear Dr. Anna Reyes" in mail["body"]


async def test_mail_catcher_is_not_there_in_production(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "environment", "production")
    response = await client.get("/v1/dev/mails")
    assert response.status_code == 404 and "production" in response.json()["detail"]


def test_refloop_run_starts_a_catcher_only_in_development_without_an_smtp_host(monkeypatch):
    from api import launcher

    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.setenv("REFLOOP_ENVIRONMENT", "development")
    assert isinstance(launcher.mail_catcher_port(), int)
    monkeypatch.setenv("SMTP_HOST", "relay.hospital.example")
    assert launcher.mail_catcher_port() is None
    monkeypatch.delenv("SMTP_HOST")
    monkeypatch.setenv("REFLOOP_ENVIRONMENT", "production")
    assert launcher.mail_catcher_port() is None


def test_a_malformed_mail_is_still_caught_and_readable():
    parsed = catcher.parse(b"Subject: h\x00i\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nhello\x00there")
    assert parsed["subject"] == "h\ufffdi"
    assert "hello\ufffdthere" in parsed["body"] and "\x00" not in str(parsed)
