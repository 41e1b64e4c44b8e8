"""The pure mappers, without a database: FHIR models in, domain schemas out (and back)."""

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest

from integrations.fhir.mappers.service_request import Resolved, referral_to_service_request, service_request_to_referral
from integrations.fhir.outcomes import Unprocessable
from tests.fhir_examples import assert_valid_r4, load, service_request


def mapped(resource: dict, **resolved):
    model = ServiceRequest.model_validate(resource)
    patient = (model.contained or [])[0]
    assert isinstance(patient, Patient)
    return service_request_to_referral(model, Resolved(patient=patient, **resolved))


@pytest.mark.parametrize("priority", ["routine", "urgent", "asap", "stat"])
def test_priority_is_the_urgency(priority):
    assert mapped(service_request(priority=priority)).urgency == priority


def test_icd10_codes_are_normalised_and_other_systems_left_to_the_original():
    resource = service_request(
        reasonCode=[
            {
                "coding": [
                    {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "i2510"},
                    {"system": "http://snomed.info/sct", "code": "53741008", "display": "Coronary arteriosclerosis"},
                ]
            },
            {"text": "Angina on exertion"},
        ]
    )
    referral = mapped(resource)
    assert referral.icd10_codes == ["I25.10"]
    assert referral.reason == "Coronary arteriosclerosis; Angina on exertion"


def test_without_any_words_for_the_service_the_code_is_named():
    resource = service_request(code={"coding": [{"system": "http://loinc.org", "code": "1-8"}]})
    resource.pop("category")
    resource.pop("performerType")
    with pytest.raises(Unprocessable) as refused:
        mapped(resource)
    assert refused.value.expression == ["ServiceRequest.code"]


def test_the_au_pathology_request_maps_from_its_own_bundle():
    bundle = Bundle.model_validate(load("hl7au-erequesting/richardbrown_at_drbrown.json"))
    sr = next(e.resource for e in bundle.entry if e.resource.__resource_type__ == "ServiceRequest")
    patient = next(e.resource for e in bundle.entry if e.resource.__resource_type__ == "Patient")
    referral = service_request_to_referral(sr, Resolved(patient=patient, coverages=[sr.contained[0]]))
    assert (referral.patient.family_name, referral.patient.birth_date.isoformat()) == ("Brown", "1972-03-21")
    assert (referral.service_line, referral.urgency, referral.reason) == ("laboratory", "routine", "A clinical note")
    assert (referral.payer_name, referral.payer_class) == ("Medicare Australia", "medicare")
    assert referral.source_identifier == "PON-Genie-20231110162757-0654"


@pytest.mark.parametrize(
    ("status", "fhir_status"),
    [("received", "active"), ("completed", "active"), ("closed", "completed"), ("cancelled", "revoked")],
)
def test_read_back_lays_our_state_over_the_original(status, fhir_status):
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    referral = SimpleNamespace(
        id=uuid.uuid4(),
        version=3,
        updated_at=now,
        status=status,
        urgency="asap",
        source_system="urn:ehr:orders",
        source_identifier="ORD-1",
    )
    rendered = referral_to_service_request(referral, service_request())
    assert_valid_r4(rendered)
    assert (rendered["status"], rendered["priority"], rendered["meta"]["versionId"]) == (fhir_status, "asap", "3")
    assert rendered["note"] == service_request()["note"]


def test_a_database_out_of_connections_is_a_503_to_retry_not_a_500():
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    from integrations.fhir.outcomes import outcome_response

    driver_error = Exception("sorry, too many clients already")
    driver_error.__cause__ = asyncpg.TooManyConnectionsError("sorry, too many clients already")
    response = outcome_response(DBAPIError("SELECT 1", {}, driver_error))
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert b'"transient"' in response.body
    assert outcome_response(RuntimeError("bug")).status_code == 500
