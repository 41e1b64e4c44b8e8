"""Property-based runs against a real server, with text that includes NUL bytes and lone surrogates:
- every `/v1` operation in openapi/openapi.json (schemathesis, unique inputs): no 5xx, and every
  response matches what the contract documents;
- every FHIR interaction in the CapabilityStatement (hypothesis, mutating valid resources): no 5xx,
  every answer is FHIR JSON, refusals are OperationOutcomes, successes validate as R4.

`PROPERTY_EXAMPLES` sets the examples per operation (100 by default, as in CI).
"""

import json
import os
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.openapi import CONTRACT
from integrations.fhir.capability import RESOURCES
from tests.fhir_examples import assert_valid_r4, service_request
from tests.live_server import running_server, staff_headers

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "100"))
POISON_CHARS = ["\x00", "\ud800", "\udbff", "\udc00", "\udfff"]
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)

schema = schemathesis.openapi.from_path(CONTRACT).include(path_regex="^/v1/")
schema.config.generation.update(unique_inputs=True, allow_x00=True)
# The coverage phase adds ~80 boundary cases per operation whatever max_examples says (~4,500 calls,
# minutes on a shared runner); the generated examples above are the property run asked for.
schema.config.phases.coverage.enabled = False


@pytest.fixture(scope="module")
def base_url():
    with running_server() as base:
        yield base, staff_headers()


# Hostile text on top of what schemathesis generates: a NUL (anywhere it can travel on the wire:
# query, path, body) or a lone surrogate (only a JSON body can carry one, escaped as \ud800).


def _text_slots(value: Any, loc: tuple = ()) -> list[tuple]:
    if isinstance(value, str):
        return [loc]
    if isinstance(value, dict):
        return [slot for key, item in value.items() for slot in _text_slots(item, (*loc, key))]
    if isinstance(value, list):
        return [slot for i, item in enumerate(value) for slot in _text_slots(item, (*loc, i))]
    return []


def _replace(value: Any, loc: tuple, new: str) -> Any:
    if not loc:
        return new
    head, *rest = loc
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replace(value[head], tuple(rest), new)
    return copy


@st.composite
def _poisoned(draw, case):
    slots = [("query", loc) for loc in _text_slots(case.query or {})]
    slots += [("path_parameters", loc) for loc in _text_slots(case.path_parameters or {})]
    body_is_json = "json" in (case.media_type or "")
    if body_is_json or (case.media_type or "").endswith("x-www-form-urlencoded"):
        slots += [("body", loc) for loc in _text_slots(case.body)]
    if not slots or not draw(st.booleans()):
        return case
    container, loc = draw(st.sampled_from(slots))
    chars = POISON_CHARS if container == "body" and body_is_json else ["\x00"]
    current = _get(getattr(case, container), loc)
    at = draw(st.integers(0, len(current)))
    poisoned = _replace(getattr(case, container), loc, current[:at] + draw(st.sampled_from(chars)) + current[at:])
    if container == "body" and body_is_json:
        # Sent as the bytes a hostile client would write (\u0000, \ud800): schemathesis re-checks a changed
        # body against its schema with a validator that cannot hold a lone surrogate, and skips bytes.
        poisoned = json.dumps(poisoned).encode()
    setattr(case, container, poisoned)
    return case


def _get(value: Any, loc: tuple) -> Any:
    for part in loc:
        value = value[part]
    return value


@schema.hook
def before_generate_case(context, strategy):
    return strategy.flatmap(_poisoned)


@schema.parametrize()
@PROPERTY_SETTINGS
def test_v1_contract_holds(case, base_url):
    base, headers = base_url
    # Generated bodies name random ids (referrer, assignee...) that do not exist; the API answers
    # those with a 422 naming the field, by design, so "valid input must be accepted" cannot hold.
    case.call_and_validate(base_url=base, headers=headers, excluded_checks=[positive_data_acceptance])


# FHIR: every interaction the CapabilityStatement offers, fed valid resources with one part changed.


def _bases() -> dict[str, dict[str, Any]]:
    identifier = [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}]
    return {
        "ServiceRequest": service_request(),
        "Task": {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "focus": {"reference": "ServiceRequest/00000000-0000-4000-8000-000000000001"},
        },
        "Appointment": {
            "resourceType": "Appointment",
            "status": "booked",
            "start": "2026-12-10T09:00:00Z",
            "end": "2026-12-10T09:30:00Z",
            "basedOn": [{"reference": "ServiceRequest/00000000-0000-4000-8000-000000000001"}],
            "participant": [{"status": "accepted", "actor": {"display": "Dr Who"}}],
        },
        "Practitioner": {
            "resourceType": "Practitioner",
            "identifier": identifier,
            "name": [{"family": "Waters", "given": ["Jan"]}],
        },
        "PractitionerRole": {
            "resourceType": "PractitionerRole",
            "practitioner": {"reference": "Practitioner/x"},
            "organization": {"reference": "Organization/y"},
        },
        "Organization": {"resourceType": "Organization", "identifier": identifier, "name": "Acme Clinic"},
        "Patient": {
            "resourceType": "Patient",
            "name": [{"family": "Lopez", "given": ["Maria"]}],
            "birthDate": "1968-04-12",
            "gender": "female",
        },
    }


BASES = _bases()
HOSTILE_TEXT = st.lists(st.one_of(st.characters(), st.sampled_from(POISON_CHARS)), max_size=12).map("".join)
# What travels in a URL: a NUL can (as %00), a lone surrogate cannot be encoded at all.
URL_TEXT = st.lists(st.one_of(st.characters(codec="utf-8"), st.just("\x00")), max_size=12).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=6,
)


def _all_slots(value: Any, loc: tuple = ()) -> list[tuple]:
    slots = [loc] if loc else []
    if isinstance(value, dict):
        slots += [slot for key, item in value.items() for slot in _all_slots(item, (*loc, key))]
    elif isinstance(value, list):
        slots += [slot for i, item in enumerate(value) for slot in _all_slots(item, (*loc, i))]
    return slots


@st.composite
def mutated(draw, resource_type: str) -> dict[str, Any]:
    """A valid resource with one element replaced, removed, or a new one added beside it."""
    resource = json.loads(json.dumps(BASES[resource_type]))
    loc = draw(st.sampled_from(_all_slots(resource)))
    *parents, last = loc
    holder = _get(resource, tuple(parents))
    action = draw(st.sampled_from(["replace", "remove", "add"]))
    if action == "replace":
        holder[last] = draw(JSON_VALUES)
    elif action == "remove":
        del holder[last]
    elif isinstance(holder, dict):
        holder[draw(HOSTILE_TEXT)] = draw(JSON_VALUES)
    else:
        holder.append(draw(JSON_VALUES))
    return resource


def _interactions() -> list:
    cases = [
        pytest.param("metadata", "CapabilityStatement", id="metadata"),
        pytest.param("transaction", "Bundle", id="Bundle transaction"),
    ]
    for resource_type, (interactions, *_rest) in RESOURCES.items():
        cases += [pytest.param(i, resource_type, id=f"{resource_type} {i}") for i in interactions]
    return cases


@st.composite
def fhir_request(draw, interaction: str, resource_type: str) -> tuple[str, str, dict, bytes | None]:
    headers = {"Content-Type": "application/fhir+json"}
    if interaction == "metadata":
        return "GET", "/fhir/R4/metadata", {}, None
    if interaction == "transaction":
        entry_type = draw(st.sampled_from(["ServiceRequest", "Patient", "Appointment"]))
        bundle = {
            "resourceType": "Bundle",
            "type": draw(st.sampled_from(["transaction", "batch"])),
            "entry": [{"resource": draw(mutated(entry_type)), "request": {"method": "POST", "url": entry_type}}],
        }
        return "POST", "/fhir/R4", headers, json.dumps(bundle).encode()
    resource_id = quote(draw(URL_TEXT | st.just("00000000-0000-4000-8000-000000000001")), safe="")
    if interaction == "read":
        return "GET", f"/fhir/R4/{resource_type}/{resource_id}", {}, None
    if interaction == "search-type":
        names = sorted(RESOURCES[resource_type][1])
        params = draw(st.lists(st.tuples(st.sampled_from(names) | URL_TEXT, URL_TEXT), max_size=3))
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
        return "GET", f"/fhir/R4/{resource_type}?{query}", {}, None
    body = json.dumps(draw(mutated(resource_type))).encode()
    if interaction == "create":
        return "POST", f"/fhir/R4/{resource_type}", headers, body
    headers["If-Match"] = draw(st.sampled_from(['W/"1"', '"0"', "junk"]))
    return "PUT", f"/fhir/R4/{resource_type}/{resource_id}", headers, body


@pytest.fixture(scope="module")
def fhir_client(base_url):
    base, headers = base_url
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        yield client


@pytest.mark.parametrize(("interaction", "resource_type"), _interactions())
def test_fhir_interaction_holds(fhir_client, interaction, resource_type):
    @PROPERTY_SETTINGS
    @given(fhir_request(interaction, resource_type))
    def run(request: tuple[str, str, dict, bytes | None]) -> None:
        method, url, headers, body = request
        response = fhir_client.request(method, url, headers=headers, content=body)
        assert response.status_code < 500, response.text
        assert response.headers["content-type"].startswith("application/fhir+json"), response.text
        answer = response.json()
        if response.status_code >= 400:
            assert answer["resourceType"] == "OperationOutcome" and answer["issue"], answer
        assert_valid_r4(answer)

    run()
