"""Operational metrics move with real work: the outbox at the API's /metrics, send outcomes, SLA breaches
and job latency at the worker's own endpoint."""

import asyncio
from datetime import timedelta

import httpx
import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import add_message
from workers import channels, cron, telemetry
from workers.burst import drain
from workers.jobs import outreach


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def worker_metrics():
    """The worker's endpoint as a worker with WORKER_METRICS_PORT serves it (here on a free port)."""
    server = telemetry.serve_metrics(telemetry.WorkerTelemetryConfig(metrics_port=0, metrics_addr="127.0.0.1"))

    async def scrape() -> dict:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{server.server_port}/metrics")
        assert answer.status_code == 200
        return samples(answer.text)

    yield scrape
    telemetry.stop_metrics(server)


async def test_outbox_depth_and_age_are_read_at_scrape_time(client, session):
    before = samples((await client.get("/metrics")).text)
    now = utcnow()
    await add_message(
        session,
        channel="sms",
        kind="reminder",
        recipient_type="address",
        recipient_address="+15555550100",
        idempotency_key="late",
        not_before=now - timedelta(seconds=90),
    )
    await add_message(
        session,
        channel="sms",
        kind="reminder",
        recipient_type="address",
        recipient_address="+15555550101",
        idempotency_key="later",
        not_before=now + timedelta(hours=1),
    )
    await session.flush()
    after = samples((await client.get("/metrics")).text)
    assert (
        value(after, "refloop_outbox_pending", channel="sms")
        == value(before, "refloop_outbox_pending", channel="sms") + 1
    )
    assert (
        value(after, "refloop_outbox_scheduled", channel="sms")
        == value(before, "refloop_outbox_scheduled", channel="sms") + 1
    )
    assert value(after, "refloop_outbox_oldest_pending_age_seconds", channel="sms") >= 90


@pytest.mark.usefixtures("committed")
async def test_sends_and_jobs_are_counted_at_the_workers_endpoint(
    client, smtp_sink, arq_redis, worker_metrics, monkeypatch
):
    async def refuse(message, session):
        raise ValueError("cannot render this one")

    monkeypatch.setitem(channels.HANDLERS, "poison", refuse)
    async with unit_of_work() as session:
        for n in range(3):
            await add_message(
                session,
                channel="email",
                kind="thank_you",
                recipient_type="address",
                recipient_address=f"office{n}@clinic.example",
                idempotency_key=f"good-{n}",
            )
        await add_message(
            session,
            channel="poison",
            kind="thank_you",
            recipient_type="address",
            recipient_address="x@example.org",
            idempotency_key="poison",
            max_attempts=2,
        )
    queued = samples((await client.get("/metrics")).text)
    assert value(queued, "refloop_outbox_pending", channel="email") == 3
    assert value(queued, "refloop_outbox_pending", channel="poison") == 1
    before = await worker_metrics()

    for _ in range(3):
        await drain(arq_redis)
        await asyncio.sleep(0.15)

    after = await worker_metrics()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("refloop_outbox_sends_total", channel="email", outcome="sent") == 3
    assert moved("refloop_outbox_sends_total", channel="poison", outcome="retried") == 1
    assert moved("refloop_outbox_sends_total", channel="poison", outcome="failed") == 1
    # A job carries a batch: the three e-mails and the poison message's first try went in one, its retry in another.
    assert moved("refloop_job_duration_seconds_count", function="send_message", result="ok") == 2
    assert moved("refloop_job_queue_delay_seconds_count", function="send_message") == 2
    drained = samples((await client.get("/metrics")).text)
    assert value(drained, "refloop_outbox_pending", channel="email") == 0  # an emptied channel reads 0


@pytest.mark.usefixtures("committed")
async def test_worker_log_lines_carry_the_job_and_message_ids(smtp_sink, arq_redis, monkeypatch):
    async def refuse(message, session):
        raise ValueError("cannot render this one")

    monkeypatch.setitem(channels.HANDLERS, "poison", refuse)
    capture = structlog.testing.LogCapture()
    monkeypatch.setattr(
        outreach, "log", structlog.wrap_logger(None, processors=[structlog.contextvars.merge_contextvars, capture])
    )
    async with unit_of_work() as session:
        message = await add_message(
            session,
            channel="poison",
            kind="thank_you",
            recipient_type="address",
            recipient_address="x@example.org",
            idempotency_key="poison",
            max_attempts=1,
        )
    await drain(arq_redis)
    [line] = [e for e in capture.entries if e["event"] == "message not sent"]
    assert line["job"] == "send_message"
    assert line["message_id"] == str(message.id)
    assert line["job_id"].startswith(f"outbox:{message.id}:")


@pytest.mark.usefixtures("committed")
async def test_an_sla_breach_the_sweep_escalates_is_counted_by_milestone(worker_metrics):
    from domain.journey.models import BusinessCalendar
    from tests.factories import make_referral
    from tests.test_sla import ALWAYS_OPEN

    async with unit_of_work() as session:
        session.add(
            BusinessCalendar(name="all week", time_zone="UTC", weekly_hours=ALWAYS_OPEN, holidays=[], is_default=True)
        )
    async with unit_of_work() as session:
        # Long enough ago to breach both milestones whichever calendar is in force.
        await make_referral(session, urgency="stat", received_at=utcnow() - timedelta(days=30))
    before = await worker_metrics()
    await cron.sla_sweep({})
    await cron.sla_sweep({})  # nothing new: counted once
    after = await worker_metrics()
    for milestone in ("first_contact", "scheduled"):
        breaches = value(after, "refloop_sla_breaches_total", milestone=milestone) - value(
            before, "refloop_sla_breaches_total", milestone=milestone
        )
        assert breaches == 1
    assert (
        value(after, "refloop_job_duration_seconds_count", function="sla_sweep", result="ok")
        - value(before, "refloop_job_duration_seconds_count", function="sla_sweep", result="ok")
        == 2
    )


def test_a_second_worker_on_a_taken_port_starts_without_its_endpoint():
    first = telemetry.serve_metrics(telemetry.WorkerTelemetryConfig(metrics_port=0, metrics_addr="127.0.0.1"))
    try:
        taken = telemetry.WorkerTelemetryConfig(metrics_port=first.server_port, metrics_addr="127.0.0.1")
        assert telemetry.serve_metrics(taken) is None
    finally:
        telemetry.stop_metrics(first)
