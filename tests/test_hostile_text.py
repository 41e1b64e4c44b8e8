"""Text PostgreSQL cannot store (a NUL byte, a lone surrogate) is refused wherever a client can put it,
with a 4xx naming the field and nothing stored. Every parameter and every string field of every
/v1 operation in the contract is tried, and the FHIR facade's resources, searches, ids and headers."""

import json
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from api.openapi import CONTRACT
from domain.referrals.models import Referral
from tests.factories import referral_payload
from tests.fhir_examples import expressions, service_request

CONTRACT_SPEC = json.loads(CONTRACT.read_text())
NUL = "a\x00b"
SURROGATE = "a\ud800b"
SAMPLE_ID = "00000000-0000-4000-8000-000000000001"
POISONS = {"nul": (NUL, "NUL byte"), "surrogate": (SURROGATE, "lone surrogate")}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in CONTRACT_SPEC["paths"].items()
        if path.startswith("/v1/")
        for method, op in ops.items()
    ]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = CONTRACT_SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _string_locations(schema: dict[str, Any], loc: tuple[str | int, ...] = (), depth: int = 0) -> list[tuple]:
    """Every place in a request body schema where a string can go, as a path of keys and list indexes."""
    schema = _resolve(schema)
    if depth > 6:
        return []
    found: list[tuple] = []
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found += _string_locations(option, loc, depth + 1)
    kind = schema.get("type")
    if kind == "string" or (kind is None and not found and "properties" not in schema and "items" not in schema):
        found.append(loc)
    if kind == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            found += _string_locations(sub, (*loc, name), depth + 1)
        if isinstance(schema.get("additionalProperties"), dict) or schema.get("additionalProperties") is True:
            found.append((*loc, "extra"))
    if kind == "array" or "items" in schema:
        found += _string_locations(schema.get("items", {}), (*loc, 0), depth + 1)
    return sorted(set(found), key=str)


def _nested(loc: tuple, value: Any) -> Any:
    for part in reversed(loc):
        value = [value] if isinstance(part, int) else {part: value}
    return value


def _path_for(path: str, poisoned: str | None = None, value: str = NUL) -> str:
    for param in [p.strip("{}") for p in path.split("/") if p.startswith("{")]:
        path = path.replace(f"{{{param}}}", quote(value, safe="") if param == poisoned else SAMPLE_ID)
    return path


def _parameter_cases() -> list:
    cases = []
    for method, path, op in _operations():
        for param in op.get("parameters", []):
            cases.append(
                pytest.param(
                    method, path, param["in"], param["name"], id=f"{method} {path} {param['in']}.{param['name']}"
                )
            )
    return cases


def _body_cases() -> list:
    cases = []
    for method, path, op in _operations():
        for media_type, body in op.get("requestBody", {}).get("content", {}).items():
            # File uploads (multipart) are checked by their own tests (history import, documents);
            # a body with no text in it (reapply's options) has nothing to poison.
            if media_type == "multipart/form-data" or not _string_locations(body["schema"]):
                continue
            cases.append(
                pytest.param(method, path, media_type, _string_locations(body["schema"]), id=f"{method} {path}")
            )
    return cases


def _assert_refused(response, field: str, what: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    [error] = problem["errors"]
    # Header names are case-insensitive.
    named = error["field"].lower() if field.startswith("header.") else error["field"]
    assert named == (field.lower() if field.startswith("header.") else field)
    assert what in error["message"] and error["field"] in problem["detail"]


@pytest.mark.parametrize(("method", "path", "where", "name"), _parameter_cases())
async def test_nul_in_any_parameter_is_refused_naming_it(client, method, path, where, name):
    url, params, headers = _path_for(path, name if where == "path" else None), {}, {}
    if where == "query":
        params[name] = NUL
    elif where == "header":
        headers[name] = NUL
    response = await client.request(method, url, params=params, headers=headers)
    _assert_refused(response, f"{where}.{name}", "NUL byte")


@pytest.mark.parametrize(("method", "path", "media_type", "locations"), _body_cases())
async def test_unstorable_text_anywhere_in_a_body_is_refused_naming_it(client, method, path, media_type, locations):
    url = _path_for(path)
    assert locations, "every request body here has text somewhere"
    for loc in locations:
        field = ".".join(str(p) for p in ("body", *loc))
        if media_type == "application/x-www-form-urlencoded":
            # A form body is bytes: a lone surrogate cannot be encoded into one, a NUL can.
            response = await client.request(method, url, data={loc[0]: NUL})
            _assert_refused(response, field, "NUL byte")
            continue
        for value, what in POISONS.values():
            # json.dumps escapes a lone surrogate as \ud800, as a hostile client would send it.
            content = json.dumps(_nested(loc, value))
            response = await client.request(method, url, content=content, headers={"Content-Type": media_type})
            _assert_refused(response, field, what)


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key", "X-Request-Id", "If-Match", "Idempotency-Key"])
async def test_nul_in_a_header_the_app_reads_is_refused(client, header):
    response = await client.get("/v1/referrals", headers={header: NUL})
    _assert_refused(response, f"header.{header}", "NUL byte")
    assert "\x00" not in response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("field", "poison"), [(f, p) for f in ("service_line", "payer_name", "reason") for p in POISONS]
)
async def test_a_poisoned_referral_is_refused_and_not_stored(client, session, field, poison):
    value, what = POISONS[poison]
    before = await session.scalar(select(func.count()).select_from(Referral))
    response = await client.post(
        "/v1/referrals",
        content=json.dumps(referral_payload(**{field: value})),
        headers={"Content-Type": "application/json"},
    )
    _assert_refused(response, f"body.{field}", what)
    assert await session.scalar(select(func.count()).select_from(Referral)) == before


async def test_a_poisoned_patient_name_deep_in_the_body_is_named(client):
    payload = referral_payload()
    payload["patient"]["given_name"] = SURROGATE
    response = await client.post(
        "/v1/referrals", content=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    _assert_refused(response, "body.patient.given_name", "lone surrogate")


async def test_a_poisoned_json_key_is_refused(client):
    payload = {**referral_payload(), "a\x00": 1}
    response = await client.post(
        "/v1/referrals", content=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.a?"


async def test_ordinary_unicode_still_goes_through(client):
    payload = referral_payload(reason="Douleur thoracique \u2764\ufe0f \U0001f600 \u00e9\u00e8 \u4e2d\u6587")
    response = await client.post("/v1/referrals", json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["reason"] == payload["reason"]


# FHIR: an OperationOutcome naming the element as FHIRPath.

FHIR = "application/fhir+json"


async def _fhir_client(client_for):
    return await client_for("ehr_client", scopes=["system/*.*"])


@pytest.mark.parametrize("poison", list(POISONS))
async def test_fhir_resource_with_unstorable_text_is_refused_naming_the_element(client_for, session, poison):
    value, what = POISONS[poison]
    ehr = await _fhir_client(client_for)
    resource = service_request()
    resource["contained"][0]["name"][0]["given"][1] = value
    before = await session.scalar(select(func.count()).select_from(Referral))
    response = await ehr.post("/fhir/R4/ServiceRequest", content=json.dumps(resource), headers={"Content-Type": FHIR})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == FHIR
    assert response.json()["resourceType"] == "OperationOutcome"
    assert expressions(response.json()) == ["ServiceRequest.contained[0].name[0].given[1]"]
    assert what in response.json()["issue"][0]["diagnostics"]
    assert await session.scalar(select(func.count()).select_from(Referral)) == before


@pytest.mark.parametrize(
    ("method", "url", "expression"),
    [
        ("GET", "/fhir/R4/ServiceRequest?identifier=urn:x|a%00b", "identifier"),
        ("GET", "/fhir/R4/Task?owner=a%00", "owner"),
        ("GET", "/fhir/R4/Appointment?a%00=1", "a?"),
        ("GET", "/fhir/R4/Patient/ab%00c", "id"),
        ("GET", "/fhir/R4/ServiceRequest/ab%00c", "id"),
        ("PUT", "/fhir/R4/Organization/ab%00c", "id"),
    ],
)
async def test_fhir_search_and_ids_with_a_nul_are_refused(client_for, method, url, expression):
    ehr = await _fhir_client(client_for)
    response = await ehr.request(method, url)
    assert response.status_code == 400, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    assert expressions(response.json()) == [expression]


async def test_fhir_bundle_entry_with_a_nul_is_refused_naming_the_entry(client_for):
    ehr = await _fhir_client(client_for)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": service_request(note=[{"text": NUL}]), "request": {"method": "POST", "url": "ServiceRequest"}}
        ],
    }
    response = await ehr.post("/fhir/R4", content=json.dumps(bundle), headers={"Content-Type": FHIR})
    assert response.status_code == 400
    assert expressions(response.json()) == ["Bundle.entry[0].resource.note[0].text"]


async def test_fhir_conditional_create_header_with_a_nul_is_refused(client_for):
    ehr = await _fhir_client(client_for)
    response = await ehr.post(
        "/fhir/R4/ServiceRequest",
        content=json.dumps(service_request()),
        headers={"Content-Type": FHIR, "If-None-Exist": "identifier=a\x00"},
    )
    assert response.status_code == 400
    assert expressions(response.json()) == ["header.If-None-Exist"]


async def test_a_time_no_utc_date_can_hold_is_a_422_not_a_500(client):
    for path in ("/v1/referrals", "/v1/referral-counts"):
        response = await client.get(path, params={"received_from": "0001-01-01T00:33:01+09:09"})
        assert response.status_code == 422, response.text
        assert "received_from" in response.text
