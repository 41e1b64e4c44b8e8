"""Staff sign-in: password login, refresh rotation with reuse detection, logout, throttling and lock."""

import uuid

from domain.identity import limits
from tests.principals import PASSWORD, make_user


async def _login(client, email: str, password: str = PASSWORD):
    return await client.post("/v1/auth/token", data={"username": email, "password": password})


async def test_login_gives_a_working_access_token_and_a_refresh_token(client_for, session):
    user = await make_user(session, role="intake", queue="cardiology-intake")
    anonymous = await client_for("anonymous")
    response = await _login(anonymous, user.email.upper())  # e-mail is not case-sensitive
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60 and body["refresh_token"]
    me = await anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": str(user.id),
        "email": user.email,
        "full_name": user.full_name,
        "role": "intake",
        "queue": "cardiology-intake",
        "password_change_required": False,
    }


async def test_wrong_password_and_unknown_email_look_the_same(client_for, session):
    user = await make_user(session)
    anonymous = await client_for("anonymous")
    wrong = await _login(anonymous, user.email, "not the password at all")
    unknown = await _login(anonymous, f"nobody-{uuid.uuid4().hex}@clinic.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"
    assert "WWW-Authenticate" in wrong.headers


async def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_whole_family(client_for, session):
    user = await make_user(session)
    anonymous = await client_for("anonymous")
    first = (await _login(anonymous, user.email)).json()
    second = await anonymous.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (
        await anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    ).status_code == 200

    replay = await anonymous.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/refresh-token-reused")
    # The newest refresh token of the family is dead too, and so are its access tokens.
    after = await anonymous.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    me = await anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401
    # Another login (another family) is unaffected.
    fresh = (await _login(anonymous, user.email)).json()
    assert (
        await anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    ).status_code == 200


async def test_a_forged_refresh_token_is_401(client_for):
    anonymous = await client_for("anonymous")
    for token in ("garbage", f"{uuid.uuid4().hex}.secret", ""):
        response = await anonymous.post("/v1/auth/refresh", json={"refresh_token": token})
        assert response.status_code in (401, 422), token


async def test_logout_ends_the_session_and_its_refresh_token(client_for, session):
    user = await make_user(session)
    anonymous = await client_for("anonymous")
    pair = (await _login(anonymous, user.email)).json()
    auth = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await anonymous.post("/v1/auth/logout", headers=auth)).status_code == 204
    assert (await anonymous.get("/v1/auth/me", headers=auth)).status_code == 401
    assert (await anonymous.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401


async def test_disabled_user_cannot_log_in_and_their_tokens_stop_at_once(client, client_for, session):
    user = await make_user(session, role="clinician")
    anonymous = await client_for("anonymous")
    pair = (await _login(anonymous, user.email)).json()
    auth = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await anonymous.get("/v1/auth/me", headers=auth)).status_code == 200

    assert (await client.patch(f"/v1/users/{user.id}", json={"active": False})).status_code == 200
    assert (await anonymous.get("/v1/auth/me", headers=auth)).status_code == 401
    denied = await _login(anonymous, user.email)
    assert denied.status_code == 401 and "disabled" in denied.json()["detail"]
    assert (await anonymous.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401

    assert (await client.patch(f"/v1/users/{user.id}", json={"active": True})).status_code == 200
    assert (await _login(anonymous, user.email)).status_code == 200


async def test_repeated_failures_slow_down_then_lock_the_account(client, client_for, session):
    user = await make_user(session)
    anonymous = await client_for("anonymous")
    statuses = []
    for _ in range(limits.SLOW_AFTER):
        statuses.append((await _login(anonymous, user.email, "wrong password!!")).status_code)
    assert statuses == [401] * limits.SLOW_AFTER
    slowed = await _login(anonymous, user.email)  # even the right password waits its turn
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) >= 1
    assert slowed.json()["type"].endswith("/too-many-attempts")

    # Time passes (the wait expires) but the attempts keep failing: the account locks.
    for _ in range(limits.LOCK_AFTER - limits.SLOW_AFTER):
        await limits.redis().delete(f"{limits.PREFIX}login:wait:{limits._account(user.email)}")
        await _login(anonymous, user.email, "wrong password!!")
    locked = await _login(anonymous, user.email)
    assert locked.status_code == 423
    assert locked.json()["title"] == "Account locked" and "locked" in locked.json()["detail"]
    assert int(locked.headers["Retry-After"]) > 60

    # Another account is not affected; an admin can lift the lock.
    other = await make_user(session)
    assert (await _login(anonymous, other.email)).status_code == 200
    assert (await client.post(f"/v1/users/{user.id}/unlock")).status_code == 200
    assert (await _login(anonymous, user.email)).status_code == 200


async def test_admin_creates_users_and_the_password_is_never_returned(client):
    email = f"new-{uuid.uuid4().hex[:8]}@clinic.test"
    created = await client.post(
        "/v1/users",
        json={"email": email, "full_name": "Dana Reyes", "role": "liaison", "password": "a long enough secret"},
    )
    assert created.status_code == 201, created.text
    assert "a long enough secret" not in created.text and "hash" not in created.text
    assert "password" not in created.json()
    again = await client.post(
        "/v1/users", json={"email": email, "full_name": "X", "role": "liaison", "password": "a long enough secret"}
    )
    assert again.status_code == 409
    short = await client.post(
        "/v1/users", json={"email": "a@b.test", "full_name": "X", "role": "liaison", "password": "short"}
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "body.password"
    bad_role = await client.post(
        "/v1/users", json={"email": "a@b.test", "full_name": "X", "role": "owner", "password": "a long enough secret"}
    )
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "body.role"
