"""Routing rules: CRUD, matching at intake, dry runs, reapplying, and round-robin under load."""

import asyncio
import uuid
from collections import Counter

import httpx
from sqlalchemy import func, select

from domain.journey.models import RoutingRule
from tests.factories import referral_payload
from tests.live_server import live_server, staff_headers  # noqa: F401  (fixture)
from tests.principals import make_user


async def _queue(client, session, name="Cardiology intake", members=2, lead=None):
    users = [await make_user(session, role="intake") for _ in range(members)]
    body = {"name": name, "member_ids": [str(u.id) for u in users], "lead_id": str(lead.id) if lead else None}
    response = await client.post("/v1/work-queues", json=body)
    assert response.status_code == 201, response.text
    return response.json(), sorted(users, key=lambda u: u.id)


async def _rule(client, queue, position=10, strategy="round_robin", **conditions):
    body = {
        "name": f"rule {position}",
        "position": position,
        "queue_id": queue["id"],
        "strategy": strategy,
        "conditions": conditions or {"service_line": ["cardiology"]},
    }
    response = await client.post("/v1/routing-rules", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _refer(client, **overrides):
    response = await client.post("/v1/referrals", json=referral_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_rule_with_no_conditions_is_refused_and_nothing_is_written(client, session):
    queue, _ = await _queue(client, session)
    cases = [
        ({"conditions": {}}, "body.conditions"),
        ({"conditions": {"colour": ["red"]}}, "body.conditions.colour"),
        ({"conditions": {"urgency": ["whenever"]}}, "body.conditions.urgency.0"),
        ({"conditions": {"urgency": []}}, "body.conditions.urgency"),
        ({"conditions": {"urgency": ["stat"]}, "queue_id": str(uuid.uuid4())}, "body.queue_id"),
        ({"conditions": {"urgency": ["stat"]}, "strategy": "random"}, "body.strategy"),
    ]
    for change, field in cases:
        body = {"name": "r", "position": 1, "queue_id": queue["id"], **change}
        response = await client.post("/v1/routing-rules", json=body)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["errors"][0]["field"] == field, response.json()
    assert (await session.execute(select(func.count()).select_from(RoutingRule))).scalar() == 0


async def test_a_new_referral_lands_in_the_first_matching_rules_queue_taking_turns(client, session):
    queue, (first, second) = await _queue(client, session)
    other, _ = await _queue(client, session, name="Urgent desk")
    await _rule(client, other, position=1, urgency=["stat"], service_line=["Cardiology"])
    await _rule(client, queue, position=5, service_line=["cardiology"])
    routed = [await _refer(client) for _ in range(3)]
    assert [r["queue"] for r in routed] == ["Cardiology intake"] * 3
    assert [r["assignee_id"] for r in routed] == [str(first.id), str(second.id), str(first.id)]
    stat = await _refer(client, urgency="stat")
    assert stat["queue"] == "Urgent desk"
    unmatched = await _refer(client, service_line="orthopedics")
    assert unmatched["queue"] is None and unmatched["assignee_id"] is None
    events = (await client.get(f"/v1/referrals/{routed[0]['id']}/events")).json()["items"]
    assigned = next(e for e in events if e["kind"] == "assigned")
    assert assigned["detail"]["routing_rule"] == "rule 5"
    assert assigned["detail"]["reasons"] == ["service_line cardiology is one of cardiology"]


async def test_a_referral_sent_with_a_queue_or_assignee_is_not_rerouted(client, session):
    queue, _ = await _queue(client, session)
    await _rule(client, queue)
    kept = await _refer(client, queue="Front desk")
    assert kept["queue"] == "Front desk" and kept["assignee_id"] is None


async def test_least_open_work_picks_the_member_with_fewest_open_referrals(client, session):
    queue, (busy, idle) = await _queue(client, session)
    for _ in range(2):
        await _refer(client, service_line="neurology", assignee_id=str(busy.id))
    await _rule(client, queue, strategy="least_open")
    assert (await _refer(client))["assignee_id"] == str(idle.id)
    assert (await _refer(client))["assignee_id"] == str(idle.id)
    # Now two each: ties go to the first member in order.
    assert (await _refer(client))["assignee_id"] == str(busy.id)


async def test_referrer_tier_is_accepted_and_a_referrer_without_one_does_not_match(client, session):
    queue, _ = await _queue(client, session)
    rule = await _rule(client, queue, referrer_tier=["A"], service_line=["cardiology"])
    assert rule["conditions"]["referrer_tier"] == ["A"]
    assert (await _refer(client))["queue"] is None
    run = (await client.post("/v1/routing-rules/dry-run", json={"service_line": "cardiology"})).json()
    assert run["matched_rule_id"] is None
    assert "referrer_tier (none) is not one of A" in run["evaluations"][0]["reasons"]


async def test_dry_run_says_which_rule_matches_and_why_without_taking_a_turn(client, session):
    queue, (first, _second) = await _queue(client, session)
    miss = await _rule(client, queue, position=1, urgency=["stat"])
    hit = await _rule(client, queue, position=2, service_line=["cardiology"], payer_class=["commercial", "medicare"])
    probe = {"service_line": "cardiology", "payer_class": "medicare"}
    for _ in range(2):
        run = await client.post("/v1/routing-rules/dry-run", json=probe)
        assert run.status_code == 200
        body = run.json()
        assert body["matched_rule_id"] == hit["id"] and body["queue"] == "Cardiology intake"
        assert body["next_assignee_id"] == str(first.id)
    assert [(e["rule_id"], e["matched"]) for e in body["evaluations"]] == [(miss["id"], False), (hit["id"], True)]
    assert body["evaluations"][0]["reasons"] == ["urgency routine is not one of stat"]
    assert body["evaluations"][1]["reasons"] == [
        "service_line cardiology is one of cardiology",
        "payer_class medicare is one of commercial, medicare",
    ]
    bad = await client.post("/v1/routing-rules/dry-run", json={"service_line": "cardiology", "urgency": "soon"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.urgency"


async def test_editing_rules_moves_nobody_until_reapplied(client, session):
    queue, (first, _) = await _queue(client, session)
    other, (_other_first, _) = await _queue(client, session, name="Heart failure clinic")
    rule = await _rule(client, queue)
    assigned = await _refer(client)
    waiting = await _refer(client, service_line="neurology")
    body = {
        "name": "moved",
        "position": 1,
        "queue_id": other["id"],
        "strategy": "round_robin",
        "conditions": {"service_line": ["cardiology", "neurology"]},
    }
    edited = await client.put(f"/v1/routing-rules/{rule['id']}", json=body, headers={"If-Match": '"1"'})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert (await client.get(f"/v1/referrals/{assigned['id']}")).json()["queue"] == "Cardiology intake"
    result = (await client.post("/v1/routing-rules/reapply", json={})).json()
    assert result == {"examined": 1, "moved": 1}
    assert (await client.get(f"/v1/referrals/{waiting['id']}")).json()["queue"] == "Heart failure clinic"
    assert (await client.get(f"/v1/referrals/{assigned['id']}")).json()["assignee_id"] == str(first.id)
    result = (await client.post("/v1/routing-rules/reapply", json={"include_assigned": True})).json()
    assert result["moved"] >= 1
    moved = (await client.get(f"/v1/referrals/{assigned['id']}")).json()
    assert moved["queue"] == "Heart failure clinic" and moved["version"] == 2


async def test_rules_list_in_order_and_can_be_deleted(client, session):
    queue, _ = await _queue(client, session)
    late = await _rule(client, queue, position=20)
    early = await _rule(client, queue, position=3, urgency=["asap"])
    assert [r["id"] for r in (await client.get("/v1/routing-rules")).json()] == [early["id"], late["id"]]
    assert (await client.delete(f"/v1/routing-rules/{early['id']}")).status_code == 204
    assert (await client.get(f"/v1/routing-rules/{early['id']}")).status_code == 404


async def test_two_hundred_simultaneous_referrals_share_out_evenly_by_round_robin(live_server):
    import os

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    headers = staff_headers()
    engine = create_engine(make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg2"))
    coordinators = [uuid.uuid4() for _ in range(3)]
    with engine.begin() as conn:
        for user_id in coordinators:
            conn.execute(
                text(
                    "insert into users (id, email, full_name, role, active) values (:id, :email, 'C', 'intake', true)"
                ),
                {"id": user_id, "email": f"rr-{user_id.hex[:10]}@clinic.test"},
            )
    engine.dispose()
    async with httpx.AsyncClient(base_url=live_server, timeout=120, headers=headers) as http:
        queue = (
            await http.post("/v1/work-queues", json={"name": "Intake", "member_ids": [str(c) for c in coordinators]})
        ).json()
        rule = await http.post(
            "/v1/routing-rules",
            json={
                "name": "all cardiology",
                "position": 1,
                "queue_id": queue["id"],
                "conditions": {"service_line": ["cardiology"]},
            },
        )
        assert rule.status_code == 201
        limit = asyncio.Semaphore(40)

        async def refer() -> httpx.Response:
            async with limit:
                return await http.post("/v1/referrals", json=referral_payload())

        responses = await asyncio.gather(*[refer() for _ in range(200)])
    assert Counter(r.status_code for r in responses) == {201: 200}
    shares = Counter(r.json()["assignee_id"] for r in responses)
    assert set(shares) == {str(c) for c in coordinators}
    assert max(shares.values()) - min(shares.values()) <= 1, shares
