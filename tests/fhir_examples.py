"""The published FHIR examples in ../shared/fhir-examples, and what a FHIR test needs around them."""

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "fhir-examples"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def example_files() -> list[str]:
    return sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.json"))


def load(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


def assert_valid_r4(resource: dict[str, Any]) -> None:
    """Everything the facade returns must validate with the fhir.resources R4B models."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def outcome_text(body: dict[str, Any]) -> str:
    assert body["resourceType"] == "OperationOutcome", body
    assert_valid_r4(body)
    return " ".join(i.get("diagnostics", "") for i in body["issue"])


def expressions(body: dict[str, Any]) -> list[str]:
    return [e for i in body["issue"] for e in i.get("expression", [])]


def service_request(**overrides: Any) -> dict[str, Any]:
    """A referral as an EHR sends it: contained Patient, placer identifier, reason, priority."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat",
                "identifier": [
                    {
                        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                        "system": "urn:ehr:mrn",
                        "value": "MRN-77",
                    }
                ],
                "name": [{"use": "official", "family": "Lopez", "given": ["Maria", "T"]}],
                "gender": "female",
                "birthDate": "1968-04-12",
                "telecom": [{"system": "phone", "value": "+1 555 010 2000"}],
            }
        ],
        "identifier": [
            {
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PLAC"}]},
                "system": "urn:ehr:orders",
                "value": "ORD-1",
            }
        ],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "category": [
            {"coding": [{"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}]}
        ],
        "code": {"text": "Cardiology consult"},
        "performerType": {
            "coding": [
                {
                    "system": "http://nucc.org/provider-taxonomy",
                    "code": "207RC0000X",
                    "display": "Cardiovascular Disease Physician",
                }
            ]
        },
        "subject": {"reference": "#pat"},
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10-cm",
                        "code": "R07.9",
                        "display": "Chest pain, unspecified",
                    }
                ],
                "text": "Exertional chest pain",
            }
        ],
        "note": [{"text": "Abnormal stress ECG last week."}],
    }
    resource.update(overrides)
    return resource
