"""Task and Appointment: what an EHR polls to see its referral move, and how its Appointments move it."""

import pytest

from domain.referrals.enums import ReferralStatus as S
from tests.factories import make_referral
from tests.fhir_examples import FHIR_JSON, assert_valid_r4, expressions, outcome_text, service_request

EXPECTED_TASK = {
    S.received: ("received", None),
    S.needs_info: ("on-hold", None),
    S.accepted: ("accepted", None),
    S.scheduled: ("in-progress", "scheduled"),
    S.completed: ("in-progress", "seen"),
    S.closed: ("completed", "report-sent"),
    S.declined: ("rejected", None),
    S.cancelled: ("cancelled", None),
}


def appointment(based_on: str, status: str = "booked", **extra) -> dict:
    return {
        "resourceType": "Appointment",
        "status": status,
        "start": "2026-12-01T09:00:00Z",
        "end": "2026-12-01T09:30:00Z",
        "basedOn": [{"reference": based_on}],
        "participant": [{"actor": {"display": "Dr Heart"}, "status": "accepted"}],
        **extra,
    }


async def referral_via_fhir(client) -> str:
    response = await client.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def task_of(client, referral_id) -> dict:
    response = await client.get(f"/fhir/R4/Task/{referral_id}")
    assert response.status_code == 200, response.text
    assert_valid_r4(response.json())
    return response.json()


@pytest.mark.parametrize("status", list(S))
async def test_each_referral_status_shows_as_a_360x_task(client, session, status):
    referral = await make_referral(session, status=status)
    task = await task_of(client, referral.id)
    expected_status, expected_business = EXPECTED_TASK[status]
    assert task["status"] == expected_status
    assert (task.get("businessStatus") or {}).get("coding", [{}])[0].get("code") == expected_business
    assert task["focus"]["reference"] == f"ServiceRequest/{referral.id}"
    if status in (S.declined, S.cancelled):
        assert task["statusReason"]["coding"][0]["code"] == referral.status_reason


async def test_appointments_move_the_referral_and_its_task(client):
    referral_id = await referral_via_fhir(client)
    booked = await client.post(
        "/fhir/R4/Appointment", json=appointment(f"ServiceRequest/{referral_id}"), headers=FHIR_JSON
    )
    assert booked.status_code == 201, booked.text
    assert_valid_r4(booked.json())
    assert (await client.get(f"/v1/referrals/{referral_id}")).json()["status"] == "scheduled"
    assert (await task_of(client, referral_id))["businessStatus"]["coding"][0]["code"] == "scheduled"

    no_show = dict(booked.json(), status="noshow")
    moved = await client.put(f"/fhir/R4/Appointment/{no_show['id']}", json=no_show, headers=FHIR_JSON)
    assert moved.status_code == 200, moved.text
    referral = (await client.get(f"/v1/referrals/{referral_id}")).json()
    assert (referral["status"], referral["no_show_count"]) == ("accepted", 1)  # back to scheduling
    assert (await task_of(client, referral_id))["status"] == "accepted"

    # Some 360X senders point the Appointment at the referral's Task rather than the ServiceRequest.
    second = await client.post("/fhir/R4/Appointment", json=appointment(f"Task/{referral_id}"), headers=FHIR_JSON)
    assert second.status_code == 201, second.text
    fulfilled = dict(second.json(), status="fulfilled")
    done = await client.put(
        f"/fhir/R4/Appointment/{fulfilled['id']}",
        json=fulfilled,
        headers={**FHIR_JSON, "If-Match": second.headers["etag"]},
    )
    assert done.status_code == 200, done.text
    assert (await client.get(f"/v1/referrals/{referral_id}")).json()["status"] == "completed"
    task = await task_of(client, referral_id)
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == ("in-progress", "seen")

    found = (await client.get("/fhir/R4/Appointment", params={"based-on": f"ServiceRequest/{referral_id}"})).json()
    assert_valid_r4(found)
    assert {e["resource"]["status"] for e in found["entry"]} == {"noshow", "fulfilled"}
    only = (
        await client.get(
            "/fhir/R4/Appointment", params={"based-on": f"ServiceRequest/{referral_id}", "status": "noshow"}
        )
    ).json()
    assert [e["resource"]["id"] for e in only["entry"]] == [booked.json()["id"]]
    read = (await client.get(f"/fhir/R4/Appointment/{booked.json()['id']}")).json()
    assert_valid_r4(read)
    assert read["status"] == "noshow"


async def test_cancelled_appointment_sends_the_referral_back_to_scheduling(client):
    referral_id = await referral_via_fhir(client)
    booked = (
        await client.post("/fhir/R4/Appointment", json=appointment(f"ServiceRequest/{referral_id}"), headers=FHIR_JSON)
    ).json()
    cancelled = dict(booked, status="cancelled", cancelationReason={"text": "Patient asked to move it"})
    response = await client.put(f"/fhir/R4/Appointment/{booked['id']}", json=cancelled, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    assert (await client.get(f"/v1/referrals/{referral_id}")).json()["status"] == "accepted"


async def test_appointment_refusals_name_what_is_wrong(client):
    referral_id = await referral_via_fhir(client)
    unknown = await client.post(
        "/fhir/R4/Appointment",
        json=appointment("ServiceRequest/8a1c5a52-0000-4000-8000-000000000000"),
        headers=FHIR_JSON,
    )
    assert unknown.status_code == 422 and expressions(unknown.json()) == ["Appointment.basedOn[0]"]
    proposed = await client.post(
        "/fhir/R4/Appointment", json=appointment(f"ServiceRequest/{referral_id}", "proposed"), headers=FHIR_JSON
    )
    assert proposed.status_code == 422 and expressions(proposed.json()) == ["Appointment.status"]
    contradiction = appointment(f"ServiceRequest/{referral_id}")
    contradiction["basedOn"][0]["type"] = "CarePlan"
    wrong_type = await client.post("/fhir/R4/Appointment", json=contradiction, headers=FHIR_JSON)
    assert wrong_type.status_code == 422 and expressions(wrong_type.json()) == ["Appointment.basedOn[0].type"]
    booked = (
        await client.post("/fhir/R4/Appointment", json=appointment(f"ServiceRequest/{referral_id}"), headers=FHIR_JSON)
    ).json()
    stale = await client.put(
        f"/fhir/R4/Appointment/{booked['id']}",
        json=dict(booked, status="fulfilled"),
        headers={**FHIR_JSON, "If-Match": 'W/"99"'},
    )
    assert stale.status_code == 412 and outcome_text(stale.json())
    finished = await client.put(
        f"/fhir/R4/Appointment/{booked['id']}", json=dict(booked, status="fulfilled"), headers=FHIR_JSON
    )
    assert finished.status_code == 200
    reopened = await client.put(
        f"/fhir/R4/Appointment/{booked['id']}", json=dict(booked, status="booked"), headers=FHIR_JSON
    )
    assert reopened.status_code == 409 and "fulfilled" in outcome_text(reopened.json())


async def test_tasks_are_searchable_by_based_on_status_and_last_updated(client, session):
    referral_id = await referral_via_fhir(client)
    declined = await make_referral(session, status=S.declined)

    async def ids(**params):
        response = await client.get("/fhir/R4/Task", params=params)
        assert response.status_code == 200, response.text
        assert_valid_r4(response.json())
        return {e["resource"]["id"] for e in response.json().get("entry", [])}

    assert await ids(**{"based-on": f"ServiceRequest/{referral_id}"}) == {referral_id}
    assert await ids(**{"based-on": f"ServiceRequest/{referral_id}", "status": "rejected"}) == set()
    assert str(declined.id) in await ids(status="rejected")
    assert referral_id not in await ids(status="rejected,cancelled")
    assert referral_id in await ids(_lastUpdated="ge2020-01-01", status="received")
    assert await ids(_lastUpdated="le2001-01-01") == set()


async def test_a_task_about_something_else_is_refused(client):
    task = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "focus": {"reference": "MedicationRequest/1"},
    }
    response = await client.post("/fhir/R4/Task", json=task, headers=FHIR_JSON)
    assert response.status_code == 422 and expressions(response.json()) == ["Task.focus"]
    no_focus = await client.post(
        "/fhir/R4/Task", json={"resourceType": "Task", "status": "requested", "intent": "order"}, headers=FHIR_JSON
    )
    assert no_focus.status_code == 422 and expressions(no_focus.json()) == ["Task.focus"]
