"""Send jobs that carry batches: the relay's backlog and a batch's messages each on their own."""

import asyncio

import pytest
from arq.constants import in_progress_key_prefix
from sqlalchemy import select

from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from domain.shared.settings import get_settings
from integrations.email.sender import PER_CONNECTION
from integrations.email.sink import Inbox, start_sink
from workers.burst import drain
from workers.config import outbox_config
from workers.outbox_relay import relay_once

pytestmark = pytest.mark.usefixtures("committed")


async def queue(count: int, prefix: str) -> None:
    async with unit_of_work() as session:
        for n in range(count):
            await add_message(
                session,
                channel="email",
                kind="thank_you",
                recipient_type="address",
                recipient_address=f"{prefix}{n}@clinic.example",
                idempotency_key=f"{prefix}-{n}",
            )


async def test_jobs_a_killed_worker_started_do_not_stop_the_relay(smtp_sink, arq_redis, monkeypatch):
    cfg = outbox_config()
    monkeypatch.setattr(cfg, "max_backlog", 3)
    # Three jobs a worker took and died with: still in the queue, marked in progress for half an hour.
    for n in range(3):
        job = await arq_redis.enqueue_job("send_message", f"gone-{n}", 1, _queue_name=cfg.queue_name)
        assert job is not None
        await arq_redis.psetex(in_progress_key_prefix + job.job_id, 1_800_000, b"1")
    await queue(4, "office")

    assert await relay_once(arq_redis, cfg) == 4  # none of the three waits for a worker: room for all


async def test_a_batch_sends_each_message_once_with_its_own_id(smtp_sink, arq_redis, monkeypatch):
    monkeypatch.setattr(outbox_config(), "send_batch", 5)
    await queue(12, "desk")

    await drain(arq_redis)

    async with unit_of_work() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert {r.status for r in rows} == {MessageStatus.sent}
    received = smtp_sink.snapshot()
    assert sorted(m.message_id for m in received) == sorted(r.external_id for r in rows)
    assert len({m.message_id for m in received}) == 12


async def test_a_recipient_refused_in_the_middle_of_a_batch_holds_back_only_its_own_message(
    smtp_sink, arq_redis, monkeypatch
):
    monkeypatch.setattr(outbox_config(), "send_batch", 5)
    smtp_sink.refuse_recipients["desk1@clinic.example"] = "550 5.1.1 no such mailbox"
    smtp_sink.refuse_recipients["desk3@clinic.example"] = "450 4.2.1 mailbox busy"
    await queue(5, "desk")

    await drain(arq_redis)

    async with unit_of_work() as session:
        rows = {r.recipient_address: r for r in (await session.execute(select(OutboxMessage))).scalars()}
    gone, busy = rows.pop("desk1@clinic.example"), rows.pop("desk3@clinic.example")
    assert (
        gone.status is MessageStatus.failed
        and gone.last_error == "DeliveryRefused: recipient refused: 550: 5.1.1 no such mailbox"
    )
    assert busy.status is MessageStatus.queued and busy.last_error == "SmtpError: 450: 4.2.1 mailbox busy"
    assert {r.status for r in rows.values()} == {MessageStatus.sent}
    assert sorted(m.to for m in smtp_sink.snapshot()) == sorted(rows)


class CountingInbox(Inbox):
    """Counts the connections it greets, and drops the connection once at a chosen recipient."""

    def __init__(self, drop_at: str | None = None) -> None:
        super().__init__()
        self.greeted, self.drop_at = 0, drop_at

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.greeted += 1
        return await super().handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.drop_at:
            self.drop_at = None
            server.transport.close()  # gone mid-batch, as a crashed relay would be
            return "421 4.3.2 closing"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@pytest.fixture
def counting_sink(monkeypatch):
    def start(drop_at: str | None = None) -> CountingInbox:
        inbox = CountingInbox(drop_at)
        controller, _ = start_sink(inbox=inbox)
        monkeypatch.setattr(get_settings().smtp, "port", controller.port)
        started.append(controller)
        return inbox

    started: list = []
    yield start
    for controller in started:
        controller.stop()


async def sent_rows() -> dict[str, OutboxMessage]:
    async with unit_of_work() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars()
        return {r.recipient_address or "": r for r in rows}


async def test_a_large_batch_goes_out_over_several_connections_each_message_once(counting_sink, arq_redis, monkeypatch):
    monkeypatch.setattr(outbox_config(), "send_batch", 100)
    inbox = counting_sink()
    await queue(45, "desk")

    await drain(arq_redis)

    rows = await sent_rows()
    assert {r.status for r in rows.values()} == {MessageStatus.sent}
    assert {r.attempts for r in rows.values()} == {1}
    assert sorted(m.message_id for m in inbox.snapshot()) == sorted(r.external_id for r in rows.values())
    assert inbox.greeted == -(-45 // PER_CONNECTION)  # one job, its mails spread over the pool's connections


async def test_a_connection_lost_mid_batch_sends_again_only_its_own_unanswered_mails(
    counting_sink, arq_redis, monkeypatch
):
    monkeypatch.setattr(outbox_config(), "send_batch", 100)
    inbox = counting_sink(drop_at=f"desk{PER_CONNECTION + 5}@clinic.example")
    await queue(45, "desk")

    await drain(arq_redis)
    await asyncio.sleep(0.5)  # the lost ones' retry comes due
    await drain(arq_redis)

    rows = await sent_rows()
    assert {r.status for r in rows.values()} == {MessageStatus.sent}
    assert len(inbox.snapshot()) == 45 and len(set(inbox.ids())) == 45  # each arrived once
    # The second connection's mails from the lost one on went twice; the first and third connections' once.
    again = {f"desk{n}@clinic.example" for n in range(PER_CONNECTION + 5, 2 * PER_CONNECTION)}
    assert {a for a, r in rows.items() if r.attempts == 2} == again
    assert {r.attempts for a, r in rows.items() if a not in again} == {1}
