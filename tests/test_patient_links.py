"""Patient links: the link in a booking notice or reminder lets the patient see, confirm, cancel or ask,
and nothing else; a link that does not work is a 404 whatever the reason; every use is audited."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text

from domain.audit.models import AuditEvent
from domain.outreach import cadence
from domain.outreach.compose import compose, kept
from domain.outreach.context import build_context, recipient
from domain.outreach.settings import outreach_settings
from domain.patient_links import service as link_service
from domain.patient_links.models import PatientLink
from domain.referrals import appointments
from domain.referrals.enums import AppointmentStatus
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.referrals.schemas import AppointmentCreate, AppointmentUpdate
from domain.shared.clock import utcnow
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message, open_secret
from domain.shared.settings import get_settings
from domain.tasks.models import Task
from tests.factories import make_organization, make_referral
from tests.fhir_examples import FHIR_JSON
from tests.principals import make_user


@pytest.fixture(autouse=True)
async def fresh_rate_limits():
    """Every test starts with the per-address budget untouched (all tests share 127.0.0.1)."""
    redis = Redis.from_url(get_settings().redis.url)
    keys = [k async for k in redis.scan_iter("refloop:rate:patient-link*")]
    if keys:
        await redis.delete(*keys)
    yield
    await redis.aclose()


async def booked(session, *, days: int = 5, **overrides):
    """A referral with a booked appointment, and the tokens its booking notice and reminder carry."""
    coordinator = await make_user(session, role="intake")
    referral = await make_referral(session, status=S.accepted, **overrides)
    referral.assignee_id = coordinator.id
    appointment = await appointments.book_appointment(
        session,
        data=AppointmentCreate(
            referral_id=referral.id, start=utcnow() + timedelta(days=days), location="Building B, 2nd floor"
        ),
        actor="t",
    )
    messages = (
        (
            await session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.referral_id == referral.id, OutboxMessage.recipient_type == "patient")
                .order_by(OutboxMessage.kind)
            )
        )
        .scalars()
        .all()
    )
    tokens = {m.kind: open_secret(m.payload) for m in messages}
    return referral, appointment, tokens


async def audit_of(session, action: str) -> list[AuditEvent]:
    rows = await session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at))
    return list(rows.scalars())


async def test_booking_sends_a_notice_and_a_reminder_each_with_its_own_link(session):
    referral, appointment, tokens = await booked(session)
    assert set(tokens) == {"appointment_booked", "reminder"} and None not in tokens.values()
    assert tokens["appointment_booked"] != tokens["reminder"]
    rows = (await session.execute(select(PatientLink).where(PatientLink.appointment_id == appointment.id))).scalars()
    stored = {row.kind: row for row in rows}
    assert stored["reminder"].channel == "sms" and stored["reminder"].expires_at == appointment.start
    # Only a hash is kept: the token itself is nowhere in the table.
    assert all(row.token_hash not in tokens.values() for row in stored.values())
    [notice] = (
        await session.execute(
            select(OutboxMessage).where(
                OutboxMessage.referral_id == referral.id, OutboxMessage.kind == "appointment_booked"
            )
        )
    ).scalars()
    to = await recipient(session, notice)
    context = await build_context(session, notice, to)
    composed = await compose(session, notice)
    link = f"{get_settings().web_app_url.rstrip('/')}/a/{tokens['appointment_booked']}"
    assert link in composed.content.body
    # The words kept on the message hide the token.
    assert tokens["appointment_booked"] not in kept(composed.content, context).body


async def test_the_page_shows_first_name_appointment_practice_and_preparation_only(client, client_for, session):
    referral, _appointment, tokens = await booked(session, service_line="cardiology")
    saved = await client.put(
        "/v1/preparation-instructions/cardiology", json={"text": "Do not eat for 4 hours before the visit."}
    )
    assert saved.status_code == 200, saved.text
    patient = await client_for("anonymous")
    page = await patient.get(f"/v1/patient-links/{tokens['reminder']}")
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["first_name"] == "Maria"
    assert body["appointment"]["location"] == "Building B, 2nd floor"
    assert body["appointment"]["service_line"] == "Cardiology" and body["appointment"]["confirmed"] is False
    assert body["preparation"] == "Do not eat for 4 hours before the visit."
    assert body["practice"]["name"]
    # Nothing else about the patient or the referral.
    assert referral.patient_family_name not in page.text and "R07.9" not in page.text and "MRN" not in page.text
    [opened] = await audit_of(session, "patient_link.open")
    assert opened.outcome == "success" and opened.detail["referral_id"] == str(referral.id)


async def test_a_tampered_link_is_a_404_and_audited_without_the_token(client_for, session):
    _, appointment, tokens = await booked(session)
    token = tokens["reminder"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    patient = await client_for("anonymous")
    for path in (f"/v1/patient-links/{tampered}", f"/v1/patient-links/{tampered}/confirm"):
        response = await (patient.get(path) if path.endswith(tampered) else patient.post(path))
        assert response.status_code == 404
        assert response.json()["type"].endswith("/patient-link-not-found")
        assert "call us" in response.json()["detail"]
    refused = await audit_of(session, "patient_link.open") + await audit_of(session, "patient_link.confirm")
    assert [e.outcome for e in refused] == ["not_found", "not_found"]
    assert all(tampered not in str(e.detail) and e.detail.get("reason") == "unknown link" for e in refused)
    assert (await session.get(Appointment, appointment.id)).status is AppointmentStatus.booked


async def test_a_link_after_its_appointment_is_a_404(client_for, session, monkeypatch):
    _, appointment, tokens = await booked(session, days=1)
    patient = await client_for("anonymous")
    assert (await patient.get(f"/v1/patient-links/{tokens['reminder']}")).status_code == 200
    later = appointment.start + timedelta(minutes=5)
    monkeypatch.setattr(link_service, "utcnow", lambda: later)
    gone = await patient.post(f"/v1/patient-links/{tokens['reminder']}/cancel", json={"reason": "Too late"})
    assert gone.status_code == 404
    assert (await session.get(Appointment, appointment.id)).status is AppointmentStatus.booked
    [refused] = await audit_of(session, "patient_link.cancel")
    assert refused.outcome == "not_found" and refused.detail["reason"] == "expired"


async def test_confirm_marks_the_appointment_confirmed_once(client, client_for, session):
    referral, _appointment, tokens = await booked(session)
    patient = await client_for("anonymous")
    first = await patient.post(f"/v1/patient-links/{tokens['reminder']}/confirm")
    assert first.status_code == 200 and first.json()["appointment"]["confirmed"] is True
    again = await patient.post(f"/v1/patient-links/{tokens['appointment_booked']}/confirm")
    assert again.status_code == 200 and again.json()["appointment"]["confirmed"] is True
    events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    assert [e["detail"].get("status") for e in events].count("confirmed by patient") == 1
    assert [e.outcome for e in await audit_of(session, "patient_link.confirm")] == ["success", "success"]


async def test_a_patient_cancel_moves_appointment_and_referral_as_an_ehr_cancel_does(client, client_for, session):
    # The EHR's way: a FHIR Appointment update to cancelled.
    ehr_referral, ehr_appointment, _ = await booked(session)
    fhir = (await client.get(f"/fhir/R4/Appointment/{ehr_appointment.id}")).json()
    put = await client.put(
        f"/fhir/R4/Appointment/{ehr_appointment.id}", json=dict(fhir, status="cancelled"), headers=FHIR_JSON
    )
    assert put.status_code == 200, put.text
    # The patient's way.
    referral, appointment, tokens = await booked(session)
    patient = await client_for("anonymous")
    cancelled = await patient.post(
        f"/v1/patient-links/{tokens['reminder']}/cancel", json={"reason": "My daughter's wedding is that day"}
    )
    assert cancelled.status_code == 200, cancelled.text

    def outcome(r: dict) -> tuple:
        return r["status"], r["status_reason"]

    by_ehr = (await client.get(f"/v1/referrals/{ehr_referral.id}")).json()
    by_patient = (await client.get(f"/v1/referrals/{referral.id}")).json()
    assert outcome(by_patient) == outcome(by_ehr) == ("accepted", "appointment_cancelled")
    await session.refresh(appointment)
    await session.refresh(ehr_appointment)
    assert appointment.status is ehr_appointment.status is AppointmentStatus.cancelled
    transitions = [
        e
        for e in (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
        if e["kind"] == "transition"
    ]
    assert transitions[-1]["from_status"] == "scheduled" and transitions[-1]["to_status"] == "accepted"
    # The coordinator gets a task with the reason; the reason is sealed in the database.
    [task] = (await session.execute(select(Task).where(Task.referral_id == referral.id))).scalars()
    assert "wedding" in task.description and task.assignee_id == referral.assignee_id
    raw = (
        await session.execute(
            text("SELECT note::text FROM referral_events WHERE referral_id = :r AND kind = 'note'"), {"r": referral.id}
        )
    ).scalar_one()
    assert "wedding" not in raw
    note = (
        await session.execute(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral.id, ReferralEvent.kind == "note")
        )
    ).scalar_one()
    assert note.note == "My daughter's wedding is that day"
    [audited] = await audit_of(session, "patient_link.cancel")
    assert audited.outcome == "success" and "wedding" not in str(audited.detail)


async def test_a_cancel_link_works_once_and_takes_the_other_links_with_it(client_for, session):
    _, _, tokens = await booked(session)
    patient = await client_for("anonymous")
    first = await patient.post(f"/v1/patient-links/{tokens['reminder']}/cancel", json={"reason": "Feeling better"})
    assert first.status_code == 200
    replay = await patient.post(f"/v1/patient-links/{tokens['reminder']}/cancel", json={"reason": "Feeling better"})
    assert replay.status_code == 404
    assert (await patient.get(f"/v1/patient-links/{tokens['reminder']}")).status_code == 404
    assert (await patient.get(f"/v1/patient-links/{tokens['appointment_booked']}")).status_code == 404
    reasons = [e.detail.get("reason") for e in await audit_of(session, "patient_link.cancel")]
    assert reasons == [None, "used to cancel"]


async def test_a_link_acts_on_its_own_appointment_and_no_other(client_for, session):
    _, mine, my_tokens = await booked(session)
    other_referral, other, _ = await booked(session)
    patient = await client_for("anonymous")
    # Extra parameters naming another appointment or referral change nothing.
    response = await patient.post(
        f"/v1/patient-links/{my_tokens['reminder']}/cancel",
        params={"appointment_id": str(other.id), "referral_id": str(other_referral.id)},
        json={"reason": "Moving away", "appointment_id": str(other.id)},
    )
    assert response.status_code == 200
    await session.refresh(mine)
    await session.refresh(other)
    assert mine.status is AppointmentStatus.cancelled and other.status is AppointmentStatus.booked
    assert (await session.get(Referral, other_referral.id)).status is S.scheduled


async def test_too_many_tries_from_one_address_get_429_even_with_a_good_link(client_for, session, monkeypatch):
    monkeypatch.setattr(link_service, "RATE_LIMIT", 3)
    monkeypatch.setattr(link_service, "RATE_WINDOW_SECONDS", 3600)
    _, _, tokens = await booked(session)
    patient = await client_for("anonymous")
    guesses = [(await patient.get(f"/v1/patient-links/{'x' * 43}{n}")).status_code for n in range(3)]
    assert guesses == [404, 404, 404]
    limited = await patient.get(f"/v1/patient-links/{tokens['reminder']}")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


async def test_a_question_opens_a_sealed_task_for_the_coordinator(client_for, session):
    referral, _, tokens = await booked(session)
    patient = await client_for("anonymous")
    asked = await patient.post(
        f"/v1/patient-links/{tokens['reminder']}/question", json={"question": "Can I bring my husband along?"}
    )
    assert asked.status_code == 200, asked.text
    [task] = (await session.execute(select(Task).where(Task.referral_id == referral.id))).scalars()
    assert task.type == "call_patient" and task.description == "Can I bring my husband along?"
    assert task.assignee_id == referral.assignee_id
    raw = (
        await session.execute(text("SELECT description::text FROM tasks WHERE id = :t"), {"t": task.id})
    ).scalar_one()
    assert "husband" not in raw
    [audited] = await audit_of(session, "patient_link.question")
    assert audited.outcome == "success" and "husband" not in str(audited.detail)


@pytest.mark.parametrize("field,path", [("reason", "cancel"), ("question", "question")])
async def test_bad_text_is_a_clear_4xx_and_changes_nothing(client_for, session, field, path):
    referral, appointment, tokens = await booked(session)
    patient = await client_for("anonymous")
    url = f"/v1/patient-links/{tokens['reminder']}/{path}"
    for bad in ("Fine\x00then", "x" * 1_000_000, 42, "   "):
        response = await patient.post(url, json={field: bad})
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text
    # A refused request rolls back and forgets the session's rows: read the appointment again.
    assert (await session.get(Appointment, appointment.id)).status is AppointmentStatus.booked
    assert (await session.execute(select(Task).where(Task.referral_id == referral.id))).first() is None


async def test_preparation_instructions_are_admin_edited(client, client_for, session):
    intake = await client_for("intake")
    refused = await intake.put("/v1/preparation-instructions/cardiology", json={"text": "Bring shoes"})
    assert refused.status_code == 403
    unknown = await client.put("/v1/preparation-instructions/astrology", json={"text": "Bring stars"})
    assert unknown.status_code == 422 and "not a service line" in unknown.json()["detail"]
    assert (
        await client.put("/v1/preparation-instructions/cardiology", json={"text": "Bring shoes"})
    ).status_code == 200
    assert (await intake.get("/v1/preparation-instructions")).status_code == 403
    listed = (await client.get("/v1/preparation-instructions")).json()
    assert [(p["service_line"], p["text"]) for p in listed] == [("cardiology", "Bring shoes")]
    assert (await client.delete("/v1/preparation-instructions/cardiology")).status_code == 204
    assert (await client.delete("/v1/preparation-instructions/cardiology")).status_code == 404


async def test_dashboard_shows_confirmation_and_no_show_rates_by_reminder_channel(client, client_for, session):
    # One practice's referrals only: the figures are not mixed with any other test's rows.
    practice = str((await make_organization(session)).id)
    _, _, tokens = await booked(session, referring_organization_id=practice)
    await booked(
        session,
        referring_organization_id=practice,
        patient={"given_name": "Ann", "family_name": "Lee", "birth_date": "1970-01-01", "email": "ann@example.org"},
    )
    silent_referral = await make_referral(
        session,
        status=S.accepted,
        referring_organization_id=practice,
        patient={"given_name": "Bo", "family_name": "Ek", "birth_date": "1970-01-01"},
    )
    past = await appointments.book_appointment(
        session, data=AppointmentCreate(referral_id=silent_referral.id, start=utcnow() - timedelta(hours=2)), actor="t"
    )
    await appointments.update_appointment(
        session,
        appointment_id=past.id,
        expected_version=past.version,
        actor="t",
        data=AppointmentUpdate(status="noshow"),
    )
    # The patient messages went out.
    await session.execute(text("UPDATE outbox_messages SET status = 'sent' WHERE recipient_type = 'patient'"))
    patient = await client_for("anonymous")
    assert (await patient.post(f"/v1/patient-links/{tokens['reminder']}/confirm")).status_code == 200
    analyst = await client_for("analyst")
    summary = (await analyst.get("/v1/analytics/summary", params={"referring_organization_id": practice})).json()
    rows = {r["channel"]: r for r in summary["reminder_channels"]}
    assert rows["sms"]["appointments"] == 1 and rows["sms"]["confirmation"] == {"count": 1, "of": 1, "rate": 1.0}
    assert rows["email"]["confirmation"] == {"count": 0, "of": 1, "rate": 0.0}
    assert rows["none"]["confirmation"] is None
    assert rows["none"]["no_show"] == {"count": 1, "of": 1, "rate": 1.0}
    assert rows["sms"]["no_show"] == {"count": 0, "of": 0, "rate": None}  # not seen yet
    # The CSV export carries the same figures.
    exported = (await analyst.get("/v1/analytics/summary.csv", params={"referring_organization_id": practice})).text
    assert "reminder_channel,sms,,confirmation_rate,1.0\n" in exported
    assert "reminder_channel,none,,confirmation_rate,\n" in exported


async def test_one_patients_reminder_does_not_hold_back_another_patients(session):
    first, first_visit, _ = await booked(session)
    second, _, _ = await booked(session)
    reminders = {
        m.referral_id: m
        for m in (
            await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "reminder", OutboxMessage.referral_id.in_([first.id, second.id])
                )
            )
        ).scalars()
    }
    tz = ZoneInfo(outreach_settings().default_time_zone)
    noon = datetime.now(tz).replace(hour=12, minute=0, second=0, microsecond=0)  # outside quiet hours
    reminders[first.id].status, reminders[first.id].sent_at = MessageStatus.sent, noon - timedelta(hours=1)
    await session.flush()
    assert await cadence.check(session, reminders[second.id], now=noon) is None
    # The same patient's next reminder within the interval is still held back.
    again = await add_message(
        session,
        channel="sms",
        kind="reminder",
        recipient_type="patient",
        referral_id=first.id,
        idempotency_key=f"again:{first.id}",
        payload={"appointment_id": str(first_visit.id), "start": first_visit.start.isoformat()},
    )
    assert (await cadence.check(session, again, now=noon)).rule == "min_interval"
