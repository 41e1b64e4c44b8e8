"""The referral state machine over HTTP, generated from the transition table itself."""

import pytest

from domain.referrals.enums import ReferralStatus as S
from domain.referrals.lifecycle import TRANSITIONS, reason_enum
from tests.factories import make_referral

ALLOWED = [(src, dst) for src, targets in TRANSITIONS.items() for dst in targets]
FORBIDDEN = [(src, dst) for src in S for dst in S if dst not in TRANSITIONS[src]]


def _reason(src: S, dst: S) -> str | None:
    reasons = reason_enum(src, dst)
    return next(iter(reasons)).value if reasons else None


@pytest.mark.parametrize(("src", "dst"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
async def test_every_allowed_move_succeeds_and_lands_on_the_timeline(client, session, src, dst):
    referral = await make_referral(session, status=src)
    response = await client.post(
        f"/v1/referrals/{referral.id}/transitions", json={"to": dst, "reason": _reason(src, dst), "note": "ok"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == dst
    assert response.json()[f"{dst.value}_at"] is not None
    events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    assert (events[-1]["from_status"], events[-1]["to_status"]) == (src, dst)


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
async def test_every_forbidden_move_is_409_naming_the_allowed_moves(client, session, src, dst):
    referral = await make_referral(session, status=src)
    response = await client.post(
        f"/v1/referrals/{referral.id}/transitions", json={"to": dst, "reason": _reason(src, dst) or "other"}
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(response.json()["allowed"]) == sorted(t.value for t in TRANSITIONS[src])
    after = (await client.get(f"/v1/referrals/{referral.id}")).json()
    assert after["status"] == src


@pytest.mark.parametrize("dst", [S.declined, S.cancelled])
async def test_declining_or_cancelling_without_a_reason_is_refused(client, session, dst):
    referral = await make_referral(session, status=S.needs_info)
    response = await client.post(f"/v1/referrals/{referral.id}/transitions", json={"to": dst})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.reason"
    bad = await client.post(f"/v1/referrals/{referral.id}/transitions", json={"to": dst, "reason": "bored"})
    assert bad.status_code == 422
    assert "bored" in bad.json()["detail"]
