"""Walks every route of the app with every kind of caller and checks the answer against the
permission matrix (api/permissions.py). A route without a row fails here."""

import re
import uuid

import pytest

from api.permissions import ADMIN_ONLY, DOC, PRINCIPALS, RULES, UNGUARDED_PATHS, render
from domain.identity.schemas import PARTNER_SCOPES

ALL_SCOPES = {"partner": frozenset(PARTNER_SCOPES), "ehr_client": frozenset({"system/*.*"})}


def _routes(app):
    """(operation id, method, concrete path) for every API route, as the app serves it."""
    found = []

    def walk(routes):
        for route in routes:
            if hasattr(route, "effective_route_contexts"):
                for context in route.effective_route_contexts():
                    for method in sorted(context.methods - {"HEAD", "OPTIONS"}):
                        found.append((context.unique_id, method, _concrete(context.path_format)))
            elif hasattr(route, "unique_id"):
                for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                    found.append((route.unique_id, method, _concrete(route.path_format)))

    walk(app.routes)
    return found


def _concrete(path: str) -> str:
    path = path.replace("{resource_type}", "NoSuchType").replace("{rest}", "x")
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def test_every_route_has_a_rule_and_every_rule_a_route(app):
    operations = {op for op, _, _ in _routes(app)}
    missing = sorted(operations - RULES.keys())
    assert not missing, f"routes with no row in api/permissions.py: {missing}"
    stale = sorted(RULES.keys() - operations)
    assert not stale, f"rows in api/permissions.py for routes that no longer exist: {stale}"


def test_the_only_open_routes_are_health_metadata_discovery_and_token_endpoints():
    open_ops = sorted(op for op, rule in RULES.items() if rule.open)
    # The invitation routes take a one-time e-mailed token as their credential; SMART discovery and
    # our push key's JWKS are public documents by design.
    assert open_ops == sorted(
        [
            "health-healthz",
            "health-readyz",
            "fhir-capabilities",
            "auth-login",
            "auth-refresh_tokens",
            "auth-smart_token",
            "auth-open_invitation",
            "auth-accept_invitation",
            "unsupported",
            "fhir-smart_configuration",
            "smart-smart_configuration",
            "smart-jwks",
        ]
    )


def test_analysts_never_reach_patient_data():
    patient_routes = [
        op
        for op, rule in RULES.items()
        if op.startswith(("referrals-", "appointments-", "tasks-"))
        or (rule.fhir and rule.fhir[0] in ("ServiceRequest", "Patient", "Task", "Appointment"))
    ]
    assert patient_routes
    assert [op for op in patient_routes if "analyst" in RULES[op].allow] == []


def test_the_permissions_document_is_generated_from_the_table():
    assert DOC.read_text() == render(), "docs/permissions.md is stale: run `python -m api.permissions`"


async def test_without_credentials_only_open_routes_answer(app, client_for):
    anonymous = await client_for("anonymous")
    wrong = []
    for operation, method, path in _routes(app):
        response = await anonymous.request(method, path)
        expected_open = RULES.get(operation, ADMIN_ONLY).open
        if expected_open == (response.status_code == 401):
            wrong.append((operation, method, response.status_code))
    assert not wrong, wrong
    for path in UNGUARDED_PATHS[:1] + UNGUARDED_PATHS[3:]:
        assert (await anonymous.get(path)).status_code == 200


@pytest.mark.parametrize("principal", PRINCIPALS)
async def test_every_route_answers_each_principal_as_the_matrix_says(app, client_for, principal):
    caller = await client_for(principal)
    wrong = []
    for operation, method, path in _routes(app):
        if operation == "auth-logout":
            continue  # it would end this caller's own session; tests/test_auth.py covers it
        rule = RULES.get(operation, ADMIN_ONLY)  # what the guard applies to a route without a row
        allowed = rule.admits(principal, ALL_SCOPES.get(principal, frozenset()))
        response = await caller.request(method, path)
        denied = response.status_code in (401, 403)
        if allowed == denied:
            wrong.append((operation, method, response.status_code, response.text[:120]))
        if denied and response.status_code != 403:
            wrong.append((operation, method, "authenticated caller got 401"))
    assert not wrong, wrong
