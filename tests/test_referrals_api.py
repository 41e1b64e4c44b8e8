"""Referrals over REST: create, read, edit, list, and the shapes of their errors."""

import asyncio
import uuid

import httpx

from tests.factories import make_referral, referral_payload
from tests.live_server import live_server, staff_headers  # noqa: F401  (fixture)


async def test_created_referral_reads_back_with_its_patient_and_an_etag(client):
    created = await client.post("/v1/referrals", json=referral_payload())
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/referrals/{body['id']}"
    fetched = await client.get(created.headers["location"])
    assert fetched.json()["patient"]["given_name"] == "Maria"
    assert fetched.json()["status"] == "received"
    assert fetched.headers["etag"] == '"1"'
    events = (await client.get(f"/v1/referrals/{body['id']}/events")).json()["items"]
    assert [e["kind"] for e in events] == ["created"]


async def test_unknown_referral_is_404_problem(client):
    response = await client.get(f"/v1/referrals/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_invalid_fields_are_422_naming_each_field(client):
    payload = referral_payload()
    payload["patient"]["birth_date"] = "2999-01-01"
    payload["urgency"] = "whenever"
    payload["icd10_codes"] = ["not a code"]
    del payload["referral_source"]
    response = await client.post("/v1/referrals", json=payload)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.patient.birth_date", "body.urgency", "body.icd10_codes.0", "body.referral_source"} <= fields


async def test_unknown_referring_provider_is_422_and_nothing_is_written(client):
    before = (await client.get("/v1/referrals")).json()["items"]
    response = await client.post("/v1/referrals", json=referral_payload(referring_provider_id=str(uuid.uuid4())))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.referring_provider_id"
    assert (await client.get("/v1/referrals")).json()["items"] == before


async def test_resent_source_identifier_is_the_same_referral(client):
    payload = referral_payload(source_system="urn:oid:2.16.840.1.113883.3.1", source_identifier="REF-1001")
    first = await client.post("/v1/referrals", json=payload)
    again = await client.post("/v1/referrals", json=payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


async def test_same_idempotency_key_and_body_returns_the_first_result(client):
    payload = referral_payload()
    headers = {"Idempotency-Key": "k-123"}
    first = await client.post("/v1/referrals", json=payload, headers=headers)
    second = await client.post("/v1/referrals", json=payload, headers=headers)
    assert second.status_code == first.status_code == 201
    assert second.json()["id"] == first.json()["id"]


async def test_same_idempotency_key_with_another_body_is_422(client):
    headers = {"Idempotency-Key": "k-456"}
    await client.post("/v1/referrals", json=referral_payload(), headers=headers)
    response = await client.post("/v1/referrals", json=referral_payload(), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_patch_needs_if_match_and_refuses_a_stale_one(client, session):
    referral = await make_referral(session)
    url = f"/v1/referrals/{referral.id}"
    missing = await client.patch(url, json={"urgency": "urgent"})
    assert missing.status_code == 428
    ok = await client.patch(url, json={"urgency": "urgent"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"urgency": "stat"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(url)).json()["urgency"] == "urgent"
    events = (await client.get(f"{url}/events")).json()["items"]
    assert events[-1]["kind"] == "updated" and events[-1]["detail"] == {"fields": ["urgency"]}


async def test_patient_edit_is_recorded_without_the_values(client, session):
    referral = await make_referral(session)
    response = await client.patch(
        f"/v1/referrals/{referral.id}", json={"patient": {"phone": "+1 555 999 0000"}}, headers={"If-Match": '"1"'}
    )
    assert response.json()["patient"]["phone"] == "+15559990000"  # stored in E.164
    assert response.json()["patient"]["given_name"] == "Maria"
    event = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"][-1]
    assert event["detail"] == {"fields": ["patient_phone"]}
    # Neither the number as sent nor as stored; "555" alone also turns up in ids now and then.
    assert "555 999 0000" not in str(event) and "5559990000" not in str(event)


async def test_list_filters_and_pages_without_gaps(client, session):
    made = [await make_referral(session, service_line="dermatology") for _ in range(5)]
    await make_referral(session, service_line="neurology")
    seen, cursor = [], None
    while True:
        params = {"service_line": "dermatology", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/referrals", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(r.id) for r in made)
    assert len(seen) == len(set(seen))


async def test_list_finds_a_patient_by_exact_mrn(client, session):
    referral = await make_referral(
        session, patient={"given_name": "Ana", "family_name": "Ruiz", "birth_date": "1990-02-03", "mrn": "ZX-77"}
    )
    page = (await client.get("/v1/referrals", params={"mrn": "ZX-77"})).json()
    assert [item["id"] for item in page["items"]] == [str(referral.id)]


async def test_a_forged_cursor_is_422(client):
    response = await client.get("/v1/referrals", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"


async def test_twenty_concurrent_posts_with_one_key_create_one_referral(live_server):
    payload = referral_payload()
    async with httpx.AsyncClient(base_url=live_server, timeout=30, headers=staff_headers()) as http:
        responses = await asyncio.gather(
            *[http.post("/v1/referrals", json=payload, headers={"Idempotency-Key": "same-key"}) for _ in range(20)]
        )
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        listed = (await http.get("/v1/referrals", params={"limit": 100})).json()["items"]
        assert len(listed) == 1


async def test_two_concurrent_patches_with_one_if_match_give_one_200_and_one_412(live_server):
    async with httpx.AsyncClient(base_url=live_server, timeout=30, headers=staff_headers()) as http:
        created = (await http.post("/v1/referrals", json=referral_payload())).json()
        url = f"/v1/referrals/{created['id']}"
        a, b = await asyncio.gather(
            http.patch(url, json={"urgency": "urgent"}, headers={"If-Match": '"1"'}),
            http.patch(url, json={"urgency": "stat"}, headers={"If-Match": '"1"'}),
        )
        assert sorted([a.status_code, b.status_code]) == [200, 412]
        winner = a if a.status_code == 200 else b
        assert (await http.get(url)).json()["urgency"] == winner.json()["urgency"]
