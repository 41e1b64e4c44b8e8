"""The work queue: my and my queues' open referrals and tasks, ordered by time to breach, then urgency."""

from datetime import timedelta

import httpx

from domain.shared.clock import utcnow
from tests.factories import referral_payload
from tests.principals import make_user, user_token

ALWAYS_OPEN = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def test_the_queue_lists_what_is_mine_most_at_risk_first(app, client, session):
    await client.post(
        "/v1/calendars", json={"name": "24/7", "time_zone": "UTC", "weekly_hours": ALWAYS_OPEN, "is_default": True}
    )
    me = await make_user(session, role="intake")
    other = await make_user(session, role="intake")
    await client.post("/v1/work-queues", json={"name": "Cardiology intake", "member_ids": [str(me.id)]})
    await client.post("/v1/work-queues", json={"name": "Ortho intake", "member_ids": [str(other.id)]})

    async def refer(hours_ago, **overrides):
        received_at = (utcnow() - timedelta(hours=hours_ago)).isoformat()
        response = await client.post("/v1/referrals", json=referral_payload(received_at=received_at, **overrides))
        assert response.status_code == 201, response.text
        return response.json()

    breached = await refer(3, urgency="stat", assignee_id=str(me.id))  # due 1 h ago
    at_risk = await refer(1.7, urgency="stat", queue="Cardiology intake")  # due in 18 min
    routine = await refer(1, urgency="routine", queue="Cardiology intake")  # due in 15 h
    same_due_urgent = await refer(0, urgency="urgent", queue="Cardiology intake")  # due in 8 h
    paused = await refer(0, urgency="asap", queue="Cardiology intake")
    await client.post(f"/v1/referrals/{paused['id']}/transitions", json={"to": "needs_info"})
    await refer(5, urgency="stat", queue="Ortho intake")  # not my queue
    done = await refer(5, urgency="stat", assignee_id=str(me.id))
    await client.post(f"/v1/referrals/{done['id']}/transitions", json={"to": "declined", "reason": "misdirected"})
    task = await client.post(
        "/v1/tasks",
        json={
            "type": "call_patient",
            "title": "Call back about MRI",
            "due_at": (utcnow() + timedelta(hours=2)).isoformat(),
            "assignee_id": str(me.id),
            "referral_id": routine["id"],
        },
    )
    assert task.status_code == 201, task.text

    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://test", headers={"Authorization": f"Bearer {user_token(me)}"}
    ) as mine:
        response = await mine.get("/v1/work-queue")
        assert response.status_code == 200, response.text
        body = response.json()
    assert body["queues"] == ["Cardiology intake"]
    order = [(i["type"], i["id"]) for i in body["items"]]
    assert order == [
        ("referral", breached["id"]),
        ("referral", at_risk["id"]),
        ("task", task.json()["id"]),
        ("referral", same_due_urgent["id"]),
        ("referral", routine["id"]),
        ("referral", paused["id"]),
    ]
    states = {i["id"]: i["sla_state"] for i in body["items"]}
    assert states[breached["id"]] == "breached" and states[at_risk["id"]] == "at_risk"
    assert states[routine["id"]] == "on_track" and states[paused["id"]] == "paused"
    first = body["items"][0]
    assert first["next_moves"] == ["needs_info", "accepted", "declined"] and first["label"].endswith("cardiology")

    # Handing a referral to someone outside my queues takes it off my list.
    version = (await client.get(f"/v1/referrals/{breached['id']}")).json()["version"]
    await client.patch(
        f"/v1/referrals/{breached['id']}", json={"assignee_id": str(other.id)}, headers={"If-Match": f'"{version}"'}
    )
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://test", headers={"Authorization": f"Bearer {user_token(me)}"}
    ) as mine:
        ids = [i["id"] for i in (await mine.get("/v1/work-queue")).json()["items"]]
    assert breached["id"] not in ids and at_risk["id"] in ids


async def test_an_analyst_has_no_work_queue(client_for):
    analyst = await client_for("analyst")
    assert (await analyst.get("/v1/work-queue")).status_code == 403
