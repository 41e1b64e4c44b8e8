"""The common referral reads are answered before routing (api/routers/referral_reads.py); a request of
another shape takes the full path. Both must answer the same thing and audit it the same way."""

from datetime import timedelta

from sqlalchemy import select

from domain.audit.models import AuditEvent
from domain.shared.clock import utcnow
from tests.factories import make_referral, referral_payload

RULE = {"items": [{"field": "icd10_codes"}, {"field": "payer_name"}], "remind_every_days": 2, "decline_after_days": 5}


async def _reads(session, referral_id: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.entity_id == referral_id, AuditEvent.action == "referral.read")
    return list((await session.execute(stmt.order_by(AuditEvent.at))).scalars())


async def test_a_referral_with_its_sla_and_info_request_reads_the_same_on_either_path(client, session):
    assert (await client.put("/v1/completeness-rules/cardiology", json=RULE)).status_code == 200
    created = await client.post("/v1/referrals", json=referral_payload(icd10_codes=[], payer_name=None))
    assert created.status_code == 201 and created.json()["status"] == "needs_info"
    referral_id = created.json()["id"]

    direct = await client.get(f"/v1/referrals/{referral_id}")
    full = await client.get(f"/v1/referrals/{referral_id}", params={"reveal": "false"})  # a query: the full path
    assert direct.status_code == full.status_code == 200
    assert direct.json()["info_request"]["missing"] == ["diagnosis codes (ICD-10)", "insurance payer"]
    assert [m["milestone"] for m in direct.json()["sla"]] == ["first_contact", "scheduled"]
    # The clock keeps running between the two reads: the time left may differ by a second.
    for answer in (direct.json(), full.json()):
        for milestone in answer["sla"]:
            milestone.pop("business_seconds_left")
    assert direct.json() | {"sla": None} == full.json() | {"sla": None}
    assert [{**m, "business_seconds_left": 0} for m in direct.json()["sla"]] == [
        {**m, "business_seconds_left": 0} for m in full.json()["sla"]
    ]
    assert direct.headers["etag"] == full.headers["etag"] == f'"{created.json()["version"]}"'
    assert direct.headers["content-type"] == full.headers["content-type"] == "application/json"
    assert direct.headers["x-request-id"] and direct.headers["cache-control"] == "no-store"

    entries = await _reads(session, referral_id)
    assert [(e.outcome, e.status, e.detail) for e in entries] == [
        ("success", 200, {"operation": "referrals-get_referral"}),
        ("success", 200, {"operation": "referrals-get_referral"}),
    ]
    assert entries[0].actor == entries[1].actor and entries[0].actor.startswith("user:")
    assert entries[0].request_id == direct.headers["x-request-id"]


async def test_running_and_reached_clocks_read_the_same_on_either_path(client, session):
    # Received at an odd microsecond a week ago: due times land on fractions of a second, some passed.
    patient = referral_payload()["patient"] | {"address": {"line": ["12 Oak St"], "city": "Springfield"}}
    running = await client.post(
        "/v1/referrals", json=referral_payload(patient=patient, received_at=_days_ago(7, ".123456"))
    )
    reached = await client.post("/v1/referrals", json=referral_payload(received_at=_days_ago(2, ".5")))
    assert running.status_code == reached.status_code == 201
    contact = {"outcome": "reached", "channel": "phone", "note": "booked a call back"}
    attempt = await client.post(f"/v1/referrals/{reached.json()['id']}/contact-attempts", json=contact)
    assert attempt.status_code == 201, attempt.text

    for created in (running, reached):
        referral_id = created.json()["id"]
        direct = (await client.get(f"/v1/referrals/{referral_id}")).json()
        full = (await client.get(f"/v1/referrals/{referral_id}", params={"reveal": "false"})).json()
        for answer in (direct, full):  # the clock runs between the two reads
            for milestone in answer["sla"]:
                milestone["business_seconds_left"] = 0
        assert direct == full
        assert direct["patient"]["sex"] == "female" and direct["sla"][0]["due_at"].endswith("Z")
    first_contact = direct["sla"][0]
    assert first_contact["state"] in ("met", "breached") and first_contact["reached_at"]


def _days_ago(days: int, fraction: str) -> str:
    moment = utcnow() - timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


async def test_a_list_page_and_the_next_read_the_same_on_either_path(client, session):
    for _ in range(3):
        await make_referral(session, service_line="dermatology")
    query = "status=received&service_line=dermatology&limit=2"
    direct = await client.get(f"/v1/referrals?{query}")
    full = await client.get(f"/v1/referrals?{query}&sort=-received_at")  # a sort given: the full path
    assert direct.status_code == full.status_code == 200
    assert direct.json() == full.json()
    assert len(direct.json()["items"]) == 2 and direct.json()["next_cursor"]

    cursor = direct.json()["next_cursor"]
    after_direct = await client.get(f"/v1/referrals?{query}&cursor={cursor}")
    after_full = await client.get(f"/v1/referrals?{query}&cursor={cursor}&sort=-received_at")
    assert after_direct.json() == after_full.json()
    assert len(after_direct.json()["items"]) == 1 and after_direct.json()["next_cursor"] is None

    lists = (
        (await session.execute(select(AuditEvent).where(AuditEvent.action == "referral.list").order_by(AuditEvent.at)))
        .scalars()
        .all()
    )
    shown = [r["id"] for r in direct.json()["items"]]
    assert [e.detail for e in lists[-4:]] == [
        {"count": 2, "ids": shown, "operation": "referrals-list_referrals"},
        {"count": 2, "ids": shown, "operation": "referrals-list_referrals"},
        {"count": 1, "ids": [after_direct.json()["items"][0]["id"]], "operation": "referrals-list_referrals"},
        {"count": 1, "ids": [after_direct.json()["items"][0]["id"]], "operation": "referrals-list_referrals"},
    ]


async def test_a_missing_referral_and_a_foreign_cursor_get_the_full_paths_answers(client, session):
    missing = await client.get("/v1/referrals/01890000-0000-7000-8000-000000000000")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    not_found = await session.scalar(
        select(AuditEvent).where(AuditEvent.entity_id == "01890000-0000-7000-8000-000000000000")
    )
    assert not_found is not None and not_found.outcome == "not_found"
    assert (await client.get("/v1/referrals?cursor=bm90LW91cnM")).status_code == 422
