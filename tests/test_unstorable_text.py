"""Text PostgreSQL cannot store (a NUL character) is the sender's mistake: a 422, never a 500."""

from tests.factories import referral_payload


async def test_a_nul_character_in_text_is_a_422_not_a_server_error(client):
    response = await client.post("/v1/referrals", json=referral_payload(service_line="cardio\u0000logy"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "NUL" in response.json()["detail"]
