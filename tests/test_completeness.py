"""Completeness: rules per service line, needs_info at intake on every channel, the automatic return,
reminders and the decline as incomplete."""

from datetime import timedelta

from sqlalchemy import func, select, update

from domain.journey import completeness
from domain.journey.models import CompletenessRule, InfoRequest
from domain.outreach.context import missing_items
from domain.shared.clock import utcnow
from domain.shared.outbox import OutboxMessage
from tests.factories import make_provider, referral_payload
from tests.fhir_examples import FHIR_JSON, service_request

RULE = {"items": [{"field": "icd10_codes"}, {"field": "payer_name"}], "remind_every_days": 2, "decline_after_days": 5}


async def _rule(client, service_line="cardiology", **body):
    response = await client.put(f"/v1/completeness-rules/{service_line}", json={**RULE, **body})
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_unknown_field_path_is_refused_naming_it_and_nothing_is_saved(client, session):
    body = {"items": [{"field": "reason"}, {"field": "patient.shoe_size"}]}
    response = await client.put("/v1/completeness-rules/cardiology", json=body)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.items.1.field"
    assert "patient.shoe_size" in error["message"] and "icd10_codes" in error["message"]
    for bad in (
        {"items": []},
        {"items": [{"field": "reason", "document": "lab_result"}]},
        {"items": [{"document": "x_ray"}]},
        {"items": [{"reason": "yes"}]},
    ):
        assert (await client.put("/v1/completeness-rules/cardiology", json=bad)).status_code == 422, bad
    assert (await session.execute(select(func.count()).select_from(CompletenessRule))).scalar() == 0


async def test_rules_are_kept_per_service_line_whatever_the_case(client):
    saved = await _rule(client, "Cardiology")
    assert saved["service_line"] == "cardiology" and saved["version"] == 1
    again = await _rule(client, "cardiology", decline_after_days=7)
    assert again["version"] == 2
    assert [r["service_line"] for r in (await client.get("/v1/completeness-rules")).json()] == ["cardiology"]
    assert (await client.delete("/v1/completeness-rules/CARDIOLOGY")).status_code == 204
    assert (await client.get("/v1/completeness-rules/cardiology")).status_code == 404


async def test_an_incomplete_referral_waits_in_needs_info_and_comes_back_when_completed(client, session):
    await _rule(client)
    referrer = await make_provider(session, contact_points=[{"system": "email", "value": "dr@practice.test"}])
    created = await client.post(
        "/v1/referrals", json=referral_payload(icd10_codes=[], payer_name=None, referring_provider_id=str(referrer.id))
    )
    assert created.status_code == 201
    referral = created.json()
    assert referral["status"] == "needs_info"
    detail = (await client.get(f"/v1/referrals/{referral['id']}")).json()
    assert detail["info_request"]["missing"] == ["diagnosis codes (ICD-10)", "insurance payer"]
    assert all(m["paused"] for m in detail["sla"])
    events = (await client.get(f"/v1/referrals/{referral['id']}/events")).json()["items"]
    asked = next(e for e in events if e["to_status"] == "needs_info")
    assert asked["detail"]["missing"] == ["diagnosis codes (ICD-10)", "insurance payer"]
    # The referrer's info request lists the same items.
    assert missing_items(asked["note"]) == ["diagnosis codes (ICD-10)", "insurance payer"]
    kinds = (
        (await session.execute(select(OutboxMessage.kind).where(OutboxMessage.referral_id == referral["id"])))
        .scalars()
        .all()
    )
    assert "status_needs_info" in kinds
    task = (await client.get(f"/fhir/R4/Task/{referral['id']}")).json()
    assert task["status"] == "on-hold"
    assert task["statusReason"]["text"] == "Missing: diagnosis codes (ICD-10), insurance payer"

    half = await client.patch(
        f"/v1/referrals/{referral['id']}",
        json={"icd10_codes": ["I20.9"]},
        headers={"If-Match": f'"{detail["version"]}"'},
    )
    assert half.json()["status"] == "needs_info"
    assert (await client.get(f"/v1/referrals/{referral['id']}")).json()["info_request"]["missing"] == [
        "insurance payer"
    ]
    done = await client.patch(
        f"/v1/referrals/{referral['id']}",
        json={"payer_name": "Aetna"},
        headers={"If-Match": f'"{half.json()["version"]}"'},
    )
    assert done.status_code == 200 and done.json()["status"] == "received"
    detail = (await client.get(f"/v1/referrals/{referral['id']}")).json()
    assert detail["info_request"] is None and not any(m["paused"] for m in detail["sla"])
    events = (await client.get(f"/v1/referrals/{referral['id']}/events")).json()["items"]
    assert [e for e in events if e["kind"] == "transition"][-1]["to_status"] == "received"
    assert (await client.get(f"/fhir/R4/Task/{referral['id']}")).json()["status"] == "received"


async def test_a_complete_referral_and_other_service_lines_go_straight_to_received(client):
    await _rule(client)
    assert (await client.post("/v1/referrals", json=referral_payload())).json()["status"] == "received"
    other = referral_payload(service_line="dermatology", icd10_codes=[])
    assert (await client.post("/v1/referrals", json=other)).json()["status"] == "received"


async def test_a_partner_referral_is_checked_too(client, client_for):
    await _rule(client)
    partner = await client_for("partner", scopes=["referrals:write", "referrals:read"])
    created = await partner.post("/v1/referrals", json=referral_payload(icd10_codes=[]))
    assert created.status_code == 201 and created.json()["status"] == "needs_info"


async def test_a_fhir_referral_is_checked_and_an_updated_service_request_completes_it(client):
    probe = (await client.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)).json()
    line = (await client.get(f"/v1/referrals/{probe['id']}")).json()["service_line"]
    await _rule(client, line, items=[{"field": "payer_name"}])
    resource = service_request(identifier=[{"system": "urn:ehr:orders", "value": "ORD-2"}])
    created = await client.post("/fhir/R4/ServiceRequest", json=resource, headers=FHIR_JSON)
    assert created.status_code == 201
    sr = created.json()
    assert (await client.get(f"/v1/referrals/{sr['id']}")).json()["status"] == "needs_info"
    task = (await client.get(f"/fhir/R4/Task/{sr['id']}")).json()
    assert (task["status"], task["statusReason"]["text"]) == ("on-hold", "Missing: insurance payer")
    coverage = {
        "resourceType": "Coverage",
        "id": "cov",
        "status": "active",
        "beneficiary": {"reference": "#pat"},
        "payor": [{"display": "Medicare Part B"}],
        "type": {"text": "Medicare"},
    }
    updated = dict(sr, contained=[*resource["contained"], coverage], insurance=[{"reference": "#cov"}])
    updated.pop("meta")
    response = await client.put(f"/fhir/R4/ServiceRequest/{sr['id']}", json=updated, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    assert (await client.get(f"/v1/referrals/{sr['id']}")).json()["status"] == "received"
    assert (await client.get(f"/fhir/R4/Task/{sr['id']}")).json()["status"] == "received"


async def test_reminders_follow_and_after_the_deadline_it_is_declined_as_incomplete(client, session):
    await _rule(client)
    referrer = await make_provider(session, contact_points=[{"system": "email", "value": "dr@practice.test"}])
    referral = (
        await client.post(
            "/v1/referrals", json=referral_payload(icd10_codes=[], referring_provider_id=str(referrer.id))
        )
    ).json()
    request = await session.get(InfoRequest, referral["id"])
    assert request.decline_at > request.next_reminder_at > utcnow()
    assert await completeness.sweep(session) == (0, 0)
    await session.execute(update(InfoRequest).values(next_reminder_at=utcnow() - timedelta(minutes=1)))
    assert await completeness.sweep(session) == (1, 0)
    assert await completeness.sweep(session) == (0, 0)
    messages = (
        (
            await session.execute(
                select(OutboxMessage.kind).where(
                    OutboxMessage.referral_id == referral["id"], OutboxMessage.kind == "status_needs_info"
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(messages) == 2  # the ask and one reminder
    await session.execute(
        update(InfoRequest).values(
            next_reminder_at=utcnow() - timedelta(minutes=1), decline_at=utcnow() - timedelta(minutes=1)
        )
    )
    assert await completeness.sweep(session) == (0, 1)
    declined = (await client.get(f"/v1/referrals/{referral['id']}")).json()
    assert (declined["status"], declined["status_reason"]) == ("declined", "incomplete")
    assert declined["info_request"] is None


async def test_a_referral_moved_on_by_hand_gets_no_more_reminders(client, session):
    await _rule(client)
    referral = (await client.post("/v1/referrals", json=referral_payload(icd10_codes=[]))).json()
    await client.post(f"/v1/referrals/{referral['id']}/transitions", json={"to": "accepted"})
    await session.execute(update(InfoRequest).values(next_reminder_at=utcnow() - timedelta(minutes=1)))
    assert await completeness.sweep(session) == (0, 0)
    assert (await session.get(InfoRequest, referral["id"])).resolution == "moved_on"
