"""Every read and write of patient data leaves an audit event; the log itself cannot be changed."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.factories import make_referral, referral_payload


async def _events(client, **filters):
    response = await client.get("/v1/audit-events", params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_each_referral_route_leaves_its_event_with_who_what_and_where(client, session, admin_user):
    created = await client.post("/v1/referrals", json=referral_payload(), headers={"X-Request-Id": "req-create-1"})
    assert created.status_code == 201
    rid = created.json()["id"]
    version = created.json()["version"]
    calls = [
        ("referral.read", lambda: client.get(f"/v1/referrals/{rid}")),
        (
            "referral.update",
            lambda: client.patch(
                f"/v1/referrals/{rid}", json={"queue": "cardiology"}, headers={"If-Match": f'"{version}"'}
            ),
        ),
        ("referral.transition", lambda: client.post(f"/v1/referrals/{rid}/transitions", json={"to": "accepted"})),
        (
            "referral.contact_attempt",
            lambda: client.post(f"/v1/referrals/{rid}/contact-attempts", json={"channel": "phone", "reached": True}),
        ),
        ("referral.events", lambda: client.get(f"/v1/referrals/{rid}/events")),
    ]
    for _, call in calls:
        assert (await call()).status_code in (200, 201)
    events = await _events(client, entity_type="referral", entity_id=rid)
    actions = [e["action"] for e in events]
    for action in ["referral.create"] + [a for a, _ in calls]:
        assert action in actions, (action, actions)
    create = next(e for e in events if e["action"] == "referral.create")
    assert create["actor"] == f"user:{admin_user.id}" and create["actor_kind"] == "user"
    assert create["request_id"] == "req-create-1" and create["client_address"] == "127.0.0.1"
    assert create["outcome"] == "success"
    # Nothing about the patient is copied into the log.
    assert "Maria" not in str(events) and "MRN" not in str(events)


async def test_revealing_the_patient_block_is_its_own_audit_action(client, session):
    referral = await make_referral(session)
    await client.get(f"/v1/referrals/{referral.id}")
    assert (await client.get(f"/v1/referrals/{referral.id}", params={"reveal": "true"})).status_code == 200
    actions = [e["action"] for e in await _events(client, entity_type="referral", entity_id=str(referral.id))]
    assert actions.count("referral.reveal") == 1 and actions.count("referral.read") == 1


async def test_changes_to_message_settings_are_on_the_record(client, session):
    from tests.factories import make_organization

    organization = await make_organization(session)
    saved = await client.post(
        "/v1/templates",
        json={"kind": "acknowledgement", "channel": "email", "subject": "Referral received", "body": "Thank you."},
    )
    assert saved.status_code == 200, saved.text
    assert (await client.delete("/v1/templates/acknowledgement/email")).status_code == 200
    endpoint = await client.post(
        "/v1/webhook-endpoints", json={"organization_id": str(organization.id), "url": "https://partner.example/hooks"}
    )
    assert endpoint.status_code == 201, endpoint.text
    actions = {e["action"] for e in await _events(client)}
    assert {"template.save", "template.reset", "webhook_endpoint.create"} <= actions
    assert "Thank you." not in str(await _events(client, entity_type="template"))


async def test_a_list_call_is_one_event_naming_the_ids_it_returned(client, session):
    made = [await make_referral(session, service_line="audit-list-line") for _ in range(3)]
    await client.get("/v1/referrals", params={"service_line": "audit-list-line"})
    events = await _events(client, action="referral.list")
    mine = [e for e in events if set(e["detail"].get("ids", [])) == {str(r.id) for r in made}]
    assert len(mine) == 1 and mine[0]["detail"]["count"] == 3


async def test_refused_and_missing_reads_are_on_the_record_too(client, client_for, session):
    referral = await make_referral(session)
    analyst = await client_for("analyst")
    assert (await analyst.get(f"/v1/referrals/{referral.id}")).status_code == 403
    missing = "00000000-0000-4000-8000-00000000a0d1"
    assert (await client.get(f"/v1/referrals/{missing}")).status_code == 404
    denied = await _events(client, entity_id=str(referral.id), outcome="denied")
    assert [(e["action"], e["actor_kind"], e["status"]) for e in denied] == [("referral.read", "user", 403)]
    not_found = await _events(client, entity_id=missing)
    assert [(e["action"], e["outcome"]) for e in not_found] == [("referral.read", "not_found")]


async def test_appointment_user_and_key_routes_are_audited(client, session):
    referral = await make_referral(session, status="accepted")
    booked = await client.post(
        "/v1/appointments", json={"referral_id": str(referral.id), "start": "2030-01-02T09:00:00Z"}
    )
    assert booked.status_code == 201
    aid = booked.json()["id"]
    await client.get(f"/v1/appointments/{aid}")
    assert {e["action"] for e in await _events(client, entity_id=aid)} >= {"appointment.read"}
    assert "appointment.create" in {e["action"] for e in await _events(client, entity_type="appointment")}
    user = await client.post(
        "/v1/users",
        json={"email": "audited@clinic.example", "full_name": "A", "role": "intake", "password": "long enough secret"},
    )
    assert [e["action"] for e in await _events(client, entity_id=user.json()["id"])] == ["user.create"]


async def test_audit_log_filters_and_pages(client, session):
    referral = await make_referral(session)
    for _ in range(3):
        await client.get(f"/v1/referrals/{referral.id}")
    first = (await client.get("/v1/audit-events", params={"entity_id": str(referral.id), "limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = (
        await client.get(
            "/v1/audit-events", params={"entity_id": str(referral.id), "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert await _events(client, entity_id=str(referral.id), **{"from": "2999-01-01T00:00:00Z"}) == []


async def test_only_admins_read_the_audit_log(client_for):
    for role in ("intake", "analyst", "clinician"):
        assert (await (await client_for(role)).get("/v1/audit-events")).status_code == 403


@pytest.mark.parametrize(
    "statement",
    [
        "update audit_events set actor = 'someone-else'",
        "delete from audit_events",
        "truncate audit_events",
    ],
)
async def test_the_database_refuses_to_change_or_remove_audit_events(client, session, statement):
    await client.get("/v1/referrals")  # at least one row to act on
    savepoint = await session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        await session.execute(text(statement))
    await savepoint.rollback()
