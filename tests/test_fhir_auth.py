"""Who may use the FHIR facade: SMART system scopes for EHRs, roles for staff; metadata is open."""

from tests.fhir_examples import FHIR_JSON, outcome_text, service_request
from tests.principals import ehr_token, make_ehr_client


async def ehr_caller(client_for, session, scopes: list[str]):
    ehr = await make_ehr_client(session, scopes=scopes)
    caller = await client_for("anonymous")
    caller.headers["Authorization"] = f"Bearer {ehr_token(ehr, scopes)}"
    return caller


async def test_metadata_is_open_and_everything_else_needs_a_token(client_for):
    anonymous = await client_for("anonymous")
    assert (await anonymous.get("/fhir/R4/metadata")).status_code == 200
    refused = await anonymous.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/fhir+json") and outcome_text(refused.json())


async def test_an_ehr_gets_what_its_scopes_grant(client_for, session):
    reader = await ehr_caller(client_for, session, ["system/ServiceRequest.read", "system/Task.read"])
    refused = await reader.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)
    assert refused.status_code == 403 and "ServiceRequest.write" in outcome_text(refused.json())
    assert (await reader.get("/fhir/R4/Task")).status_code == 200

    writer = await ehr_caller(client_for, session, ["system/ServiceRequest.write", "system/ServiceRequest.read"])
    assert (await writer.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)).status_code == 201
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "resource": {"resourceType": "Practitioner", "name": [{"family": "Nguyen"}]},
                "request": {"method": "POST", "url": "Practitioner"},
            }
        ],
    }
    # A Bundle needs the scope of every entry it carries.
    denied = await writer.post("/fhir/R4", json=bundle, headers=FHIR_JSON)
    assert denied.status_code == 403 and "Practitioner" in outcome_text(denied.json())


async def test_staff_see_referrals_by_role(client_for):
    analyst = await client_for("analyst")
    assert (await analyst.get("/fhir/R4/ServiceRequest")).status_code == 403
    intake = await client_for("intake")
    assert (await intake.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)).status_code == 201
    assert (await intake.get("/fhir/R4/ServiceRequest")).status_code == 200
