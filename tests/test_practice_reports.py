"""The monthly report to each referring practice: queued on the first business day, sent once through
outreach (real SMTP, real arq), never to a practice that opted out or sent nothing, saying what the preview says."""

import asyncio
from datetime import UTC, date, datetime

import pytest
from arq import Worker, func
from sqlalchemy import select, text

from domain.journey.sla import BUILT_IN
from domain.relationships import practice_report
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage
from tests.factories import make_organization
from tests.history import load, make_referrer, row
from workers.burst import drain
from workers.config import outbox_config
from workers.jobs.relationships import practice_reports

pytestmark = pytest.mark.usefixtures("committed")

# Tuesday 1 December 2026: the month's first business day on the built-in calendar (Mon-Fri, UTC).
FIRST_BUSINESS_DAY = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def forget_imports(connection_engine):
    yield
    async with connection_engine.begin() as conn:
        await conn.execute(text("TRUNCATE referral_imports, referrer_figures"))


@pytest.fixture
def on_first_business_day(monkeypatch):
    monkeypatch.setattr(practice_report, "utcnow", lambda: FIRST_BUSINESS_DAY)


async def practice(session, email: str | None, **extra):
    points = [{"system": "email", "value": email}] if email else []
    organization = await make_organization(session, contact_points=points, **extra)
    provider, _ = await make_referrer(session, organization)
    return organization, provider


async def history():
    """Three practices: one sent referrals in November, one did too but opted out, one sent only in October."""
    async with unit_of_work() as session:
        sending, a = await practice(session, "office@riverside.example", name="Riverside Family Practice")
        opted_out, b = await practice(session, "office@oakwood.example", name="Oakwood Clinic")
        quiet, c = await practice(session, "office@hillside.example", name="Hillside Medical")
        await load(
            session,
            [
                row(
                    a.npi,
                    "2026-11-03T10:00:00Z",
                    status="closed",
                    appointment_date="2026-11-10",
                    completion_date="2026-11-10",
                    status_date="2026-11-12",
                ),
                row(
                    a.npi,
                    "2026-11-05T10:00:00Z",
                    status="completed",
                    appointment_date="2026-11-20",
                    completion_date="2026-11-20",
                ),
                row(a.npi, "2026-11-24T10:00:00Z"),
                row(b.npi, "2026-11-09T10:00:00Z"),
                row(c.npi, "2026-10-14T10:00:00Z"),
            ],
        )
    async with unit_of_work() as session:
        await practice_report.set_opt_out(session, organization_id=opted_out.id, opted_out=True)
    return sending, opted_out, quiet


async def reports() -> list[OutboxMessage]:
    async with unit_of_work() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == "practice_report")
        return list((await session.execute(stmt)).scalars())


async def test_each_practice_that_sent_referrals_gets_its_report_once(
    smtp_sink, arq_redis, client, on_first_business_day
):
    sending, _opted_out, _quiet = await history()

    # Two workers at once, then the next hour's run: one report.
    await asyncio.gather(practice_reports({}), practice_reports({}))
    await practice_reports({})
    await drain(arq_redis)
    await practice_reports({})
    await drain(arq_redis)

    rows = await reports()
    assert [(m.recipient_type, m.recipient_id, m.channel, m.status) for m in rows] == [
        ("organization", sending.id, "email", MessageStatus.sent)
    ]
    assert rows[0].payload == {"organization_id": str(sending.id), "month": "2026-11"}
    mails = [m for m in smtp_sink.snapshot() if m.kind == "practice_report"]
    assert len(mails) == 1 and mails[0].to == "office@riverside.example"
    assert {m.to for m in smtp_sink.snapshot()} == {"office@riverside.example"}  # nothing for the other two

    preview = (
        await client.get(f"/v1/referring-organizations/{sending.id}/monthly-report", params={"month": "2026-11"})
    ).json()
    assert (preview["referrals_sent"], preview["patients_seen"], preview["loop_closure_notes_sent"]) == (3, 2, 1)
    body = mails[0].body.replace("\r\n", "\n")
    assert "November 2026" in mails[0].subject and "Dear colleagues at Riverside Family Practice" in body
    assert f"Referrals sent: {preview['referrals_sent']}\n" in body
    assert f"Patients seen: {preview['patients_seen']}\n" in body
    assert f"Median wait to a first appointment: {preview['median_days_to_appointment']:.1f} days\n" in body
    assert f"Visit summaries sent back to you: {preview['loop_closure_notes_sent']}\n" in body
    assert preview["median_days_to_appointment"] == pytest.approx((7 - 10 / 24 + 15 - 10 / 24) / 2)
    assert preview["channel"] == "email" and preview["opted_out"] is False


async def test_nothing_is_queued_before_the_first_business_day(smtp_sink, arq_redis):
    await history()
    # Sunday 1 November 2026: the month's first business day is Monday the 2nd.
    async with unit_of_work() as session:
        early = await practice_report.queue_reports(
            session, calendar=BUILT_IN, now=datetime(2026, 11, 1, 12, tzinfo=UTC)
        )
    assert early.month is None and await reports() == []
    assert practice_report.first_business_day(BUILT_IN, date(2026, 11, 15)) == date(2026, 11, 2)
    # A run missed on the day catches up later in the month, for the month before.
    async with unit_of_work() as session:
        late = await practice_report.queue_reports(session, calendar=BUILT_IN, now=datetime(2026, 12, 3, 9, tzinfo=UTC))
    assert late.month == date(2026, 11, 1) and late.queued == 1


async def test_a_practice_that_opts_out_after_queueing_gets_nothing(smtp_sink, arq_redis, on_first_business_day):
    sending, _, _ = await history()
    await practice_reports({})
    async with unit_of_work() as session:
        await practice_report.set_opt_out(session, organization_id=sending.id, opted_out=True)
    await drain(arq_redis)
    rows = await reports()
    assert [(m.status, m.suppressed_rule) for m in rows] == [(MessageStatus.suppressed, "opted_out")]
    assert smtp_sink.snapshot() == []


async def test_a_practice_without_an_address_is_skipped(smtp_sink, arq_redis, on_first_business_day):
    async with unit_of_work() as session:
        _, provider = await practice(session, None)
        await load(session, [row(provider.npi, "2026-11-03T10:00:00Z")])
    assert (await practice_reports({}))["unreachable"] == 1
    assert await reports() == []


async def test_staff_opt_a_practice_out_and_the_change_is_audited(client, client_for, session):
    organization = await make_organization(session)
    url = f"/v1/referring-organizations/{organization.id}/monthly-report/opt-out"
    liaison = await client_for("liaison")
    response = await liaison.put(url, json={"opted_out": True})
    assert response.status_code == 200, response.text
    assert response.json()["monthly_report_opt_out"] is True
    preview = await client.get(f"/v1/referring-organizations/{organization.id}/monthly-report")
    assert preview.json()["opted_out"] is True
    shown = await client.get(f"/v1/organizations/{organization.id}")
    assert shown.json()["monthly_report_opt_out"] is True
    events = (await client.get("/v1/audit-events", params={"entity_id": str(organization.id)})).json()["items"]
    assert "organization.monthly_report_opt_out" in [e["action"] for e in events]
    for role in ("analyst", "intake", "clinician"):
        assert (await (await client_for(role)).put(url, json={"opted_out": False})).status_code == 403
    assert (await client.put(url, json={"opted_out": "maybe"})).status_code == 422


async def test_a_practice_that_prefers_texts_gets_its_report_by_sms(session):
    organization = await make_organization(
        session,
        preferred_contact_method="sms",
        contact_points=[
            {"system": "email", "value": "office@lakeview.example"},
            {"system": "phone", "value": "+15555550123"},
        ],
    )
    assert practice_report.channel_for(organization).value == "sms"
    organization.preferred_contact_method = None
    assert practice_report.channel_for(organization).value == "email"
    organization.contact_points = [{"system": "phone", "value": "+15555550123"}]
    assert practice_report.channel_for(organization) is None


async def test_the_worker_schedules_the_job_and_two_runs_through_arq_send_one_report(
    smtp_sink, arq_redis, on_first_business_day
):
    from workers.main import WorkerSettings

    scheduled = [job for job in WorkerSettings.cron_jobs if job.coroutine is practice_reports]
    assert len(scheduled) == 1 and scheduled[0].unique
    sending, _, _ = await history()
    queue = outbox_config().queue_name
    for n in range(2):
        await arq_redis.enqueue_job("practice_reports", _job_id=f"practice-reports-{n}", _queue_name=queue)
    worker = Worker(
        functions=[func(practice_reports, name="practice_reports")],
        redis_pool=arq_redis,
        queue_name=queue,
        burst=True,
        poll_delay=0.01,
        max_jobs=2,
        keep_result=0,
        handle_signals=False,
    )
    await worker.main()
    assert worker.jobs_complete == 2
    await drain(arq_redis)
    assert [(m.recipient_id, m.status) for m in await reports()] == [(sending.id, MessageStatus.sent)]
    assert [m.to for m in smtp_sink.snapshot()] == ["office@riverside.example"]
