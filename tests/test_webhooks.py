"""Signed partner webhooks at a local HTTP receiver: verified, retried with backoff under one
webhook-id, dead-lettered on refusal, and resendable."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from domain.outreach.models import WebhookEndpoint
from domain.providers.models import Organization
from domain.referrals import service as referrals
from domain.referrals.enums import ReferralStatus
from domain.referrals.schemas import ReferralCreate
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage
from domain.tasks.models import Task
from integrations.webhooks import signing
from tests.factories import referral_payload
from workers.burst import drain

pytestmark = pytest.mark.usefixtures("committed")
SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0zMmJ5dGVz"


class Receiver:
    """A local HTTP server that records requests and answers with the statuses it is given."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []  # answered in order; 200 once exhausted
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"id": f"prov-{len(receiver.requests)}"}).encode())

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


async def partner_referral(url: str, *, accept: bool = False):
    async with unit_of_work() as session:
        org = Organization(name="Northside Partners", kind="practice")
        session.add(org)
        await session.flush()
        session.add(WebhookEndpoint(organization_id=org.id, url=url, secret=SECRET, kinds=[]))
        await session.flush()
        data = ReferralCreate.model_validate(referral_payload(referring_organization_id=str(org.id)))
        referral = (await referrals.create_referral(session, data=data, actor="partner")).referral
        if accept:
            await referrals.transition(
                session, referral_id=referral.id, to=ReferralStatus.accepted, reason=None, note=None, actor="t"
            )
    return referral


async def webhook_rows(referral_id) -> list[OutboxMessage]:
    async with unit_of_work() as session:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.referral_id == referral_id, OutboxMessage.channel == "webhook")
            .order_by(OutboxMessage.created_at)
        )
        return list((await session.execute(stmt)).scalars())


async def test_partner_gets_signed_events_without_patient_data(receiver, arq_redis):
    referral = await partner_referral(receiver.url, accept=True)
    await drain(arq_redis)
    assert len(receiver.requests) == 2
    events = []
    for headers, body in receiver.requests:
        signing.verify(SECRET, headers, body)  # raises if the signature does not match
        events.append(json.loads(body))
    # Delivery order is not guaranteed (sends run in parallel): the version orders events.
    events.sort(key=lambda e: e["data"]["version"])
    assert [e["type"] for e in events] == ["referral.acknowledgement", "referral.status_accepted"]
    assert events[1]["data"] == {"referral_id": str(referral.id), "status": "accepted", "version": 2}
    assert "Maria" not in str(events) and "Lopez" not in str(events)
    rows = await webhook_rows(referral.id)
    assert sorted(h["webhook-id"] for h, _ in receiver.requests) == sorted(f"msg_{m.id}" for m in rows)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(SECRET, receiver.requests[0][0], receiver.requests[0][1] + b" ")


async def test_busy_receiver_is_retried_with_the_same_webhook_id(receiver, arq_redis):
    receiver.statuses = [503, 502]
    referral = await partner_referral(receiver.url)
    for _ in range(4):
        await drain(arq_redis)
        await asyncio.sleep(0.2)
    [row] = await webhook_rows(referral.id)
    assert row.status is MessageStatus.sent and row.attempts == 3
    assert [h["webhook-id"] for h, _ in receiver.requests] == [f"msg_{row.id}"] * 3


async def test_refused_webhook_is_dead_lettered_and_can_be_resent(receiver, arq_redis, client):
    receiver.statuses = [410]
    referral = await partner_referral(receiver.url)
    await drain(arq_redis)
    [row] = await webhook_rows(referral.id)
    assert (
        row.status is MessageStatus.failed
        and row.attempts == 1
        and row.last_error == "DeliveryRefused: HTTP 410 from the endpoint"
    )
    async with unit_of_work() as session:
        [task] = (await session.execute(select(Task).where(Task.referral_id == referral.id))).scalars().all()
    assert task.title == "Referral received could not be sent by webhook"

    async with unit_of_work() as session:  # the resend endpoint's service, committed for the worker
        from domain.outreach import service

        await service.resend_message(session, message_id=row.id)
    await drain(arq_redis)
    [row] = await webhook_rows(referral.id)
    assert row.status is MessageStatus.sent
    assert [h["webhook-id"] for h, _ in receiver.requests] == [f"msg_{row.id}"] * 2
