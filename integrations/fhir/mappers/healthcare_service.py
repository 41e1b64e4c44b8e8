"""A service catalog entry -> FHIR R4 HealthcareService (read-only: staff edit the catalog at /v1/catalog)."""

from typing import Any

from domain.portal.schemas import CatalogEntry
from integrations.fhir.mappers.common import NUCC_SYSTEM, instant

PAYER_CLASS_SYSTEM = "https://refloop.dev/fhir/CodeSystem/payer-class"
WAIT_EXTENSION = "https://refloop.dev/fhir/StructureDefinition/median-days-to-appointment"
REFERRAL_METHOD_SYSTEM = "http://terminology.hl7.org/CodeSystem/service-referral-method"


def resource_id(service_line: str) -> str:
    """FHIR ids allow letters, digits, '-' and '.': service line keys hold spaces."""
    return service_line.replace(" ", "-")


def healthcare_service(entry: CatalogEntry) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": resource_id(entry.service_line),
        "active": True,
        "name": entry.display,
        "appointmentRequired": True,
        "referralMethod": [{"coding": [{"system": REFERRAL_METHOD_SYSTEM, "code": code}]} for code in ("elec", "fax")],
    }
    if entry.updated_at:
        resource["meta"] = {"lastUpdated": instant(entry.updated_at)}
    if entry.specialty_code:
        resource["specialty"] = [{"coding": [{"system": NUCC_SYSTEM, "code": entry.specialty_code}]}]
    if entry.referral_criteria:
        resource["eligibility"] = [{"code": {"text": "Referral criteria"}, "comment": entry.referral_criteria}]
    if entry.payer_classes:
        resource["characteristic"] = [
            {
                "coding": [{"system": PAYER_CLASS_SYSTEM, "code": p.value}],
                "text": f"Accepts {p.value.replace('_', ' ')}",
            }
            for p in entry.payer_classes
        ]
    if entry.locations:
        resource["location"] = [{"display": name} for name in entry.locations]
    contact = entry.scheduling_contact
    telecom = [
        {"system": s, "value": v, "use": "work"} for s, v in (("phone", contact.phone), ("email", contact.email)) if v
    ]
    if telecom:
        resource["telecom"] = telecom
    if contact.name or contact.hours:
        resource["availabilityExceptions"] = "; ".join(
            x for x in (f"Scheduling: {contact.name}" if contact.name else None, contact.hours) if x
        )
    if entry.median_days_to_appointment is not None:
        resource["extension"] = [{"url": WAIT_EXTENSION, "valueDecimal": entry.median_days_to_appointment}]
    return resource
