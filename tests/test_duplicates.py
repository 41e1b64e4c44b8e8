"""Duplicate referrals across channels: flagged at intake by the blind indexes, then linked, dismissed or merged."""

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select

from domain.analytics.models import ReferralFact
from domain.journey.models import ReferralClock
from domain.shared.clock import utcnow
from tests.factories import make_organization, referral_payload
from tests.fhir_examples import FHIR_JSON, service_request
from tests.live_server import live_server, staff_headers  # noqa: F401  (fixture)

# The patient the EHR's ServiceRequest (tests.fhir_examples.service_request) carries.
PATIENT = {"given_name": "Maria T", "family_name": "Lopez", "birth_date": "1968-04-12", "sex": "female"}


async def keyed_in_fax(client, *, days_ago: float = 5, **overrides):
    """A faxed referral that staff type in."""
    received_at = (utcnow() - timedelta(days=days_ago)).isoformat()
    body = referral_payload(
        **{"patient": dict(PATIENT), "source_channel": "fax", "received_at": received_at, **overrides}
    )
    response = await client.post("/v1/referrals", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def ehr_push(client, **overrides):
    response = await client.post("/fhir/R4/ServiceRequest", json=service_request(**overrides), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return (await client.get(f"/v1/referrals/{response.json()['id']}")).json()


async def referral(client, referral_id):
    return (await client.get(f"/v1/referrals/{referral_id}")).json()


async def events(client, referral_id):
    return (await client.get(f"/v1/referrals/{referral_id}/events", params={"limit": 100})).json()["items"]


async def test_a_keyed_in_fax_and_an_ehr_push_for_the_same_patient_and_service_line_are_flagged(client):
    fax = await keyed_in_fax(client, days_ago=5)
    assert fax["possible_duplicate"] is False and fax["duplicate_reason"] is None
    pushed = await ehr_push(client)

    assert pushed["possible_duplicate"] is True
    reason = pushed["duplicate_reason"]
    assert "name and birth date" in reason and "cardiology" in reason and "5 days apart" in reason
    assert "fax" in reason and "fhir" in reason and f"R-{fax['id'][-8:]}" in reason
    assert "Lopez" not in reason and "1968" not in reason  # a reason never carries the patient's data
    fax_now = await referral(client, fax["id"])
    assert fax_now["possible_duplicate"] is True and f"R-{pushed['id'][-8:]}" in fax_now["duplicate_reason"]
    assert fax_now["version"] == 2

    pairs = (await client.get(f"/v1/referrals/{fax['id']}/duplicates")).json()
    assert [(p["referral"]["id"], p["status"], p["matched"]) for p in pairs] == [
        (pushed["id"], "open", ["name_birth_date"])
    ]
    flagged = (await client.get("/v1/referrals", params={"duplicates": "flagged"})).json()["items"]
    assert {r["id"] for r in flagged} == {fax["id"], pushed["id"]}
    assert all(r["duplicate_reason"] for r in flagged)
    flagged_events = [e for e in await events(client, fax["id"]) if e["kind"] == "duplicate"]
    assert [(e["detail"]["action"], e["detail"]["other_id"]) for e in flagged_events] == [("flagged", pushed["id"])]


async def test_thirty_one_days_apart_is_not_flagged_thirty_is(client):
    old = await keyed_in_fax(client, days_ago=31)
    pushed = await ehr_push(client)
    assert pushed["possible_duplicate"] is False
    assert (await referral(client, old["id"]))["possible_duplicate"] is False

    recent = await keyed_in_fax(client, days_ago=29.9)
    assert recent["possible_duplicate"] is True  # the fax, keyed in late, finds the EHR push
    assert (await referral(client, pushed["id"]))["possible_duplicate"] is True


async def test_another_service_line_or_another_patient_is_not_flagged(client):
    await keyed_in_fax(client, service_line="orthopedics")
    await keyed_in_fax(client, patient={**PATIENT, "given_name": "Marta"})  # a twin: same surname and birth date
    pushed = await ehr_push(client)
    assert pushed["possible_duplicate"] is False
    assert (await client.get("/v1/referrals", params={"duplicates": "flagged"})).json()["items"] == []


async def test_the_same_mrn_and_surname_with_birth_date_match_when_the_given_name_is_spelled_otherwise(client):
    await keyed_in_fax(client, patient={**PATIENT, "given_name": "Maria", "mrn": "MRN-77"})
    pushed = await ehr_push(client)  # given "Maria T", MRN-77
    assert pushed["possible_duplicate"] is True and "(MRN)" in pushed["duplicate_reason"]


async def test_correcting_a_mistyped_name_reveals_the_duplicate(client):
    pushed = await ehr_push(client)
    typo = await keyed_in_fax(client, patient={**PATIENT, "family_name": "Lopes"})
    assert typo["possible_duplicate"] is False
    fixed = await client.patch(
        f"/v1/referrals/{typo['id']}",
        json={"patient": {"family_name": "Lopez"}},
        headers={"If-Match": f'"{typo["version"]}"'},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["possible_duplicate"] is True
    assert (await referral(client, pushed["id"]))["possible_duplicate"] is True


async def test_the_policy_is_a_setting_same_channel_window_and_off(client):
    policy = (await client.get("/v1/settings/duplicates")).json()
    assert policy == {"enabled": True, "window_days": 30, "same_channel": False, "version": 0}

    await keyed_in_fax(client, days_ago=2)
    second_fax = await keyed_in_fax(client, days_ago=1)
    assert second_fax["possible_duplicate"] is False  # a repeat through the same channel, by default

    saved = await client.put(
        "/v1/settings/duplicates",
        json={"enabled": True, "window_days": 30, "same_channel": True},
        headers={"If-Match": '"0"'},
    )
    assert saved.status_code == 200 and saved.json()["version"] == 1
    third = await keyed_in_fax(client, days_ago=0)
    assert third["possible_duplicate"] is True
    assert len((await client.get(f"/v1/referrals/{third['id']}/duplicates")).json()) == 2
    assert "both through fax" in third["duplicate_reason"]

    stale = await client.put(
        "/v1/settings/duplicates",
        json={"enabled": False, "window_days": 30, "same_channel": True},
        headers={"If-Match": '"0"'},
    )
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    bad = await client.put("/v1/settings/duplicates", json={"enabled": True, "window_days": 0, "same_channel": True})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.window_days"
    off = await client.put("/v1/settings/duplicates", json={"enabled": False, "window_days": 30, "same_channel": True})
    assert off.status_code == 200
    assert (await ehr_push(client))["possible_duplicate"] is False


async def test_a_partner_submission_is_flagged_for_staff_and_the_partner_is_not_told(client, session, client_for):
    organization = await make_organization(session)
    await keyed_in_fax(client)
    partner = await client_for("partner", organization_id=organization.id)
    response = await partner.post("/v1/referrals", json=referral_payload(patient=dict(PATIENT)))
    assert response.status_code == 201, response.text
    # Staff see the flag; the partner never learns of the other referral (maybe another organisation's).
    assert response.json()["possible_duplicate"] is False and response.json()["duplicate_reason"] is None
    assert (await partner.get(f"/v1/referrals/{response.json()['id']}")).json()["duplicate_reason"] is None
    staff_view = await referral(client, response.json()["id"])
    assert staff_view["possible_duplicate"] is True and "partner_api" in staff_view["duplicate_reason"]


async def test_link_keeps_both_as_related_and_dismiss_says_not_a_duplicate(client):
    fax = await keyed_in_fax(client)
    pushed = await ehr_push(client)
    linked = await client.post(f"/v1/referrals/{fax['id']}/duplicates/{pushed['id']}/link")
    assert linked.status_code == 200, linked.text
    assert linked.json()["possible_duplicate"] is False and linked.json()["duplicate_reason"] is None
    assert linked.headers["etag"] == f'"{linked.json()["version"]}"'
    assert (await referral(client, pushed["id"]))["possible_duplicate"] is False
    pair = (await client.get(f"/v1/referrals/{pushed['id']}/duplicates")).json()[0]
    assert (pair["status"], pair["decided_by"] is not None) == ("linked", True)
    assert [e["detail"]["action"] for e in await events(client, pushed["id"]) if e["kind"] == "duplicate"] == [
        "flagged",
        "linked",
    ]

    another = await keyed_in_fax(client, days_ago=3, source_channel="phone")
    assert another["possible_duplicate"] is True
    dismissed = await client.post(f"/v1/referrals/{another['id']}/duplicates/{fax['id']}/dismiss")
    assert dismissed.status_code == 200
    # The phone referral is still paired (open) with the EHR push, so its flag stays, naming that one.
    assert dismissed.json()["possible_duplicate"] is True and pushed["id"][-8:] in dismissed.json()["duplicate_reason"]
    assert (await referral(client, fax["id"]))["possible_duplicate"] is False


async def test_merge_moves_tasks_and_appointments_and_the_survivor_shows_the_merged_history(client, session):
    fax = await keyed_in_fax(client)
    pushed = await ehr_push(client)
    await client.post(f"/v1/referrals/{fax['id']}/notes", json={"text": "Faxed cover sheet says call after 3 pm"})
    task = await client.post(
        "/v1/tasks",
        json={
            "type": "call_patient",
            "title": "Call about the fax",
            "referral_id": fax["id"],
            "due_at": (utcnow() + timedelta(days=1)).isoformat(),
        },
    )
    assert task.status_code == 201, task.text
    appointment = await client.post(
        "/v1/appointments", json={"referral_id": fax["id"], "start": (utcnow() + timedelta(days=7)).isoformat()}
    )
    assert appointment.status_code == 201, appointment.text
    before = await referral(client, pushed["id"])
    fax_before = await referral(client, fax["id"])
    assert fax_before["status"] == "scheduled"  # the booked appointment scheduled it

    merged = await client.post(
        f"/v1/referrals/{pushed['id']}/duplicates/{fax['id']}/merge", headers={"If-Match": f'"{before["version"]}"'}
    )
    assert merged.status_code == 200, merged.text
    survivor = merged.json()
    assert survivor["id"] == pushed["id"] and survivor["possible_duplicate"] is False
    assert survivor["version"] == before["version"] + 1

    gone = await referral(client, fax["id"])
    assert gone["merged_into_id"] == pushed["id"] and gone["merged_at"] is not None
    assert gone["status"] == "scheduled"  # it keeps its own state and history
    clock = await session.get(ReferralClock, uuid.UUID(fax["id"]), populate_existing=True)
    assert clock.is_open is False and clock.next_due_at is None  # off every work queue
    facts = (
        (
            await session.execute(
                select(ReferralFact.referral_id).where(
                    ReferralFact.referral_id.in_([uuid.UUID(fax["id"]), uuid.UUID(pushed["id"])])
                )
            )
        )
        .scalars()
        .all()
    )
    assert facts == [uuid.UUID(pushed["id"])]  # the figures count the patient's referral once
    assert (await client.get(f"/v1/tasks/{task.json()['id']}")).json()["referral_id"] == pushed["id"]
    assert (await client.get(f"/v1/appointments/{appointment.json()['id']}")).json()["referral_id"] == pushed["id"]

    timeline = await events(client, pushed["id"])
    from_fax = [e for e in timeline if e["referral_id"] == fax["id"]]
    assert {e["kind"] for e in from_fax} >= {"created", "note", "duplicate"}
    assert any(e["note"] == "Faxed cover sheet says call after 3 pm" for e in from_fax)
    own = [e["detail"] for e in timeline if e["referral_id"] == pushed["id"] and e["kind"] == "duplicate"]
    assert own[-1] == {
        "action": "merged",
        "other_id": fax["id"],
        "moved": {"tasks": 1, "appointments": 1, "documents": 0},
    }
    kept = await events(client, fax["id"])
    assert kept[-1]["detail"] == {"action": "merged_into", "other_id": pushed["id"]}
    assert any(e["kind"] == "note" for e in kept)

    # The merged referral is left out of lists unless asked for, and changes no more.
    listed = {r["id"] for r in (await client.get("/v1/referrals")).json()["items"]}
    assert fax["id"] not in listed and pushed["id"] in listed
    merged_list = (await client.get("/v1/referrals", params={"duplicates": "merged"})).json()["items"]
    assert [r["id"] for r in merged_list] == [fax["id"]]
    refused = await client.patch(
        f"/v1/referrals/{fax['id']}", json={"urgency": "stat"}, headers={"If-Match": f'"{gone["version"]}"'}
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("referral-merged")
    assert refused.json()["merged_into_id"] == pushed["id"]
    moved = await client.post(f"/v1/referrals/{fax['id']}/transitions", json={"to": "accepted"})
    assert moved.status_code == 409


async def test_bad_merges_are_clear_problems(client):
    fax = await keyed_in_fax(client)
    pushed = await ehr_push(client)
    stranger = (await client.post("/v1/referrals", json=referral_payload())).json()

    itself = await client.post(f"/v1/referrals/{fax['id']}/duplicates/{fax['id']}/merge")
    assert itself.status_code == 422 and itself.headers["content-type"] == "application/problem+json"
    assert itself.json()["errors"][0]["field"] == "path.other_id"
    not_paired = await client.post(f"/v1/referrals/{fax['id']}/duplicates/{stranger['id']}/merge")
    assert not_paired.status_code == 404
    stale = await client.post(
        f"/v1/referrals/{pushed['id']}/duplicates/{fax['id']}/merge", headers={"If-Match": '"99"'}
    )
    assert stale.status_code == 412
    assert (await referral(client, fax["id"]))["merged_into_id"] is None  # nothing half-done

    assert (await client.post(f"/v1/referrals/{pushed['id']}/duplicates/{fax['id']}/merge")).status_code == 200
    into_merged = await client.post(f"/v1/referrals/{pushed['id']}/duplicates/{fax['id']}/merge")
    assert into_merged.status_code == 409 and into_merged.json()["type"].endswith("referral-merged")
    back = await client.post(f"/v1/referrals/{fax['id']}/duplicates/{pushed['id']}/merge")
    assert back.status_code == 409
    link_merged = await client.post(f"/v1/referrals/{fax['id']}/duplicates/{pushed['id']}/link")
    assert link_merged.status_code == 409


async def test_an_analyst_cannot_see_duplicates_and_a_clinician_cannot_merge(client, client_for):
    fax = await keyed_in_fax(client)
    pushed = await ehr_push(client)
    analyst = await client_for("analyst")
    assert (await analyst.get(f"/v1/referrals/{fax['id']}/duplicates")).status_code == 403
    clinician = await client_for("clinician")
    assert (await clinician.get(f"/v1/referrals/{fax['id']}/duplicates")).status_code == 200
    assert (await clinician.post(f"/v1/referrals/{fax['id']}/duplicates/{pushed['id']}/merge")).status_code == 403


async def test_two_concurrent_merges_of_one_pair_do_not_both_win(live_server):
    async with httpx.AsyncClient(base_url=live_server, timeout=30, headers=staff_headers()) as http:
        received_at = (utcnow() - timedelta(days=2)).isoformat()
        fax = (
            await http.post(
                "/v1/referrals",
                json=referral_payload(patient=dict(PATIENT), source_channel="fax", received_at=received_at),
            )
        ).json()
        pushed = (await http.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)).json()
        one, other = await asyncio.gather(
            http.post(f"/v1/referrals/{fax['id']}/duplicates/{pushed['id']}/merge"),
            http.post(f"/v1/referrals/{pushed['id']}/duplicates/{fax['id']}/merge"),
        )
        assert sorted([one.status_code, other.status_code]) == [200, 409], (one.text, other.text)
        winner = (one if one.status_code == 200 else other).json()
        loser_id = pushed["id"] if winner["id"] == fax["id"] else fax["id"]
        assert (await http.get(f"/v1/referrals/{loser_id}")).json()["merged_into_id"] == winner["id"]
        assert (await http.get(f"/v1/referrals/{winner['id']}")).json()["merged_into_id"] is None


async def test_a_transaction_bundle_from_the_ehr_is_flagged_in_its_own_transaction(client):
    from tests.test_fhir_bundles import bundle, directory_entries, referral_entry

    await keyed_in_fax(client, patient={"given_name": "Ada", "family_name": "Okafor", "birth_date": "1990-05-02"})
    response = await client.post(
        "/fhir/R4", json=bundle("transaction", referral_entry("DUP-1"), *directory_entries()), headers=FHIR_JSON
    )
    assert response.status_code == 200, response.text
    created = response.json()["entry"][0]["resource"]["id"]
    flagged = await referral(client, created)
    assert flagged["possible_duplicate"] is True and "through fax and fhir" in flagged["duplicate_reason"]


async def test_each_policy_save_is_audited_with_the_policy_before_it_and_answers_the_saved_one(client, session):
    from domain.audit.models import AuditEvent

    wider = {"enabled": True, "window_days": 45, "same_channel": True}
    first = await client.put("/v1/settings/duplicates", json=wider, headers={"If-Match": '"0"'})
    off = {"enabled": False, "window_days": 45, "same_channel": True}
    second = await client.put("/v1/settings/duplicates", json=off, headers={"If-Match": '"1"'})
    assert (first.json(), second.json()) == ({**wider, "version": 1}, {**off, "version": 2})

    saves = (
        await session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "settings.duplicates_save").order_by(AuditEvent.at)
        )
    ).all()
    default = {"enabled": True, "window_days": 30, "same_channel": False}
    # Beside each request's own entry (method, path), the change: the policy before it and what was asked.
    changes = [(detail["before"], detail["after"]) for detail in saves if "before" in detail]
    assert changes == [(default, wider), (wider, off)], saves
