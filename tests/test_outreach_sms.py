"""Text messages through the HTTP SMS provider, tested against a local receiver."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.referrals import appointments
from domain.referrals import service as referrals
from domain.referrals.schemas import AppointmentCreate, ReferralCreate
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage
from integrations.sms.sender import sms_settings
from tests.factories import referral_payload
from tests.test_webhooks import Receiver
from workers.burst import drain

pytestmark = pytest.mark.usefixtures("committed")


@pytest.fixture
def sms_provider(monkeypatch):
    receiver = Receiver()
    monkeypatch.setattr(sms_settings(), "provider_url", receiver.url)
    yield receiver
    receiver.close()


async def test_patient_reminder_arrives_by_text_with_the_message_id_as_idempotency_key(sms_provider, arq_redis):
    async with unit_of_work() as session:
        data = ReferralCreate.model_validate(referral_payload())
        referral = (await referrals.create_referral(session, data=data, actor="t")).referral
        start = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
        await appointments.book_appointment(
            session, data=AppointmentCreate(referral_id=referral.id, start=start, location="Suite 4"), actor="t"
        )
    await drain(arq_redis)

    [(headers, body)] = sms_provider.requests
    sent = json.loads(body)
    assert sent["to"] == "+15550102000" and sent["from"] == sms_settings().sender
    assert sent["body"].startswith("Lakeside Specialty Clinic: hi Maria, a reminder of your appointment on ")
    async with unit_of_work() as session:
        [row] = (
            (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.referral_id == referral.id, OutboxMessage.kind == "reminder"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert headers["Idempotency-Key"] == str(row.id) and headers["Authorization"].startswith("Bearer ")
    assert row.status is MessageStatus.sent and row.external_id == "prov-1"


async def test_provider_rejecting_the_number_fails_without_retries(sms_provider, arq_redis):
    sms_provider.statuses = [422]
    async with unit_of_work() as session:
        data = ReferralCreate.model_validate(referral_payload())
        referral = (await referrals.create_referral(session, data=data, actor="t")).referral
        await appointments.book_appointment(
            session, data=AppointmentCreate(referral_id=referral.id, start=utcnow() + timedelta(hours=5)), actor="t"
        )
    await drain(arq_redis)
    async with unit_of_work() as session:
        [row] = (
            (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.referral_id == referral.id, OutboxMessage.kind == "reminder"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert row.status is MessageStatus.failed and row.attempts == 1 and "422" in row.last_error
