"""The administration screens' API: users (invite with a temporary password, role, disable, unlock, reset),
API keys shown once, webhook endpoints (list, disable, rotate, delivery log), every change audited."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jose import jwk

from domain.identity import limits
from domain.providers.models import Organization
from tests.principals import PASSWORD, make_user
from tests.test_auth_smart import EC_KEY, _assertion, _pem, _register, _token

ADMIN_ROUTES = [
    ("get", "/v1/users"),
    ("post", f"/v1/users/{uuid.uuid4()}/unlock"),
    ("get", "/v1/api-keys"),
    ("get", "/v1/ehr-clients"),
    ("get", "/v1/webhook-endpoints"),
    ("patch", f"/v1/webhook-endpoints/{uuid.uuid4()}"),
    ("post", f"/v1/webhook-endpoints/{uuid.uuid4()}/rotate-secret"),
    ("get", f"/v1/webhook-endpoints/{uuid.uuid4()}/deliveries"),
    ("get", "/v1/audit-events/export"),
    ("get", "/v1/dev/mails"),
]


async def _login(client, email: str, password: str = PASSWORD):
    return await client.post("/v1/auth/token", data={"username": email, "password": password})


async def _events(client, **filters) -> list[dict]:
    response = await client.get("/v1/audit-events", params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _organization(session) -> Organization:
    org = Organization(name="Northside Partners", kind="practice")
    session.add(org)
    await session.flush()
    return org


@pytest.mark.parametrize("role", ["intake", "liaison", "clinician", "analyst"])
async def test_administration_is_refused_to_every_other_role(client_for, role):
    other = await client_for(role)
    for method, path in ADMIN_ROUTES:
        response = await getattr(other, method)(path, **({"json": {}} if method == "patch" else {}))
        assert response.status_code == 403, (method, path, response.text)


async def test_invited_user_must_choose_a_password_before_anything_else(client, client_for):
    email = f"invited-{uuid.uuid4().hex[:8]}@clinic.test"
    created = await client.post(
        "/v1/users", json={"email": email, "full_name": "Ines Park", "role": "intake", "password": "temporary secret 1"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["password_change_required"] is True

    anonymous = await client_for("anonymous")
    tokens = (await _login(anonymous, email, "temporary secret 1")).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = await anonymous.get("/v1/auth/me", headers=bearer)
    assert me.json()["password_change_required"] is True
    blocked = await anonymous.get("/v1/referrals", headers=bearer)
    assert blocked.status_code == 403 and "Choose a new password" in blocked.json()["detail"]

    wrong = await anonymous.post(
        "/v1/auth/password",
        headers=bearer,
        json={"current_password": "not it at all", "new_password": "my own secret 22"},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "body.current_password"
    same = await anonymous.post(
        "/v1/auth/password",
        headers=bearer,
        json={"current_password": "temporary secret 1", "new_password": "temporary secret 1"},
    )
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "body.new_password"
    changed = await anonymous.post(
        "/v1/auth/password",
        headers=bearer,
        json={"current_password": "temporary secret 1", "new_password": "my own secret 22"},
    )
    assert changed.status_code == 200, changed.text
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await anonymous.get("/v1/referrals", headers=fresh)).status_code == 200
    # The session that held the temporary password is over.
    assert (await anonymous.get("/v1/auth/me", headers=bearer)).status_code == 401
    assert (await _login(anonymous, email, "temporary secret 1")).status_code == 401
    assert (await _login(anonymous, email, "my own secret 22")).status_code == 200

    user_id = created.json()["id"]
    actions = [e["action"] for e in await _events(client, entity_type="user", entity_id=user_id)]
    assert "user.create" in actions and "user.password_change" in actions


async def test_admin_reset_password_is_temporary_and_ends_sessions(client, client_for, session):
    user = await make_user(session, role="liaison")
    anonymous = await client_for("anonymous")
    old = (await _login(anonymous, user.email)).json()["access_token"]
    reset = await client.patch(f"/v1/users/{user.id}", json={"password": "reset by admin 42"})
    assert reset.status_code == 200 and reset.json()["password_change_required"] is True
    assert (await anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {old}"})).status_code == 401
    assert (await _login(anonymous, user.email)).status_code == 401
    assert (await _login(anonymous, user.email, "reset by admin 42")).status_code == 200
    [event] = await _events(client, action="user.update", entity_id=str(user.id))
    assert event["detail"]["fields"] == ["password"] and event["actor"].startswith("user:")


async def test_role_change_and_disable_end_the_users_tokens(client, client_for, session):
    user = await make_user(session, role="intake")
    anonymous = await client_for("anonymous")
    token = (await _login(anonymous, user.email)).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.patch(f"/v1/users/{user.id}", json={"role": "clinician"})).status_code == 200
    assert (await anonymous.get("/v1/auth/me", headers=bearer)).status_code == 401
    token = (await _login(anonymous, user.email)).json()["access_token"]
    assert (await client.patch(f"/v1/users/{user.id}", json={"active": False})).json()["active"] is False
    assert (await anonymous.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    assert (await _login(anonymous, user.email)).status_code == 401


async def test_unlock_clears_the_lock_and_the_list_shows_it(client, client_for, session):
    user = await make_user(session, role="clinician")
    for _ in range(limits.LOCK_AFTER):
        await limits.record_login_failure(user.email)
    anonymous = await client_for("anonymous")
    assert (await _login(anonymous, user.email)).status_code == 423
    listed = {u["id"]: u for u in (await client.get("/v1/users", params={"limit": 200})).json()["items"]}
    assert listed[str(user.id)]["locked"] is True
    unlocked = await client.post(f"/v1/users/{user.id}/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    assert (await client.get(f"/v1/users/{user.id}")).json()["locked"] is False
    assert (await _login(anonymous, user.email)).status_code == 200
    [event] = await _events(client, action="user.unlock", entity_id=str(user.id))
    assert event["detail"]["was_locked"] is True


async def test_api_key_secret_is_shown_once_and_revoking_stops_it(client, client_for, session):
    org = await _organization(session)
    created = await client.post("/v1/api-keys", json={"organization_id": str(org.id), "name": "Portal"})
    assert created.status_code == 201, created.text
    secret, key_id = created.json()["key"], created.json()["id"]
    listed = await client.get("/v1/api-keys")
    one = await client.get(f"/v1/api-keys/{key_id}")
    for response in (listed, one):
        assert response.status_code == 200 and secret not in response.text and '"key"' not in response.text
    partner = await client_for("anonymous")
    assert (await partner.get("/v1/referrals", headers={"X-API-Key": secret})).status_code == 200
    assert (await client.get(f"/v1/api-keys/{key_id}")).json()["last_used_at"] is not None
    revoked = await client.post(f"/v1/api-keys/{key_id}/revoke")
    assert revoked.json()["revoked_at"] is not None
    assert (await partner.get("/v1/referrals", headers={"X-API-Key": secret})).status_code == 401
    actions = {e["action"] for e in await _events(client, entity_type="api_key", entity_id=key_id)}
    assert {"api_key.create", "api_key.revoke"} <= actions


async def test_ehr_client_registered_with_a_jwks_and_disabled(client):
    registered = await _register(client, key=EC_KEY, as_jwks=True)
    disabled = await client.patch(f"/v1/ehr-clients/{registered['id']}", json={"active": False})
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    [event] = await _events(client, action="ehr_client.update", entity_id=registered["id"])
    assert event["detail"]["fields"] == ["active"]


@pytest.fixture
def jwks_server():
    """Serves the EC test key's JWK Set at /jwks.json (anything else is a 404)."""
    public = jwk.construct(_pem(EC_KEY, public=True), algorithm="ES384").to_dict()
    document = json.dumps({"keys": [{**public, "kid": "from-url", "alg": "ES384"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/jwks.json"
            self.send_response(200 if found else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(document if found else b"{}")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_ehr_client_registered_from_a_jwks_url_signs_in_with_that_key(client, client_for, jwks_server):
    body = {"name": "Lakeside Cerner", "scopes": ["system/ServiceRequest.write"]}
    registered = await client.post("/v1/ehr-clients", json={**body, "jwks_url": f"{jwks_server}/jwks.json"})
    assert registered.status_code == 201, registered.text
    assert registered.json()["jwks"]["keys"][0]["kid"] == "from-url"
    anonymous = await client_for("anonymous")
    token = await _token(anonymous, _assertion(registered.json()["client_id"], key=EC_KEY, algorithm="ES384"))
    assert token.status_code == 200, token.text

    missing = await client.post("/v1/ehr-clients", json={**body, "jwks_url": f"{jwks_server}/nothing"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.jwks_url" and "HTTP 404" in missing.json()["detail"]
    both = await client.post(
        "/v1/ehr-clients",
        json={**body, "jwks_url": f"{jwks_server}/jwks.json", "public_key_pem": _pem(EC_KEY, public=True)},
    )
    assert both.status_code == 422 and "exactly one" in both.text


async def test_webhook_endpoints_listed_disabled_and_rotated(client, session):
    org = await _organization(session)
    created = await client.post(
        "/v1/webhook-endpoints", json={"organization_id": str(org.id), "url": "https://partner.example/hooks"}
    )
    assert created.status_code == 201, created.text
    endpoint_id, first_secret = created.json()["id"], created.json()["secret"]
    listed = await client.get("/v1/webhook-endpoints", params={"organization_id": str(org.id)})
    assert [e["id"] for e in listed.json()["items"]] == [endpoint_id]
    assert "secret" not in listed.text and first_secret not in listed.text

    disabled = await client.patch(f"/v1/webhook-endpoints/{endpoint_id}", json={"active": False})
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (
        await client.get("/v1/webhook-endpoints", params={"active": "true", "organization_id": str(org.id)})
    ).json()["items"] == []
    rotated = await client.post(f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != first_secret
    again = await client.get(f"/v1/webhook-endpoints/{endpoint_id}")
    assert new_secret not in again.text and "secret" not in again.json()
    bad = await client.patch(f"/v1/webhook-endpoints/{endpoint_id}", json={"url": "not a url"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.url"
    missing = await client.post(f"/v1/webhook-endpoints/{uuid.uuid4()}/rotate-secret")
    assert missing.status_code == 404

    actions = [e["action"] for e in await _events(client, entity_type="webhook_endpoint", entity_id=endpoint_id)]
    assert {"webhook_endpoint.create", "webhook_endpoint.update", "webhook_endpoint.rotate_secret"} <= set(actions)
    [update] = await _events(client, action="webhook_endpoint.update", entity_id=endpoint_id, outcome="success")
    assert update["detail"]["fields"] == ["active"]
