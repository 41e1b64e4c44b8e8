"""The directory's to-do list: what is wrong with which record, and the fix for each."""

import csv
from datetime import timedelta

from sqlalchemy import select, text, update

from domain.providers.enums import ProviderStatus
from domain.providers.models import Provider
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage, add_message
from tests.factories import make_provider, valid_npi
from workers.burst import drain


async def _items(client, provider_id) -> dict[str, dict]:
    response = await client.get("/v1/directory/hygiene", params={"limit": 1000})
    assert response.status_code == 200, response.text
    return {i["kind"]: i for i in response.json()["items"] if i["provider_id"] == str(provider_id)}


async def test_each_problem_is_listed_with_its_fix(client, session):
    provider = await make_provider(
        session, npi=None, specialties=[{"code": "207ZZ9999X", "display": "Made up", "primary": True}]
    )
    items = await _items(client, provider.id)
    assert set(items) == {"missing_preferred_contact", "missing_npi", "unknown_taxonomy", "not_verified"}
    assert items["unknown_taxonomy"]["problem"] == "A specialty code is not in the NUCC code set: 207ZZ9999X"
    assert items["missing_npi"]["fix"] == {
        "action": "edit",
        "label": "Add the NPI",
        "href": f"/providers/{provider.id}",
        "api": f"PATCH /v1/providers/{provider.id}",
    }
    counts = (await client.get("/v1/directory/hygiene")).json()["counts"]
    assert counts["missing_npi"] >= 1 and counts["not_verified"] >= 1


async def test_a_clean_record_has_nothing_to_fix_and_goes_stale_after_a_year(client, session):
    provider = await make_provider(session, npi=valid_npi(), preferred_contact_method="fax")
    assert (await client.post(f"/v1/providers/{provider.id}/verify")).status_code == 200
    assert await _items(client, provider.id) == {}
    await session.execute(
        update(Provider).where(Provider.id == provider.id).values(verified_at=utcnow() - timedelta(days=366))
    )
    assert set(await _items(client, provider.id)) == {"not_verified"}


async def test_verify_fixes_the_stale_item(client, session):
    provider = await make_provider(session, npi=valid_npi(), preferred_contact_method="fax")
    assert "not_verified" in await _items(client, provider.id)
    response = await client.post(f"/v1/providers/{provider.id}/verify")
    assert response.status_code == 200 and response.json()["verified_at"] is not None
    assert "not_verified" not in await _items(client, provider.id)
    assert (await client.post("/v1/providers/00000000-0000-0000-0000-000000000000/verify")).status_code == 404


async def test_an_invalid_npi_and_an_inactive_provider_still_in_outreach_are_listed(client, session):
    npi = valid_npi()
    provider = await make_provider(session, npi=npi, preferred_contact_method="fax")
    await session.execute(
        update(Provider)
        .where(Provider.id == provider.id)
        .values(npi=npi[:-1] + str((int(npi[-1]) + 1) % 10), status=ProviderStatus.inactive)
    )
    await add_message(
        session,
        channel="email",
        kind="thank_you",
        recipient_type="provider",
        recipient_id=provider.id,
        idempotency_key=f"hygiene-{provider.id}",
    )
    items = await _items(client, provider.id)
    assert set(items) == {"inactive_outreach"}  # an inactive record's other gaps do not matter any more
    await session.execute(update(Provider).where(Provider.id == provider.id).values(status=ProviderStatus.active))
    assert "invalid_npi" in await _items(client, provider.id)


async def test_only_the_provider_relations_team_sees_the_list(client_for):
    assert (await (await client_for("intake")).get("/v1/directory/hygiene")).status_code == 403
    assert (
        await (await client_for("clinician")).post("/v1/providers/00000000-0000-0000-0000-000000000000/verify")
    ).status_code == 403
    assert (await (await client_for("liaison")).get("/v1/directory/hygiene")).status_code == 200


async def test_a_bounced_email_marks_the_address_bad_and_opens_an_item(smtp_sink, arq_redis, committed):
    async with unit_of_work() as session:
        provider = Provider(
            given_name="Bo",
            family_name="Unce",
            npi=valid_npi(),
            preferred_contact_method="email",
            verified_at=utcnow(),
            contact_points=[
                {"system": "email", "value": "gone@clinic.example"},
                {"system": "phone", "value": "+12175550100"},
            ],
        )
        session.add(provider)
        await session.flush()
        await add_message(
            session,
            channel="email",
            kind="thank_you",
            recipient_type="provider",
            recipient_id=provider.id,
            idempotency_key=f"bounce-{provider.id}",
        )
    smtp_sink.refuse_with = "550 5.1.1 <gone@clinic.example>: mailbox unavailable"
    await drain(arq_redis)
    async with unit_of_work() as session:
        message = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.recipient_id == provider.id))
        ).scalar_one()
        stored = await session.get(Provider, provider.id)
    assert message.status is MessageStatus.failed
    email, phone = stored.contact_points
    assert email["bad"] is True and "refused" in email["bad_reason"] and "bad" not in phone
    async with unit_of_work() as session:
        from domain.providers import hygiene

        items = [i for i in (await hygiene.report(session, limit=1000))["items"] if i["provider_id"] == provider.id]
    assert [i["kind"] for i in items] == ["bad_contact_point"]
    assert items[0]["problem"] == "A contact point bounced or was refused: gone@clinic.example"


async def test_the_nucc_code_table_is_the_shipped_code_set(session):
    from domain.reference import nucc

    stored = set((await session.execute(text("SELECT code FROM nucc_taxonomy_codes"))).scalars())
    with nucc.DATA.open(newline="") as handle:
        shipped = {row["code"] for row in csv.DictReader(handle)}
    assert stored == shipped, "a new NUCC version needs a migration that refills nucc_taxonomy_codes"


async def test_flags_follow_any_writer_even_plain_sql(client, session):
    provider = await make_provider(session, npi=valid_npi(), preferred_contact_method="fax")
    await client.post(f"/v1/providers/{provider.id}/verify")
    await session.execute(
        text(
            "UPDATE providers SET npi = '1234567890', "
            """specialties = '[{"code": "207RC0000X"}, {"code": "NOPE00000X"}]' WHERE id = :id"""
        ).bindparams(id=provider.id)
    )
    items = await _items(client, provider.id)
    assert set(items) == {"invalid_npi", "unknown_taxonomy"}
    assert items["unknown_taxonomy"]["problem"].endswith(": NOPE00000X")
    assert items["invalid_npi"]["problem"].endswith(": 1234567890")
    before = (await client.get("/v1/directory/hygiene")).json()["counts"]
    await session.execute(
        text("""UPDATE providers SET specialties = '[{"code": "207RC0000X"}]' WHERE id = :id""").bindparams(
            id=provider.id
        )
    )
    after = (await client.get("/v1/directory/hygiene")).json()["counts"]
    assert after["unknown_taxonomy"] == before["unknown_taxonomy"] - 1
    assert after["invalid_npi"] == before["invalid_npi"]
