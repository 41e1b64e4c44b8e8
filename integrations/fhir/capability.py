"""The CapabilityStatement: exactly what the facade serves, generated from one table."""

from typing import Any

from integrations.fhir.handlers import appointments, service_requests, tasks

SEARCH_TYPES = {
    "identifier": "token",
    "status": "token",
    "requester": "reference",
    "_lastUpdated": "date",
    "_id": "token",
    "based-on": "reference",
    "focus": "reference",
}
DOCS = {
    "identifier": "The placer's identifier (system|value), as sent in If-None-Exist.",
    "status": "Comma-separated values are OR'ed.",
    "requester": "Practitioner/[id], PractitionerRole/[id] or Organization/[id].",
    "_lastUpdated": "eq, gt, ge, lt, le with a date or dateTime; repeat for a range.",
    "based-on": "ServiceRequest/[id] (for an Appointment, Task/[id] too).",
}
# type -> (interactions, search parameters, conditional create, update creates, documentation)
RESOURCES: dict[str, tuple[list[str], set[str], bool, bool, str]] = {
    "ServiceRequest": (
        ["create", "read", "update", "search-type"],
        service_requests.SEARCH_PARAMS,
        True,
        True,
        "A referral. Its id is the referral's id in the REST API. Create needs the patient (contained, "
        "in the same Bundle, or a Patient stored here) with name and birth date.",
    ),
    "Task": (
        ["create", "read", "search-type"],
        tasks.SEARCH_PARAMS,
        False,
        False,
        "One per referral (id = referral id), 360X-style status and businessStatus. Creating a Task whose focus "
        "is a ServiceRequest here answers with that referral's Task.",
    ),
    "Appointment": (
        ["create", "read", "update", "search-type"],
        appointments.SEARCH_PARAMS,
        False,
        True,
        "basedOn a ServiceRequest or Task here; booked schedules the referral, fulfilled completes it, "
        "noshow or cancelled sends it back to scheduling.",
    ),
    "Practitioner": (["create", "read", "update"], set(), False, True, "Upserted into the directory by NPI."),
    "PractitionerRole": (
        ["create", "read", "update"],
        set(),
        False,
        True,
        "Links a practitioner to an organization in the directory.",
    ),
    "Organization": (["create", "read", "update"], set(), False, True, "Upserted into the directory by NPI."),
    "Patient": (
        ["create", "read", "update"],
        set(),
        False,
        True,
        "Kept so that a later ServiceRequest can name it as subject.",
    ),
}


def capability_statement(*, base: str, token_url: str, software_version: str) -> dict[str, Any]:
    resources = []
    for resource_type, (interactions, params, conditional, update_create, doc) in RESOURCES.items():
        entry: dict[str, Any] = {
            "type": resource_type,
            "documentation": doc,
            "interaction": [{"code": code} for code in interactions],
            "versioning": "versioned-update",
            "readHistory": False,
            "updateCreate": update_create,
            "conditionalCreate": conditional,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
        }
        if params:
            entry["searchParam"] = [
                {"name": p, "type": SEARCH_TYPES[p], **({"documentation": DOCS[p]} if p in DOCS else {})}
                for p in sorted(params)
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "publisher": "Refloop",
        "kind": "instance",
        "software": {"name": "Refloop", "version": software_version},
        "implementation": {"description": "Refloop referral management FHIR R4 facade", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Search: _count (at most 100) pages with Bundle next links; unknown parameters are "
                "refused (400). Errors are OperationOutcome.",
                "security": {
                    "cors": True,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "SMART Backend Services: client-credentials grant with a signed JWT assertion; "
                    "system/<Resource>.read|write scopes.",
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [{"url": "token", "valueUri": token_url}],
                        }
                    ],
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
            }
        ],
    }
