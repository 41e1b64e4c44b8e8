"""Opening a message: its words, recipient and suppression reason, patient data only for roles that may read it."""

from datetime import timedelta

import pytest
from sqlalchemy import text, update

from domain.providers.models import Provider
from domain.referrals import service as referrals
from domain.referrals.schemas import ReferralCreate
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from tests.factories import referral_payload
from tests.test_outbox_delivery import messages, new_referrer, refer
from workers.burst import drain


async def _acknowledged(session):
    provider = Provider(
        given_name="Anna",
        family_name="Reyes",
        prefix="Dr.",
        credentials=["MD"],
        contact_points=[{"system": "email", "value": "anna@clinic.example"}],
    )
    session.add(provider)
    await session.flush()
    data = ReferralCreate.model_validate(referral_payload(referring_provider_id=str(provider.id)))
    referral = (await referrals.create_referral(session, data=data, actor="test")).referral
    messages = await _messages(session, referral.id)
    return referral, next(m for m in messages if m.kind == "acknowledgement")


async def _messages(session, referral_id):
    from sqlalchemy import select

    stmt = select(OutboxMessage).where(OutboxMessage.referral_id == referral_id)
    return list((await session.execute(stmt)).scalars())


async def _audit(client, message_id):
    response = await client.get("/v1/audit-events", params={"entity_id": str(message_id), "limit": 50})
    return [(e["action"], e["detail"].get("patient_data")) for e in response.json()["items"]]


async def test_intake_opens_a_message_and_reads_its_rendered_words_and_recipient(client, client_for, session):
    _referral, ack = await _acknowledged(session)
    intake = await client_for("intake")
    response = await intake.get(f"/v1/messages/{ack.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind_label"] == "Referral received notice" and body["channel"] == "email"
    assert body["recipient_name"] == "Dr. Anna Reyes" and body["recipient_address"] == "anna@clinic.example"
    assert body["subject"].startswith("We received your referral for Maria L.")
    assert "Dear Dr. Anna Reyes," in body["body"] and body["phi_hidden"] is False
    assert ("message.read", "shown") in await _audit(client, ack.id)


async def test_a_liaison_sees_the_message_with_the_patient_replaced(client, client_for, session):
    _referral, ack = await _acknowledged(session)
    liaison = await client_for("liaison")
    body = (await liaison.get(f"/v1/messages/{ack.id}")).json()
    assert body["phi_hidden"] is True
    assert "Maria" not in body["subject"] + body["body"] and "[patient]" in body["subject"]
    assert "Dear Dr. Anna Reyes," in body["body"]
    assert ("message.read", "hidden") in await _audit(client, ack.id)
    analyst = await client_for("analyst")
    assert (await analyst.get(f"/v1/messages/{ack.id}")).status_code == 403


async def test_a_patient_reminder_hides_the_patients_number_from_a_liaison(client, client_for, session):
    referral, _ = await _acknowledged(session)
    reminder = await add_message(
        session,
        channel="sms",
        kind="reminder",
        recipient_type="patient",
        referral_id=referral.id,
        idempotency_key=f"test-reminder-{referral.id}",
    )
    await session.flush()
    shown = (await client.get(f"/v1/messages/{reminder.id}")).json()
    assert shown["recipient_address"] == "+15550102000" and shown["recipient_name"] == "Maria"
    hidden = (await (await client_for("liaison")).get(f"/v1/messages/{reminder.id}")).json()
    assert hidden["recipient_address"] == "[hidden]" and hidden["recipient_name"] == "[patient]"
    assert "555" not in str(hidden) and "Maria" not in str(hidden)


async def test_a_suppressed_message_says_why_in_words_and_can_be_resent(client, session):
    referral, ack = await _acknowledged(session)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == ack.id)
        .values(status=MessageStatus.suppressed, suppressed_rule="recipient_cap")
    )
    await session.flush()
    body = (await client.get(f"/v1/messages/{ack.id}")).json()
    assert body["suppressed_rule"] == "recipient_cap"
    assert body["suppression_reason"].startswith("Held back: this recipient had already been sent 3 routine messages")
    listed = (await client.get("/v1/messages", params={"referral_id": str(referral.id)})).json()["items"]
    assert any(m["id"] == str(ack.id) and "daily summary" in m["suppression_reason"] for m in listed)
    resent = await client.post(f"/v1/messages/{ack.id}/resend")
    assert resent.status_code == 200 and resent.json()["status"] == "queued"


async def test_webhook_messages_say_they_carry_data_not_text(client, session):
    referral, _ = await _acknowledged(session)
    hook = await add_message(
        session,
        channel="webhook",
        kind="status_accepted",
        recipient_type="webhook_endpoint",
        recipient_address="https://partner.example/hooks",
        referral_id=referral.id,
        idempotency_key=f"test-hook-{referral.id}",
    )
    body = (await client.get(f"/v1/messages/{hook.id}")).json()
    assert body["body"] is None and "structured data" in body["content_note"]


async def test_the_message_list_filters_by_creation_date(client, session):
    referral, ack = await _acknowledged(session)
    now = utcnow()
    params = {"referral_id": str(referral.id)}
    inside = await client.get("/v1/messages", params={**params, "created_from": (now - timedelta(hours=1)).isoformat()})
    assert str(ack.id) in [m["id"] for m in inside.json()["items"]]
    later = await client.get("/v1/messages", params={**params, "created_from": (now + timedelta(hours=1)).isoformat()})
    assert later.json()["items"] == []
    before = await client.get("/v1/messages", params={**params, "created_to": (now - timedelta(days=1)).isoformat()})
    assert before.json()["items"] == []


async def test_an_unsent_message_is_shown_as_a_preview(client, session):
    _referral, ack = await _acknowledged(session)
    body = (await client.get(f"/v1/messages/{ack.id}")).json()
    assert body["status"] == "queued" and body["rendering"] == "preview"
    assert body["content_note"].startswith("Preview: not sent yet")
    assert "Dear Dr. Anna Reyes," in body["body"]


@pytest.mark.usefixtures("committed")
async def test_a_sent_message_keeps_its_words_when_the_template_changes_later(
    smtp_sink, arq_redis, client, client_for, connection_engine
):
    async with unit_of_work() as session:
        provider = await new_referrer(session, email="kept.words@clinic.example")
        referral = await refer(session, provider)
    await drain(arq_redis)
    [ack] = await messages(referral_id=referral.id, kind="acknowledgement")
    assert ack.status is MessageStatus.sent and ack.sent_body is not None

    saved = await client.post(
        "/v1/templates",
        json={
            "kind": "acknowledgement",
            "channel": "email",
            "subject": "Changed subject {{ referral.reference }}",
            "body": "Entirely new words for {{ referrer.display_name }}.",
        },
    )
    assert saved.status_code == 200, saved.text
    shown = (await client.get(f"/v1/messages/{ack.id}")).json()
    assert shown["rendering"] == "as_sent" and shown["content_note"].startswith("The words as sent on")
    assert shown["subject"].startswith("We received your referral for Maria L.")
    assert "Dear Dr. Anna Reyes," in shown["body"] and "Entirely new words" not in shown["body"]
    [mailed] = [r for r in smtp_sink.snapshot() if r.message_id == f"<{ack.id}@refloop.local>"]
    assert mailed.subject == shown["subject"]

    # Sealed at rest like the patient block: the column holds no readable words.
    async with connection_engine.connect() as conn:
        raw = (
            await conn.execute(
                text("SELECT sent_subject, sent_body FROM outbox_messages WHERE id = :id"), {"id": ack.id}
            )
        ).one()
    assert "Maria" not in raw.sent_subject and "Anna" not in raw.sent_body and raw.sent_body.startswith("dev1$")

    # A role that may not read patient data gets a preview with placeholders, never the sealed words.
    hidden = (await (await client_for("liaison")).get(f"/v1/messages/{ack.id}")).json()
    assert hidden["rendering"] == "preview" and "Maria" not in hidden["subject"] + hidden["body"]
    assert "patient details replaced" in hidden["content_note"]
    reads = (await client.get("/v1/audit-events", params={"entity_id": str(ack.id), "limit": 50})).json()["items"]
    assert {("as_sent", "shown"), ("preview", "hidden")} <= {
        (e["detail"].get("rendering"), e["detail"].get("patient_data")) for e in reads if e["action"] == "message.read"
    }
