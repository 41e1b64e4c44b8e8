"""Headers, CORS, body size, and errors that never show internals."""

import pytest
from sqlalchemy.exc import ProgrammingError

from domain.referrals import service as referrals
from domain.shared.settings import get_settings


async def test_api_responses_carry_the_security_headers(client):
    response = await client.get("/v1/referrals")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "max-age" in response.headers["strict-transport-security"]
    assert response.headers["cache-control"] == "no-store"  # patient data is never cached


async def test_cors_answers_only_configured_origins(client):
    allowed = get_settings().security.cors_origins[0]
    ok = await client.options("/v1/referrals", headers={"Origin": allowed, "Access-Control-Request-Method": "GET"})
    assert ok.headers.get("access-control-allow-origin") == allowed
    evil = await client.options(
        "/v1/referrals", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in evil.headers
    plain = await client.get("/v1/referrals", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


async def test_oversized_bodies_are_refused_with_413(client):
    limit = get_settings().security.max_body_bytes
    response = await client.post(
        "/v1/referrals", content=b"{" + b" " * (limit + 10) + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "failure",
    [
        RuntimeError("boom at /work/main/domain/referrals/service.py line 12"),
        ProgrammingError("SELECT patient_mrn FROM referrals WHERE id = $1", {}, Exception("relation missing")),
    ],
)
async def test_unexpected_errors_show_no_trace_no_sql_no_paths(client, monkeypatch, failure):
    async def explode(*args, **kwargs):
        raise failure

    monkeypatch.setattr(referrals, "get_referral", explode)
    response = await client.get("/v1/referrals/00000000-0000-4000-8000-000000000001")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.text
    for leak in ("Traceback", "SELECT", "patient_mrn", "/work/", ".py", "boom", "relation"):
        assert leak not in body, leak


async def test_malformed_input_is_a_4xx_naming_the_field_not_an_internal_error(client):
    response = await client.get("/v1/referrals/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.referral_id"
    bad_json = await client.post("/v1/referrals", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422 and "Traceback" not in bad_json.text


async def test_auth_errors_leak_nothing_about_accounts(client_for):
    anonymous = await client_for("anonymous")
    response = await anonymous.post("/v1/auth/token", data={"username": "x@y.example", "password": "p"})
    assert response.status_code == 401
    assert "argon" not in response.text and "hash" not in response.text
