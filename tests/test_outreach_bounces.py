"""A bounced e-mail address is not mailed again until someone marks it good or replaces it."""

import uuid

import pytest
from sqlalchemy import select

from domain.audit.models import AuditEvent
from domain.providers import service as providers
from domain.providers.models import Provider
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from domain.tasks.models import Task
from integrations.email.sender import address_refused
from tests.factories import make_provider, valid_npi
from workers.burst import drain


async def _emailed_provider(given: str, family: str, address: str) -> Provider:
    """A verified provider reached by e-mail at `address`, committed (the worker reads it)."""
    async with unit_of_work() as session:
        provider = Provider(
            given_name=given,
            family_name=family,
            npi=valid_npi(),
            preferred_contact_method="email",
            verified_at=utcnow(),
            contact_points=[{"system": "email", "value": address}],
        )
        session.add(provider)
    return provider


async def _send_thank_you(provider_id: uuid.UUID, n: int, arq_redis) -> OutboxMessage:
    async with unit_of_work() as session:
        await add_message(
            session,
            channel="email",
            kind="thank_you",
            recipient_type="provider",
            recipient_id=provider_id,
            idempotency_key=f"bounce-{provider_id}-{n}",
        )
    await drain(arq_redis)
    async with unit_of_work() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.idempotency_key == f"bounce-{provider_id}-{n}")
        return (await session.execute(stmt)).scalar_one()


async def test_after_a_bounce_the_next_email_is_not_sent_and_staff_get_a_task_until_marked_good(
    smtp_sink, arq_redis, committed
):
    provider = await _emailed_provider("Bo", "Unce", "gone@clinic.example")
    smtp_sink.refuse_with = "550 5.1.1 <gone@clinic.example>: mailbox unavailable"
    assert (await _send_thank_you(provider.id, 1, arq_redis)).status is MessageStatus.failed
    smtp_sink.refuse_with = None

    held = await _send_thank_you(provider.id, 2, arq_redis)
    assert held.status is MessageStatus.failed and held.sent_at is None
    assert held.last_error == f"e-mail address bounced on {utcnow().date().isoformat()}; fix it in the directory"
    assert len(smtp_sink) == 0  # never handed to the mail server
    async with unit_of_work() as session:
        tasks = (await session.execute(select(Task).where(Task.provider_id == provider.id))).scalars().all()
        stored = await session.get(Provider, provider.id)
    assert len(tasks) == 2 and any("bounced on" in (t.description or "") for t in tasks)
    assert "refused" in stored.contact_points[0]["bad_reason"]  # the first bounce's reason stays

    async with unit_of_work() as session:
        await providers.mark_contact_points_good(session, provider_id=provider.id)
    sent = await _send_thank_you(provider.id, 3, arq_redis)
    assert sent.status is MessageStatus.sent
    assert [m.to for m in smtp_sink.snapshot()] == ["gone@clinic.example"]


async def test_a_policy_refusal_fails_the_message_but_leaves_the_address_good(smtp_sink, arq_redis, committed):
    provider = await _emailed_provider("Polly", "Cy", "polly@clinic.example")
    smtp_sink.refuse_with = "554 5.7.1 Rejected by policy"
    refused = await _send_thank_you(provider.id, 1, arq_redis)
    assert refused.status is MessageStatus.failed and "Rejected by policy" in (refused.last_error or "")
    smtp_sink.refuse_with = None
    async with unit_of_work() as session:
        stored = await session.get(Provider, provider.id)
    assert not stored.contact_points[0].get("bad")
    assert (await _send_thank_you(provider.id, 2, arq_redis)).status is MessageStatus.sent


@pytest.mark.parametrize(
    ("code", "reply", "bad_address"),
    [
        (550, "5.1.1 <gone@clinic.example>: mailbox unavailable", True),
        (550, "5.2.1 mailbox disabled", True),
        (553, "5.1.3 bad address syntax", True),
        (550, "mailbox unavailable", True),  # no enhanced code: 550 speaks of the mailbox
        (554, "5.7.1 Rejected", False),
        (552, "5.3.4 message too big", False),
        (554, "transaction failed", False),
    ],
)
def test_only_a_refusal_of_the_address_counts_as_a_bounce(code, reply, bad_address):
    assert address_refused(code, reply) is bad_address


async def _bounced(session) -> Provider:
    provider = await make_provider(session, npi=valid_npi())
    provider.contact_points = [
        {
            "system": "email",
            "value": "gone@clinic.example",
            "bad": True,
            "bad_reason": "550 refused",
            "bad_at": "2026-11-30",
        },
        {"system": "phone", "value": "+12175550100"},
    ]
    await session.flush()
    return provider


async def test_mark_good_clears_the_flag_for_liaisons_and_admins_only_and_is_audited(client_for, session):
    provider = await _bounced(session)
    url = f"/v1/providers/{provider.id}/contact-points/good"
    assert (await (await client_for("intake")).post(url)).status_code == 403
    response = await (await client_for("liaison")).post(url)
    assert response.status_code == 200, response.text
    assert response.json()["contact_points"] == [
        {"system": "email", "value": "gone@clinic.example", "use": None},
        {"system": "phone", "value": "+12175550100", "use": None},
    ]
    assert response.headers["ETag"] == f'"{provider.version + 1}"'
    audited = (
        await session.execute(select(AuditEvent).where(AuditEvent.action == "provider.contact_points_good"))
    ).scalars()
    assert str(provider.id) in {a.entity_id for a in audited}
    hygiene = await (await client_for("admin")).get("/v1/directory/hygiene", params={"limit": 1000})
    assert not [
        i for i in hygiene.json()["items"] if i["provider_id"] == str(provider.id) and i["kind"] == "bad_contact_point"
    ]
    missing = await (await client_for("admin")).post(f"/v1/providers/{uuid.uuid4()}/contact-points/good")
    assert missing.status_code == 404


async def test_saving_the_record_keeps_a_bounce_but_a_new_address_clears_it(client, session):
    provider = await _bounced(session)

    async def save(email: str) -> dict:
        current = (await client.get(f"/v1/providers/{provider.id}")).json()
        body = {"contact_points": [{"system": "email", "value": email}, {"system": "phone", "value": "+12175550101"}]}
        response = await client.patch(
            f"/v1/providers/{provider.id}", json=body, headers={"If-Match": f'"{current["version"]}"'}
        )
        assert response.status_code == 200, response.text
        return {c["value"]: c for c in response.json()["contact_points"]}

    assert (await save("gone@clinic.example"))["gone@clinic.example"]["bad"] is True
    assert "bad" not in (await save("new@clinic.example"))["new@clinic.example"]
