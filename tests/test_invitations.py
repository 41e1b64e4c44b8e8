"""Invitations and reset links: an administrator sends a one-time link by e-mail, the person opens it,
chooses a password and is signed in. Only a hash of the token is kept; every step is audited."""

import re
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from domain.identity.models import Invitation
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import SECRET_KEY, MessageStatus, OutboxMessage, open_secret
from tests.principals import PASSWORD, make_user
from workers.burst import drain

NEW_PASSWORD = "harbour lights 2031"


def _email() -> str:
    return f"new-{uuid.uuid4().hex[:8]}@clinic.test"


async def _invite(client, email: str, role: str = "intake") -> dict:
    response = await client.post("/v1/invitations", json={"email": email, "full_name": "Jordan Lee", "role": role})
    assert response.status_code == 201, response.text
    return response.json()


async def _token(session, invitation: dict) -> str:
    message = await session.get(OutboxMessage, uuid.UUID(invitation["message_id"]), populate_existing=True)
    token = open_secret(message.payload)
    assert token is not None, "the invitation message carries its token"
    return token


async def _events(client, **filters) -> list[str]:
    response = await client.get("/v1/audit-events", params={"limit": 200, **filters})
    return [e["action"] for e in response.json()["items"]]


async def test_an_invitee_opens_the_link_chooses_a_password_and_is_signed_in(client, client_for, session):
    email = _email()
    invitation = await _invite(client, email)
    assert invitation["status"] == "pending" and invitation["purpose"] == "invite"
    lifetime = datetime.fromisoformat(invitation["expires_at"]) - utcnow()
    assert timedelta(hours=71) < lifetime <= timedelta(hours=72)
    message = await session.get(OutboxMessage, uuid.UUID(invitation["message_id"]))
    assert message.kind == "invitation" and message.channel == "email" and message.recipient_address == email
    token = open_secret(message.payload)
    row = await session.get(Invitation, uuid.UUID(invitation["id"]))
    assert token not in row.token_hash and len(row.token_hash) == 64  # a hash, never the token

    anonymous = await client_for("anonymous")
    opened = await anonymous.post("/v1/auth/invitation", json={"token": token})
    assert opened.status_code == 200 and opened.json()["email"] == email and opened.json()["purpose"] == "invite"
    accepted = await anonymous.post("/v1/auth/invitation/accept", json={"token": token, "password": NEW_PASSWORD})
    assert accepted.status_code == 200, accepted.text
    bearer = {"Authorization": f"Bearer {accepted.json()['access_token']}"}
    me = (await anonymous.get("/v1/auth/me", headers=bearer)).json()
    assert me["email"] == email and me["role"] == "intake" and me["password_change_required"] is False
    assert (
        await anonymous.post("/v1/auth/token", data={"username": email, "password": NEW_PASSWORD})
    ).status_code == 200

    again = await anonymous.post("/v1/auth/invitation/accept", json={"token": token, "password": NEW_PASSWORD})
    assert again.status_code == 410 and again.json()["reason"] == "accepted"
    assert again.headers["content-type"].startswith("application/problem+json")
    listed = (await client.get("/v1/invitations", params={"status": "accepted"})).json()["items"]
    assert [i["user_id"] for i in listed if i["id"] == invitation["id"]] == [me["id"]]
    actions = await _events(client, entity_type="invitation", entity_id=invitation["id"])
    assert {"invitation.create", "invitation.open", "invitation.accept"} <= set(actions)


async def test_bad_links_and_weak_passwords_are_named_problems(client, client_for, session):
    anonymous = await client_for("anonymous")
    unknown = await anonymous.post(
        "/v1/auth/invitation/accept", json={"token": "not-a-token", "password": NEW_PASSWORD}
    )
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("invitation-unknown")
    assert "not one we issued" in unknown.json()["detail"]

    invitation = await _invite(client, _email())
    token = await _token(session, invitation)
    for password, field_words in [
        ("short", "at least 12"),
        ("aaaaaaaaaaaaaaa", "different characters"),
        ("jordan-is-my-name", "your name"),
        ("x" * 300, "at most 256"),
    ]:
        weak = await anonymous.post("/v1/auth/invitation/accept", json={"token": token, "password": password})
        assert weak.status_code == 422, (password, weak.text)
        assert field_words in weak.text and "password" in weak.text
    nul = await anonymous.post(
        "/v1/auth/invitation/accept", json={"token": token, "password": "harbour\x00lights 2031"}
    )
    assert nul.status_code in (400, 422) and "NUL" in nul.json()["detail"]
    nul_token = await anonymous.post("/v1/auth/invitation", json={"token": "abc\x00"})
    assert nul_token.status_code in (400, 422) and "NUL" in nul_token.json()["detail"]

    await session.execute(
        update(Invitation)
        .where(Invitation.id == uuid.UUID(invitation["id"]))
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    expired = await anonymous.post("/v1/auth/invitation/accept", json={"token": token, "password": NEW_PASSWORD})
    assert expired.status_code == 410 and expired.json()["reason"] == "expired"
    assert "expired" in expired.json()["detail"]
    assert [i["id"] for i in (await client.get("/v1/invitations", params={"status": "expired"})).json()["items"]].count(
        invitation["id"]
    ) == 1


async def test_resend_replaces_the_link_and_revoke_withdraws_it(client, client_for, session):
    anonymous = await client_for("anonymous")
    email = _email()
    invitation = await _invite(client, email)
    first = await _token(session, invitation)
    duplicate = await client.post("/v1/invitations", json={"email": email, "full_name": "J L", "role": "intake"})
    assert duplicate.status_code == 409 and "resend" in duplicate.json()["detail"]

    resent = await client.post(f"/v1/invitations/{invitation['id']}/resend")
    assert resent.status_code == 200 and resent.json()["sends"] == 2
    assert resent.json()["message_id"] != invitation["message_id"]
    second = await _token(session, resent.json())
    stale = await anonymous.post("/v1/auth/invitation", json={"token": first})
    assert stale.status_code == 404
    assert (await anonymous.post("/v1/auth/invitation", json={"token": second})).status_code == 200

    revoked = await client.post(f"/v1/invitations/{invitation['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    gone = await anonymous.post("/v1/auth/invitation/accept", json={"token": second, "password": NEW_PASSWORD})
    assert gone.status_code == 410 and gone.json()["reason"] == "revoked"
    assert (await client.post(f"/v1/invitations/{invitation['id']}/resend")).status_code == 409
    pending = (await client.get("/v1/invitations", params={"status": "pending"})).json()["items"]
    assert invitation["id"] not in [i["id"] for i in pending]
    actions = await _events(client, entity_type="invitation", entity_id=invitation["id"])
    assert {"invitation.resend", "invitation.revoke"} <= set(actions)

    existing = await make_user(session, role="liaison")
    taken = await client.post("/v1/invitations", json={"email": existing.email, "full_name": "X Y", "role": "intake"})
    assert taken.status_code == 409


async def test_a_reset_link_sets_a_new_password_and_ends_old_sessions(client, client_for, session):
    user = await make_user(session, role="liaison")
    anonymous = await client_for("anonymous")
    old = (await anonymous.post("/v1/auth/token", data={"username": user.email, "password": PASSWORD})).json()
    sent = await client.post(f"/v1/users/{user.id}/reset-link")
    assert sent.status_code == 201 and sent.json()["purpose"] == "reset" and sent.json()["user_id"] == str(user.id)
    message = await session.get(OutboxMessage, uuid.UUID(sent.json()["message_id"]))
    assert message.kind == "password_reset"
    token = open_secret(message.payload)

    accepted = await anonymous.post("/v1/auth/invitation/accept", json={"token": token, "password": NEW_PASSWORD})
    assert accepted.status_code == 200, accepted.text
    assert (
        await anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {old['access_token']}"})
    ).status_code == 401
    assert (
        await anonymous.post("/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    ).status_code == 401
    assert (
        await anonymous.post("/v1/auth/token", data={"username": user.email, "password": NEW_PASSWORD})
    ).status_code == 200
    assert "user.reset_link" in await _events(client, entity_id=str(user.id))


async def test_invitations_are_for_administrators_only(client_for):
    for role in ("intake", "liaison", "clinician", "analyst"):
        other = await client_for(role)
        assert (await other.get("/v1/invitations")).status_code == 403
        created = await other.post("/v1/invitations", json={"email": _email(), "full_name": "A B", "role": "admin"})
        assert created.status_code == 403


@pytest.fixture
async def cleanup(connection_engine):
    yield
    async with connection_engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox_messages WHERE kind IN ('invitation', 'password_reset')"))
        await conn.execute(text("DELETE FROM invitations WHERE email LIKE 'mailed-%'"))
        await conn.execute(text("DELETE FROM users WHERE email LIKE 'mailed-%'"))


@pytest.mark.usefixtures("cleanup")
async def test_the_invitation_email_carries_a_working_link_that_is_not_kept(smtp_sink, arq_redis, client_for):
    from domain.identity import invitations
    from domain.identity.schemas import InvitationCreate

    email = f"mailed-{uuid.uuid4().hex[:8]}@clinic.test"
    async with unit_of_work() as session:
        invitation = await invitations.invite(
            session, data=InvitationCreate(email=email, full_name="Robin Hale", role="intake"), actor="user:test"
        )
    await drain(arq_redis)
    [mail] = [r for r in smtp_sink.snapshot() if r.to == email]
    assert "invited" in mail.subject.lower() and "Hello Robin Hale" in mail.body
    link = re.search(r"http://127\.0\.0\.1:8000/invite/(\S+)", mail.body)
    assert link is not None, mail.body

    async with unit_of_work() as session:
        message = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.id == invitation.message_id))
        ).scalar_one()
        assert message.status is MessageStatus.sent and SECRET_KEY not in message.payload
        assert link.group(1) not in message.sent_body and "/invite/[one-time code]" in message.sent_body

    anonymous = await client_for("anonymous")
    accepted = await anonymous.post(
        "/v1/auth/invitation/accept", json={"token": link.group(1), "password": NEW_PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
