"""Touchpoints, follow-up tasks, liaison ownership, the relationship timeline, programs and ROI."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.shared.outbox import OutboxMessage
from domain.tasks.models import Task
from tests.history import load, make_referrer, row
from tests.principals import make_user


async def test_a_touchpoint_with_a_follow_up_date_gives_the_liaison_a_task(client_for, session):
    provider, _ = await make_referrer(session, given_name="Ines", family_name="Duarte")
    liaison = await client_for("liaison")
    me = (await liaison.get("/v1/auth/me")).json()
    follow_up = (date.today() + timedelta(days=7)).isoformat()
    response = await liaison.post(
        "/v1/touchpoints",
        json={
            "provider_id": str(provider.id),
            "kind": "lunch_and_learn",
            "notes": "Brought the new heart-failure pathway",
            "outcome": "Wants a referral pad",
            "follow_up_on": follow_up,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["liaison_id"] == me["id"] and body["task_id"]
    task = await session.get(Task, body["task_id"])
    assert str(task.assignee_id) == me["id"] and task.title == "Follow up with Ines Duarte"
    assert task.due_at.date().isoformat() == follow_up and task.type == "follow_up"
    mine = await liaison.get("/v1/touchpoints", params={"provider_id": str(provider.id)})
    assert [t["id"] for t in mine.json()["items"]] == [body["id"]]


async def test_bad_touchpoints_are_refused_plainly(client, session):
    assert (await client.post("/v1/touchpoints", json={"kind": "call"})).status_code == 422
    unknown = await client.post(
        "/v1/touchpoints", json={"kind": "call", "provider_id": "00000000-0000-0000-0000-000000000001"}
    )
    assert unknown.status_code == 422 and "does not exist" in unknown.json()["detail"]
    provider, _ = await make_referrer(session)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    later = await client.post(
        "/v1/touchpoints", json={"kind": "visit", "provider_id": str(provider.id), "occurred_at": future}
    )
    assert later.status_code == 422 and "future" in later.json()["detail"]
    assert (
        await client.post("/v1/touchpoints", json={"kind": "fax", "provider_id": str(provider.id)})
    ).status_code == 422


async def test_admins_assign_territories_and_the_list_filters_by_liaison(client, client_for, session):
    provider, _ = await make_referrer(session)
    other, _ = await make_referrer(session)
    liaison = await make_user(session, role="liaison")
    await load(session, [row(provider.npi, date.today() - timedelta(days=3)), row(other.npi, date.today())])
    assigned = await client.put(f"/v1/referrers/{provider.id}/owner", json={"liaison_id": str(liaison.id)})
    assert assigned.status_code == 204
    intake = await make_user(session, role="intake")
    refused = await client.put(f"/v1/referrers/{other.id}/owner", json={"liaison_id": str(intake.id)})
    assert refused.status_code == 422
    listed = (await client.get("/v1/referrers", params={"liaison_id": str(liaison.id)})).json()["items"]
    assert [(i["provider_id"], i["owner_liaison_name"]) for i in listed] == [(str(provider.id), liaison.full_name)]
    card = (await client.get(f"/v1/referrers/{provider.id}/scorecard")).json()
    assert (card["owner_liaison_id"], card["owner_liaison_name"]) == (str(liaison.id), liaison.full_name)
    as_liaison = await client_for("liaison")
    assert (await as_liaison.put(f"/v1/referrers/{other.id}/owner", json={"liaison_id": None})).status_code == 403


async def test_the_timeline_merges_referrals_touchpoints_and_messages_newest_first(client, session):
    provider, _ = await make_referrer(session)
    now = datetime.now(UTC)
    await load(session, [row(provider.npi, (now - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ"))])
    await client.post(
        "/v1/touchpoints",
        json={"provider_id": str(provider.id), "kind": "call", "occurred_at": (now - timedelta(days=5)).isoformat()},
    )
    for kind, days in (("status_accepted", 8), ("loop_closure", 2)):
        session.add(
            OutboxMessage(
                channel="email",
                kind=kind,
                recipient_type="provider",
                recipient_id=provider.id,
                idempotency_key=f"t-{provider.id}-{kind}",
                created_at=now - timedelta(days=days),
                updated_at=now,
                not_before=now,
            )
        )
    await session.flush()
    first = await client.get(f"/v1/referrers/{provider.id}/timeline", params={"limit": 3})
    assert first.status_code == 200, first.text
    assert [i["kind"] for i in first.json()["items"]] == ["loop_closure", "touchpoint", "message"]
    rest = await client.get(
        f"/v1/referrers/{provider.id}/timeline", params={"limit": 3, "cursor": first.json()["next_cursor"]}
    )
    assert [i["kind"] for i in rest.json()["items"]] == ["referral_received"]
    assert "Silva" not in first.text + rest.text  # no patient field on the timeline


async def test_roi_attributes_each_referral_to_the_last_touchpoint_program(client, session):
    provider, organization = await make_referrer(session)
    lunch = (await client.post("/v1/programs", json={"name": "Lunch-and-learn"})).json()
    q3 = (await client.post("/v1/programs", json={"name": "Q3 cardiology outreach"})).json()
    assert (await client.post("/v1/programs", json={"name": "Lunch-and-learn"})).status_code == 409
    for program, amount in ((lunch, 200), (q3, 1000)):
        cost = await client.post(
            f"/v1/programs/{program['id']}/costs", json={"incurred_on": "2025-03-01", "amount": amount}
        )
        assert cost.status_code == 201
    await client.put(
        "/v1/settings/fee-schedule",
        json={"entries": [{"service_line": "cardiology", "payer_class": "commercial", "amount": 500}]},
    )

    async def touch(when: str, program: dict | None, **whom):
        target = whom or {"provider_id": str(provider.id)}
        response = await client.post(
            "/v1/touchpoints",
            json={**target, "kind": "visit", "occurred_at": when, "program_id": program["id"] if program else None},
        )
        assert response.status_code == 201, response.text

    await touch("2025-02-01T10:00:00Z", lunch)
    await touch("2025-03-10T10:00:00Z", q3, organization_id=str(organization.id))  # the practice, same referrer
    done = {"status": "completed", "appointment_date": "2025-04-01", "completion_date": "2025-04-01"}
    await load(
        session,
        [
            row(provider.npi, "2025-02-20T09:00:00Z", **done),  # last touch: lunch (Feb 1) -> lunch, 500
            row(provider.npi, "2025-03-20T09:00:00Z", **done),  # last touch: q3 (Mar 10, the practice) -> q3, 500
            row(provider.npi, "2025-03-21T09:00:00Z"),  # q3 too, not completed: counted, no revenue
            row(
                provider.npi,
                "2025-07-01T09:00:00Z",
                **{**done, "appointment_date": "2025-07-05", "completion_date": "2025-07-05"},
            ),  # 113 days after: none
        ],
    )
    body = (await client.get("/v1/analytics/roi", params={"from": "2025-01-01", "to": "2025-12-31"})).json()
    got = {p["name"]: p for p in body["programs"]}
    assert (got["Lunch-and-learn"]["attributed_referrals"], got["Lunch-and-learn"]["attributed_revenue"]) == (1, 500)
    assert got["Lunch-and-learn"]["roi"] == pytest.approx((500 - 200) / 200)
    assert (got["Q3 cardiology outreach"]["attributed_referrals"], got["Q3 cardiology outreach"]["cost"]) == (2, 1000)
    assert got["Q3 cardiology outreach"]["roi"] == pytest.approx((500 - 1000) / 1000)
    unpaid = await client.get("/v1/analytics/roi", params={"from": "2025-06-01", "to": "2025-12-31"})
    assert all(p["roi"] is None and p["attributed_referrals"] == 0 for p in unpaid.json()["programs"])


async def test_partners_see_none_of_it(client_for, session):
    partner = await client_for("partner")
    for path in ("/v1/touchpoints", "/v1/programs", "/v1/analytics/roi", "/v1/referring-organizations"):
        assert (await partner.get(path)).status_code == 403


async def test_csv_exports_carry_the_screen_figures_and_no_patient_field(client_for, session):
    import csv
    import io

    provider, _ = await make_referrer(session, given_name="=HYPERLINK", family_name="Cole")
    await load(
        session,
        [
            row(
                provider.npi,
                date.today() - timedelta(days=2),
                status="completed",
                appointment_date=date.today(),
                completion_date=date.today(),
            )
        ],
    )
    analyst = await client_for("analyst")
    screen = (await analyst.get("/v1/referrers")).json()["items"]
    exported = await analyst.get("/v1/exports/referrers.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["provider_id"], int(r["volume"]), float(r["conversion_rate"])) for r in lines] == [
        (i["provider_id"], i["volume"], i["conversion_rate"]) for i in screen
    ]
    assert lines[0]["name"].startswith("'=")  # a spreadsheet must not run it as a formula
    assert "Silva" not in exported.text and "patient" not in exported.text.lower()
    card = await analyst.get(f"/v1/exports/referrers/{provider.id}/scorecard.csv")
    assert card.text.splitlines()[0].startswith("month,volume,conversion_rate")
    roi = await analyst.get("/v1/exports/roi.csv")
    assert roi.text.splitlines()[0] == "program_id,name,cost,attributed_referrals,attributed_revenue,roi"


async def test_a_practice_monthly_report_preview(client, session):
    provider, organization = await make_referrer(session)
    await load(
        session,
        [
            row(
                provider.npi,
                "2025-03-03T10:00:00Z",
                status="closed",
                appointment_date="2025-03-13",
                completion_date="2025-03-13",
                status_date="2025-03-20",
            ),
            row(provider.npi, "2025-03-10T10:00:00Z"),
            row(
                provider.npi,
                "2025-02-20T10:00:00Z",
                status="completed",
                appointment_date="2025-03-02",
                completion_date="2025-03-02",
            ),
        ],
    )
    response = await client.get(
        f"/v1/referring-organizations/{organization.id}/monthly-report", params={"month": "2025-03"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # Sent in March: 2; seen in March: both completions (Mar 2, Mar 13); closed in March: 1; wait 9 d 14 h.
    assert (body["referrals_sent"], body["patients_seen"], body["loop_closure_notes_sent"]) == (2, 2, 1)
    assert body["median_days_to_appointment"] == pytest.approx(10 - 10 / 24)
    assert body["text"].startswith(f"{organization.name}, March 2025: you sent us 2 referrals")
    bad = await client.get(f"/v1/referring-organizations/{organization.id}/monthly-report", params={"month": "2025-13"})
    assert bad.status_code == 422
