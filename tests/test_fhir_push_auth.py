"""Pushes to an EHR carry credentials: Refloop, as a SMART Backend Services client, signs an assertion
with its own key (served at /.well-known/jwks.json), gets a bearer token from the EHR's token endpoint
(found through the EHR's smart-configuration) and sends it with every PUT. Against a local EHR stand-in
that checks the assertion's signature with the key our server publishes."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from jose import jwt

from domain.identity.models import EhrClient
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus
from integrations.fhir import push_auth
from tests.test_fhir_push import fhir_rows, referral_from
from workers.burst import drain


class SecuredEhr:
    """Serves smart-configuration and a token endpoint; PUTs need a token it gave."""

    def __init__(self, jwks: dict) -> None:
        self.jwks = jwks
        self.tokens: list[str] = []
        self.assertions: list[dict] = []
        self.puts: list[tuple[str, str | None]] = []
        self.put_statuses: list[int] = []
        self.token_status = 200
        ehr = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/fhir/.well-known/smart-configuration":
                    self._answer(
                        200,
                        {"token_endpoint": f"{ehr.origin}/auth/token", "grant_types_supported": ["client_credentials"]},
                    )
                else:
                    self._answer(404, {})

            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers.get("content-length", 0))).decode())
                if ehr.token_status != 200:
                    self._answer(ehr.token_status, {"error": "invalid_client"})
                    return
                claims = jwt.decode(
                    form["client_assertion"][0], ehr.jwks, algorithms=["RS384"], audience=f"{ehr.origin}/auth/token"
                )
                ehr.assertions.append({**claims, "scope": form["scope"][0], "grant": form["grant_type"][0]})
                ehr.tokens.append(f"tok-{len(ehr.tokens) + 1}")
                self._answer(200, {"access_token": ehr.tokens[-1], "token_type": "bearer", "expires_in": 300})

            def do_PUT(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                auth = self.headers.get("authorization")
                ehr.puts.append((self.path, auth))
                code = ehr.put_statuses.pop(0) if ehr.put_statuses else 200
                if code == 200 and auth not in {f"Bearer {t}" for t in ehr.tokens}:
                    code = 401
                self._answer(code, {})

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
async def secured_ehr(client):
    # The EHR trusts the key our server publishes, exactly as an EHR administrator would register it.
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    ehr = SecuredEhr(response.json())
    push_auth._tokens.clear()
    push_auth._token_urls.clear()
    yield ehr
    ehr.close()


def order(number: str) -> list[dict]:
    return [{"system": "urn:ehr:orders", "value": number}]


async def registered(ehr: SecuredEhr, **push) -> EhrClient:
    async with unit_of_work() as session:
        row = EhrClient(
            client_id=f"ehr-{uuid.uuid4().hex[:8]}",
            name="Secured EHR",
            jwks={"keys": []},
            scopes=["system/*.*"],
            fhir_base_url=f"{ehr.origin}/fhir",
            active=True,
            created_by="test",
            push_client_id="refloop-at-ehr",
            **push,
        )
        session.add(row)
    return row


@pytest.mark.usefixtures("committed")
async def test_pushes_carry_a_bearer_token_got_with_a_signed_assertion(secured_ehr, arq_redis):
    ehr = await registered(secured_ehr)
    first = await referral_from(ehr, identifier=order("ORD-A"))
    second = await referral_from(ehr, identifier=order("ORD-B"))
    await drain(arq_redis)

    assert sorted(p for p, _ in secured_ehr.puts) == sorted([f"/fhir/Task/{first}", f"/fhir/Task/{second}"])
    assert {auth for _, auth in secured_ehr.puts} == {"Bearer tok-1"}  # one token serves both
    [claims] = secured_ehr.assertions
    assert claims["iss"] == claims["sub"] == "refloop-at-ehr" and claims["grant"] == "client_credentials"
    assert claims["scope"] == push_auth.DEFAULT_SCOPE and claims["exp"] - claims["iat"] <= 300
    rows = [*await fhir_rows(first), *await fhir_rows(second)]
    assert [row.status for row in rows] == [MessageStatus.sent] * 2


@pytest.mark.usefixtures("committed")
async def test_a_token_the_ehr_stopped_taking_is_replaced_once(secured_ehr, arq_redis):
    ehr = await registered(
        secured_ehr, push_token_url=f"{secured_ehr.origin}/auth/token", push_scope="system/Task.write"
    )
    await referral_from(ehr, identifier=order("ORD-A"))
    await drain(arq_redis)
    secured_ehr.put_statuses = [401]  # the EHR ended tok-1 early
    await referral_from(ehr, identifier=order("ORD-B"))
    await drain(arq_redis)

    assert [auth for _, auth in secured_ehr.puts] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert [a["scope"] for a in secured_ehr.assertions] == ["system/Task.write"] * 2


@pytest.mark.usefixtures("committed")
async def test_credentials_the_ehr_refuses_fail_the_push_with_the_reason(secured_ehr, arq_redis):
    ehr = await registered(secured_ehr)
    secured_ehr.token_status = 401
    referral_id = await referral_from(ehr)
    await drain(arq_redis)

    [row] = await fhir_rows(referral_id)
    assert row.status is MessageStatus.failed
    assert "token endpoint refused our credentials: HTTP 401 invalid_client" in row.last_error
    assert secured_ehr.puts == []  # nothing went out without credentials


async def test_smart_configuration_tells_ehrs_how_to_get_a_token(client_for):
    anonymous = await client_for("anonymous")
    for path in ("/.well-known/smart-configuration", "/fhir/R4/.well-known/smart-configuration"):
        response = await anonymous.get(path)
        assert response.status_code == 200, path
        body = response.json()
        assert body["token_endpoint"].endswith("/v1/auth/smart/token")
        assert body["grant_types_supported"] == ["client_credentials"]
        assert body["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
        assert "client-confidential-asymmetric" in body["capabilities"]
    keys = (await anonymous.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["alg"] for k in keys] == ["RS384"] and all("d" not in k for k in keys)


async def test_push_settings_on_an_ehr_client_are_checked(client):
    body = {
        "name": "Pushing EHR",
        "jwks": push_auth.public_jwks(),
        "scopes": ["system/ServiceRequest.write"],
        "fhir_base_url": "https://ehr.example/fhir",
        "push_client_id": "refloop",
        "push_scope": "patient/*.read",
    }
    refused = await client.post("/v1/ehr-clients", json=body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.push_scope"
    assert "patient/*.read" in refused.json()["detail"]
