"""Finding a referral from the search box, and working it on its page: contact attempts, notes,
request-info checklists, assignment, reopening, appointments that have not started, phone numbers."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from domain.audit.models import AuditEvent
from domain.outreach.compose import compose
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Appointment, Referral
from domain.referrals.reindex import reindex_batch
from domain.shared.clock import utcnow
from tests.factories import make_provider, make_referral, valid_npi
from tests.fhir_examples import FHIR_JSON, outcome_text
from tests.principals import make_partner_organization, make_user
from tests.test_outreach_messages import queued, refer, referrer


async def found(client, q: str) -> dict[str, list[str]]:
    response = await client.get("/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return {hit["referral"]["id"]: hit["matched"] for hit in response.json()["items"]}


def letters() -> str:
    """A unique tail for a surname (names have no digits, and the search reads digits as something else)."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])


def patient(family: str, **extra) -> dict:
    return {"given_name": "Maria", "family_name": family, "birth_date": "1968-04-12", **extra}


async def test_surname_search_ignores_case_and_accents(client, session):
    tag = letters()
    nunez = await make_referral(session, patient=patient(f"Núñez-García{tag}"))
    other = await make_referral(session, patient=patient(f"Nunes{tag}"))
    for typed in (f"nunez garcia{tag}", f"NÚÑEZ-GARCÍA{tag}", f"Nunez-Garcia{tag}"):
        assert await found(client, typed) == {str(nunez.id): ["surname"]}
    assert str(other.id) in await found(client, f"nunes{tag}")


async def test_surname_with_birth_date_narrows_to_that_patient(client, session):
    tag = letters()
    mine = await make_referral(session, patient=patient(f"Jones{tag}"))
    await make_referral(session, patient=patient(f"Jones{tag}", birth_date="1971-01-30"))
    assert await found(client, f"jones{tag} 1968-04-12") == {str(mine.id): ["surname_birth_date"]}
    assert await found(client, f"Jones{tag}, 4/12/1968") == {str(mine.id): ["surname_birth_date"]}
    assert await found(client, f"jones{tag} 1968-04-13") == {}
    assert len(await found(client, f"jones{tag}")) == 2


async def test_mrn_phone_id_and_reference_each_find_the_referral(client, session):
    mrn = f"MRN-{uuid.uuid4().hex[:8]}"
    referral = await make_referral(session, patient=patient("Okafor", mrn=mrn, phone="+1 (217) 555-0142"))
    assert await found(client, mrn.lower()) == {str(referral.id): ["mrn"]}
    assert str(referral.id) in await found(client, "217.555.0142")
    assert "phone" in (await found(client, "(217) 555-0142"))[str(referral.id)]
    assert await found(client, str(referral.id)) == {str(referral.id): ["referral_id"]}
    reference = "R-" + referral.id.hex[-8:].upper()
    assert await found(client, reference) == {str(referral.id): ["reference"]}


async def test_referrer_name_and_npi_find_their_referrals(client, session):
    npi = valid_npi()
    family = f"Castellano{letters()}"
    provider = await make_provider(session, family_name=family, npi=npi)
    referral = await make_referral(session, referring_provider_id=str(provider.id))
    hits = (await client.get("/v1/search", params={"q": npi})).json()["items"]
    assert [h["referral"]["id"] for h in hits] == [str(referral.id)]
    assert hits[0]["matched"] == ["referrer_npi"] and family in hits[0]["referrer_name"]
    assert (await found(client, f"alice {family[:6]}"))[str(referral.id)] == ["referrer_name"]


async def test_rows_written_before_the_indexes_are_found_after_reindex(client, session):
    family = f"Legacy{letters()}"
    referral = await make_referral(session, patient=patient(family))
    await session.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(patient_surname_index=None, patient_surname_dob_index=None, patient_phone_index=None)
    )
    assert await found(client, family) == {}
    after = None
    while True:
        _, after = await reindex_batch(session, after=after, batch_size=500, only_missing=True)
        if after is None:
            break
    assert await found(client, family) == {str(referral.id): ["surname"]}
    stored = (await session.execute(select(Referral.patient_surname_index).where(Referral.id == referral.id))).scalar()
    assert len(stored) == 64 and family.lower() not in stored  # a keyed hash, not the name


async def test_search_respects_partner_isolation_and_refuses_analysts(client, client_for, session):
    mine, theirs = await make_partner_organization(session), await make_partner_organization(session)
    own = await make_referral(session, referring_organization_id=str(mine.id), patient=patient("Isola", mrn="ISO-1"))
    await make_referral(session, referring_organization_id=str(theirs.id), patient=patient("Isola", mrn="ISO-2"))
    partner = await client_for("partner", organization_id=mine.id)
    assert await found(partner, "ISO-2") == {}
    assert set(await found(partner, "isola")) == {str(own.id)}
    analyst = await client_for("analyst")
    assert (await analyst.get("/v1/search", params={"q": "isola"})).status_code == 403


async def test_search_is_audited_with_the_ids_shown_and_never_the_words_typed(client, session):
    family = f"Audited{letters()}"
    referral = await make_referral(session, patient=patient(family))
    assert await found(client, family)
    events = list(
        (
            await session.execute(
                select(AuditEvent).where(AuditEvent.detail["operation"].astext == "search-search_referrals")
            )
        ).scalars()
    )
    listed = [e for e in events if e.action == "referral.search" and str(referral.id) in e.detail.get("ids", [])]
    assert listed and listed[-1].detail["matched"] == ["surname"]
    assert all(family.lower() not in str(e.detail).lower() for e in events)


async def test_board_counts_equal_the_list_totals_under_the_same_filters(client, session):
    line = f"counts-{uuid.uuid4().hex[:6]}"
    for status in (S.received, S.received, S.accepted, S.declined, S.scheduled):
        await make_referral(session, status=status, service_line=line)
    response = await client.get("/v1/referral-counts", params={"service_line": line})
    assert response.status_code == 200, response.text
    body = response.json()
    for status in S:
        listed = (
            await client.get("/v1/referrals", params={"service_line": line, "status": status.value, "limit": 200})
        ).json()["items"]
        assert body["counts"][status.value] == len(listed)
    assert body["total"] == 5 and body["counts"]["received"] == 2


async def test_table_sorts_by_service_line_across_pages(client, session):
    queue = f"sort-{uuid.uuid4().hex[:6]}"
    for line in ("urology", "cardiology", "neurology"):
        await make_referral(session, service_line=line, queue=queue)
    seen = []
    params = {"queue": queue, "sort": "-service_line", "limit": 2}
    while True:
        page = (await client.get("/v1/referrals", params=params)).json()
        seen += [r["service_line"] for r in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ["urology", "neurology", "cardiology"]


async def test_contact_attempt_records_channel_outcome_and_note(client, session):
    referral = await make_referral(session)
    url = f"/v1/referrals/{referral.id}/contact-attempts"
    made = await client.post(url, json={"channel": "phone", "outcome": "voicemail", "note": "Left callback number"})
    assert made.status_code == 201, made.text
    assert made.json()["detail"] == {"channel": "phone", "outcome": "voicemail", "reached": False}
    assert made.json()["note"] == "Left callback number"
    contradiction = await client.post(url, json={"channel": "sms", "outcome": "reached", "reached": False})
    assert contradiction.status_code == 422
    nothing = await client.post(url, json={"channel": "letter"})
    assert nothing.status_code == 422 and "outcome" in nothing.text
    assert (await client.get(f"/v1/referrals/{referral.id}")).json()["first_contact_at"] is not None


async def test_free_standing_note_lands_on_the_timeline(client, client_for, session):
    referral = await make_referral(session)
    clinician = await client_for("clinician")
    made = await clinician.post(f"/v1/referrals/{referral.id}/notes", json={"text": "Prefers mornings"})
    assert made.status_code == 201, made.text
    events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    assert [(e["kind"], e["note"]) for e in events][-1] == ("note", "Prefers mornings")
    assert (await clinician.post(f"/v1/referrals/{referral.id}/notes", json={"text": "  "})).status_code == 422
    analyst = await client_for("analyst")
    assert (await analyst.post(f"/v1/referrals/{referral.id}/notes", json={"text": "x"})).status_code == 403


async def test_request_info_checklist_is_listed_in_the_referrers_message(client, session):
    referral = await refer(session, await referrer(session))
    moved = await client.post(
        f"/v1/referrals/{referral.id}/transitions",
        json={
            "to": "needs_info",
            "missing_items": ["Recent ECG tracing", "Insurance card (front and back)"],
            "note": "internal: call the office if nothing by Friday",
        },
    )
    assert moved.status_code == 200, moved.text
    [message] = await queued(session, referral.id, "status_needs_info")
    body = (await compose(session, message)).content.body
    assert "  - Recent ECG tracing\n  - Insurance card (front and back)" in body
    assert "internal" not in body
    events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    assert events[-1]["missing_items"] == ["Recent ECG tracing", "Insurance card (front and back)"]


async def test_checklist_goes_only_with_a_request_for_info(client, session):
    referral = await make_referral(session)
    response = await client.post(
        f"/v1/referrals/{referral.id}/transitions", json={"to": "accepted", "missing_items": ["Lab results"]}
    )
    assert response.status_code == 422 and "needs_info" in response.text


async def test_intake_lists_assignable_colleagues_and_reassigns(client, client_for, session):
    colleague = await make_user(session, role="clinician", queue="cardiology-intake")
    gone = await make_user(session, role="intake", active=False)
    analyst = await make_user(session, role="analyst")
    intake = await client_for("intake")
    response = await intake.get("/v1/colleagues")
    assert response.status_code == 200, response.text
    ids = {u["id"] for u in response.json()["items"]}
    assert str(colleague.id) in ids and str(gone.id) not in ids and str(analyst.id) not in ids
    assert "cardiology-intake" in response.json()["queues"]
    assert "email" not in response.json()["items"][0]
    assert (await (await client_for("analyst")).get("/v1/colleagues")).status_code == 403

    referral = await make_referral(session)
    moved = await intake.patch(
        f"/v1/referrals/{referral.id}",
        json={"assignee_id": str(colleague.id)},
        headers={"If-Match": f'"{referral.version}"'},
    )
    assert moved.status_code == 200, moved.text
    refused = await intake.patch(
        f"/v1/referrals/{referral.id}",
        json={"assignee_id": str(analyst.id)},
        headers={"If-Match": f'"{moved.json()["version"]}"'},
    )
    assert refused.status_code == 422 and "assignee_id" in refused.text
    events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    assert events[-1]["kind"] == "assigned" and events[-1]["detail"]["assignee_id"] == str(colleague.id)


@pytest.mark.parametrize("status", [S.declined, S.cancelled])
async def test_a_declined_or_cancelled_referral_can_be_reopened_with_a_reason(client, session, status):
    referral = await make_referral(session, status=status)
    url = f"/v1/referrals/{referral.id}/transitions"
    no_reason = await client.post(url, json={"to": "received"})
    assert no_reason.status_code == 422 and "decided_in_error" in no_reason.text
    reopened = await client.post(
        url, json={"to": "received", "reason": "decided_in_error", "note": "Wrong patient declined"}
    )
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["status"], body["status_reason"], body[f"{status.value}_at"]) == ("received", "decided_in_error", None)
    last = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"][-1]
    assert (last["from_status"], last["to_status"], last["note"]) == (
        status.value,
        "received",
        "Wrong patient declined",
    )
    assert (await client.post(url, json={"to": "accepted"})).status_code == 200


async def test_a_closed_referral_cannot_be_reopened(client, session):
    referral = await make_referral(session, status=S.closed)
    response = await client.post(f"/v1/referrals/{referral.id}/transitions", json={"to": "received", "reason": "other"})
    assert response.status_code == 409


async def book(client, referral, start) -> dict:
    response = await client.post("/v1/appointments", json={"referral_id": str(referral.id), "start": start.isoformat()})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("to", ["fulfilled", "noshow"])
async def test_an_appointment_cannot_be_seen_or_missed_before_it_starts(client, session, to):
    referral = await make_referral(session, status=S.accepted)
    start = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    appointment = await book(client, referral, start)
    early = await client.patch(
        f"/v1/appointments/{appointment['id']}",
        json={"status": to},
        headers={"If-Match": f'"{appointment["version"]}"'},
    )
    assert early.status_code == 409
    assert start.isoformat().replace("+00:00", "Z") in early.json()["detail"]
    assert (await client.get(f"/v1/referrals/{referral.id}")).json()["status"] == "scheduled"


async def test_an_appointment_that_has_started_can_be_marked_seen(client, session):
    referral = await make_referral(session, status=S.accepted)
    appointment = await book(client, referral, utcnow() - timedelta(minutes=5))
    seen = await client.patch(
        f"/v1/appointments/{appointment['id']}",
        json={"status": "fulfilled"},
        headers={"If-Match": f'"{appointment["version"]}"'},
    )
    assert seen.status_code == 200, seen.text


async def test_fhir_appointment_fulfilled_before_its_start_is_refused(client, session):
    referral = await make_referral(session, status=S.accepted)
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    booked = (
        await client.post(
            "/fhir/R4/Appointment",
            headers=FHIR_JSON,
            json={
                "resourceType": "Appointment",
                "status": "booked",
                "start": start.isoformat(),
                "basedOn": [{"reference": f"ServiceRequest/{referral.id}"}],
                "participant": [{"actor": {"display": "Dr Heart"}, "status": "accepted"}],
            },
        )
    ).json()
    early = await client.put(
        f"/fhir/R4/Appointment/{booked['id']}", json=dict(booked, status="fulfilled"), headers=FHIR_JSON
    )
    assert early.status_code == 409
    assert early.json()["resourceType"] == "OperationOutcome"
    assert start.isoformat().replace("+00:00", "Z") in outcome_text(early.json())
    row = (await session.execute(select(Appointment.status).where(Appointment.id == uuid.UUID(booked["id"])))).scalar()
    assert row == "booked"


@pytest.mark.parametrize(
    "path,body,field",
    [
        (
            "/v1/referrals",
            {
                "patient": {
                    "given_name": "A",
                    "family_name": "B",
                    "birth_date": "1980-01-01",
                    "phone": "call me maybe",
                },
                "service_line": "cardiology",
                "referral_source": "physician",
            },
            "body.patient.phone",
        ),
        (
            "/v1/providers",
            {"given_name": "A", "family_name": "B", "contact_points": [{"system": "phone", "value": "call me maybe"}]},
            "body.contact_points.0",
        ),
        (
            "/v1/organizations",
            {"name": "Clinic", "kind": "practice", "contact_points": [{"system": "fax", "value": "call me maybe"}]},
            "body.contact_points.0",
        ),
    ],
)
async def test_a_phone_that_is_not_a_number_is_refused_naming_field_and_value(client, path, body, field):
    response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and "'call me maybe'" in e["message"] for e in errors), errors


async def test_office_staff_phone_is_normalised_or_refused(client, session):
    provider = await make_provider(session)
    url = f"/v1/providers/{provider.id}/staff"
    bad = await client.post(url, json={"name": "Tom", "role": "referral_coordinator", "phone": "12"})
    assert bad.status_code == 422 and "'12'" in bad.text
    good = await client.post(url, json={"name": "Tom", "role": "referral_coordinator", "phone": "(217) 555-0199 x12"})
    assert good.status_code == 201, good.text
    assert good.json()["phone"] == "+12175550199 ext. 12"


async def test_patient_phone_is_stored_in_e164_and_found_in_any_spelling(client):
    response = await client.post(
        "/v1/referrals",
        json={
            "patient": {
                "given_name": "Lea",
                "family_name": "Brandt",
                "birth_date": "1990-05-06",
                "phone": "217 555 0177",
            },
            "service_line": "cardiology",
            "referral_source": "physician",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["patient"]["phone"] == "+12175550177"
    assert response.json()["id"] in await found(client, "+1-217-555-0177")


@pytest.mark.parametrize(
    "path,params",
    [
        ("/v1/search", {"q": "ab\x00cd"}),
        ("/v1/referral-counts", {"service_line": "card\x00iology"}),
        ("/v1/referrals", {"queue": "intake\x00"}),
    ],
)
async def test_a_nul_character_in_a_filter_is_a_422_not_a_failed_query(client, path, params):
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
