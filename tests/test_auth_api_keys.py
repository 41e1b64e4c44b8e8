"""Partner API keys: shown once, stored hashed, scoped to one organisation, rate-limited."""

import hashlib

from sqlalchemy import text

from api.auth import authenticate
from tests.factories import make_referral, referral_payload
from tests.principals import make_partner_organization


async def test_a_key_is_shown_once_and_stored_only_as_a_hash(client, session):
    org = await make_partner_organization(session)
    created = await client.post("/v1/api-keys", json={"organization_id": str(org.id), "name": "Riverside portal"})
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith(f"rfk_{body['prefix']}_")
    assert sorted(body["scopes"]) == ["catalog:read", "referrals:read", "referrals:write"]
    listed = (await client.get("/v1/api-keys", params={"organization_id": str(org.id)})).json()["items"]
    assert [k["id"] for k in listed] == [body["id"]] and "key" not in listed[0]
    assert "key" not in (await client.get(f"/v1/api-keys/{body['id']}")).json()
    row = (
        await session.execute(text("select prefix, secret_hash from api_keys where id = :id"), {"id": body["id"]})
    ).one()
    secret = key.split("_", 2)[2]
    assert row.prefix == body["prefix"] and row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key not in str(tuple(row)) and secret not in str(tuple(row))


async def test_key_for_a_missing_organisation_or_with_unknown_scopes_is_422(client, session):
    missing = await client.post(
        "/v1/api-keys", json={"organization_id": "00000000-0000-4000-8000-000000000000", "name": "x"}
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.organization_id"
    org = await make_partner_organization(session)
    scopes = await client.post(
        "/v1/api-keys", json={"organization_id": str(org.id), "name": "x", "scopes": ["referrals:delete"]}
    )
    assert scopes.status_code == 422


async def test_partner_creates_referrals_for_its_own_organisation_only(client_for, session):
    mine, theirs = await make_partner_organization(session), await make_partner_organization(session)
    partner = await client_for("partner", organization_id=mine.id)
    payload = referral_payload(referring_organization_id=str(theirs.id), source_channel="staff")
    created = await partner.post("/v1/referrals", json=payload)
    assert created.status_code == 201, created.text
    assert created.json()["referring_organization_id"] == str(mine.id)
    assert created.json()["source_channel"] == "partner_api"
    assert (await partner.get(f"/v1/referrals/{created.json()['id']}")).status_code == 200


async def test_another_organisations_referral_is_404_and_never_listed(client_for, session):
    mine, theirs = await make_partner_organization(session), await make_partner_organization(session)
    own = await make_referral(session, referring_organization_id=str(mine.id))
    foreign = await make_referral(session, referring_organization_id=str(theirs.id))
    unassigned = await make_referral(session)
    partner = await client_for("partner", organization_id=mine.id)
    for other in (foreign, unassigned):
        response = await partner.get(f"/v1/referrals/{other.id}")
        assert response.status_code == 404, response.text
        missing = await partner.get("/v1/referrals/00000000-0000-4000-8000-000000000000")
        assert response.json()["detail"].split(" ")[0] == missing.json()["detail"].split(" ")[0]
    listed = (await partner.get("/v1/referrals", params={"limit": 200})).json()["items"]
    assert [item["id"] for item in listed] == [str(own.id)]
    # Even asking for the other organisation by filter gives nothing.
    filtered = (await partner.get("/v1/referrals", params={"referring_organization_id": str(theirs.id)})).json()
    assert filtered["items"] == []


async def test_a_resend_matching_another_organisations_referral_reveals_nothing(client_for, session):
    theirs = await make_partner_organization(session)
    await make_referral(
        session, referring_organization_id=str(theirs.id), source_system="urn:ehr", source_identifier="SR-1"
    )
    partner = await client_for("partner")
    response = await partner.post(
        "/v1/referrals", json=referral_payload(source_system="urn:ehr", source_identifier="SR-1")
    )
    assert response.status_code == 409
    assert "patient" not in response.text


async def test_partner_cannot_change_referrals_or_reach_staff_routes(client_for, session):
    org = await make_partner_organization(session)
    own = await make_referral(session, referring_organization_id=str(org.id))
    partner = await client_for("partner", organization_id=org.id)
    assert (await partner.post(f"/v1/referrals/{own.id}/transitions", json={"to": "accepted"})).status_code == 403
    assert (await partner.get(f"/v1/referrals/{own.id}/events")).status_code == 403
    assert (await partner.get("/v1/users")).status_code == 403
    assert (await partner.get("/v1/appointments")).status_code == 403


async def test_a_read_only_key_cannot_create(client_for, session):
    partner = await client_for("partner", scopes=["referrals:read"])
    response = await partner.post("/v1/referrals", json=referral_payload())
    assert response.status_code == 403 and "referrals:write" in response.json()["detail"]
    assert (await partner.get("/v1/referrals")).status_code == 200


async def test_last_use_is_recorded(client, client_for, session):
    org = await make_partner_organization(session)
    created = (await client.post("/v1/api-keys", json={"organization_id": str(org.id), "name": "p"})).json()
    assert created["last_used_at"] is None
    await (await client_for("anonymous")).get("/v1/referrals", headers={"X-API-Key": created["key"]})
    assert (await client.get(f"/v1/api-keys/{created['id']}")).json()["last_used_at"] is not None


async def test_requests_over_the_per_key_limit_get_429_with_retry_after(client_for, session, monkeypatch):
    monkeypatch.setattr(authenticate, "PARTNER_RATE_LIMIT", 3)
    # A long window, so the few requests below never straddle two windows.
    monkeypatch.setattr(authenticate, "PARTNER_RATE_WINDOW", 3600)
    partner = await client_for("partner")
    other = await client_for("partner")
    statuses = [(await partner.get("/v1/referrals")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await partner.get("/v1/referrals")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    assert limited.json()["type"].endswith("/rate-limited")
    # The limit is per key: another partner is served.
    assert (await other.get("/v1/referrals")).status_code == 200
