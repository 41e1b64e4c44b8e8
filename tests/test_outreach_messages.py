"""What each change sends, to whom, in words a person would write; and the message list."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.outreach.compose import compose
from domain.providers.models import Provider
from domain.referrals import appointments
from domain.referrals import service as referrals
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.schemas import AppointmentCreate, AppointmentUpdate, ReferralCreate
from domain.shared.clock import utcnow
from domain.shared.outbox import MessageStatus, OutboxMessage
from tests.factories import referral_payload


async def referrer(session, method: str | None = None) -> Provider:
    provider = Provider(
        given_name="Anna",
        family_name="Reyes",
        prefix="Dr.",
        credentials=["MD"],
        preferred_contact_method=method,
        contact_points=[
            {"system": "email", "value": "anna@clinic.example"},
            {"system": "sms", "value": "+15550104401"},
        ],
    )
    session.add(provider)
    await session.flush()
    return provider


async def refer(session, provider, **overrides):
    data = ReferralCreate.model_validate(referral_payload(referring_provider_id=str(provider.id), **overrides))
    return (await referrals.create_referral(session, data=data, actor="test")).referral


async def queued(session, referral_id, kind: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.referral_id == referral_id).order_by(OutboxMessage.created_at)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list((await session.execute(stmt)).scalars())


async def move(session, referral, to: S, reason=None, note=None):
    return await referrals.transition(session, referral_id=referral.id, to=to, reason=reason, note=note, actor="t")


async def test_intake_acknowledges_the_referrer_and_thanks_a_first_time_referrer(session):
    provider = await referrer(session)
    first = await refer(session, provider)
    second = await refer(session, provider)
    assert [m.kind for m in await queued(session, first.id)] == ["acknowledgement", "thank_you"]
    assert [m.kind for m in await queued(session, second.id)] == ["acknowledgement"]
    [ack] = await queued(session, second.id)
    assert ack.channel == "email" and ack.recipient_type == "provider" and ack.recipient_id == provider.id
    text = (await compose(session, ack)).content
    assert text.subject.startswith("We received your referral for Maria L.")
    assert "Dear Dr. Anna Reyes," in text.body and "cardiology team" in text.body


async def test_needs_info_lists_what_is_missing_from_the_note(session):
    referral = await refer(session, await referrer(session))
    await move(session, referral, S.needs_info, note="Recent ECG tracing\nInsurance card (front and back)")
    [message] = await queued(session, referral.id, "status_needs_info")
    body = (await compose(session, message)).content.body
    assert "  - Recent ECG tracing\n  - Insurance card (front and back)" in body
    assert "Recent ECG" not in str(message.payload)


async def test_accepted_scheduled_and_declined_updates(session):
    provider = await referrer(session)
    declined = await refer(session, provider)
    await move(session, declined, S.declined, reason="out_of_network", note="Try the county clinic.")
    [message] = await queued(session, declined.id, "status_declined")
    body = (await compose(session, message)).content.body
    assert "not in network" in body and "Try the county clinic." in body

    referral = await refer(session, provider)
    start = (utcnow() + timedelta(days=9)).replace(hour=15, minute=30, second=0, microsecond=0)
    await appointments.book_appointment(
        session, data=AppointmentCreate(referral_id=referral.id, start=start, location="Building B"), actor="t"
    )
    kinds = [m.kind for m in await queued(session, referral.id)]
    assert kinds[1:] == ["status_accepted", "status_scheduled", "appointment_booked", "reminder"]
    [scheduled] = await queued(session, referral.id, "status_scheduled")
    text = (await compose(session, scheduled)).content
    assert f"{start.astimezone(ZoneInfo('America/New_York')).day}," in text.subject
    assert "at Building B" in text.body


async def test_patient_reminder_goes_out_days_before_and_a_moved_visit_gets_a_new_one(session):
    referral = await refer(session, await referrer(session))
    start = utcnow() + timedelta(days=10)
    appointment = await appointments.book_appointment(
        session, data=AppointmentCreate(referral_id=referral.id, start=start), actor="t"
    )
    [reminder] = await queued(session, referral.id, "reminder")
    assert reminder.channel == "sms" and reminder.recipient_type == "patient"
    assert abs(reminder.not_before - (start - timedelta(days=2))) < timedelta(seconds=1)
    assert "5550102000" not in str(reminder.payload)  # the patient's phone, as stored (E.164)
    sms = (await compose(session, reminder)).content
    assert sms.subject is None and sms.body.startswith("Lakeside Specialty Clinic: hi Maria, a reminder")

    await appointments.update_appointment(
        session,
        appointment_id=appointment.id,
        data=AppointmentUpdate(start=start + timedelta(days=1)),
        expected_version=appointment.version,
        actor="t",
    )
    assert len(await queued(session, referral.id, "reminder")) == 2


async def test_no_show_sends_a_follow_up_to_the_patient(session):
    referral = await refer(session, await referrer(session))
    # Half an hour past its start, nobody came: only then is it a no-show.
    appointment = await appointments.book_appointment(
        session, data=AppointmentCreate(referral_id=referral.id, start=utcnow() - timedelta(minutes=30)), actor="t"
    )
    await appointments.update_appointment(
        session,
        appointment_id=appointment.id,
        data=AppointmentUpdate(status="noshow"),
        expected_version=appointment.version,
        actor="t",
    )
    [follow_up] = await queued(session, referral.id, "no_show")
    assert "we missed you today" in (await compose(session, follow_up)).content.body.lower()


async def test_referrer_who_prefers_sms_gets_a_text(session):
    referral = await refer(session, await referrer(session, method="sms"))
    [ack, thanks] = await queued(session, referral.id)
    assert ack.channel == "sms" and thanks.channel == "sms"
    composed = await compose(session, ack)
    assert composed.to.phone == "+15550104401" and len(composed.content.body) < 320


async def test_referrer_whose_ehr_hears_by_fhir_gets_no_email_for_an_ehr_referral(session):
    provider = await referrer(session, method="fhir")
    from_ehr = await refer(session, provider, source_channel="fhir")
    faxed = await refer(session, provider, source_channel="fax")
    assert await queued(session, from_ehr.id) == []  # its EHR is told through the FHIR Task instead
    [ack] = await queued(session, faxed.id)
    assert (ack.kind, ack.channel, ack.recipient_id) == ("acknowledgement", "email", provider.id)


async def test_messages_list_filters_and_pages(client, session):
    provider = await referrer(session)
    referrals_made = [await refer(session, provider) for _ in range(3)]
    await move(session, referrals_made[0], S.accepted)

    response = await client.get("/v1/messages", params={"referral_id": str(referrals_made[0].id)})
    assert response.status_code == 200
    kinds = [m["kind"] for m in response.json()["items"]]
    assert kinds == ["status_accepted", "thank_you", "acknowledgement"]  # newest first
    assert {m["status"] for m in response.json()["items"]} == {"queued"}

    pages, cursor = [], None
    while True:
        params = {"kind": "acknowledgement", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/messages", params=params)).json()
        pages.append([m["referral_id"] for m in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [2, 1]
    assert {r for p in pages for r in p} == {str(r.id) for r in referrals_made}

    bad = await client.get("/v1/messages", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.status.0"


async def test_resend_requeues_a_failed_message_under_the_same_id(client, session):
    referral = await refer(session, await referrer(session))
    [ack, _] = await queued(session, referral.id)
    ack.status, ack.attempts, ack.last_error = MessageStatus.failed, 6, "SMTPDataError: 554"
    await session.flush()

    response = await client.post(f"/v1/messages/{ack.id}/resend")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(ack.id) and body["status"] == "queued" and body["attempts"] == 0

    again = await client.post(f"/v1/messages/{ack.id}/resend")
    assert again.status_code == 409 and again.json()["allowed"] == ["failed", "suppressed"]
    missing = await client.post("/v1/messages/01a20000-0000-7000-8000-000000000000/resend")
    assert missing.status_code == 404
