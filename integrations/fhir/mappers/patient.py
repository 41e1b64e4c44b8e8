"""Patient <-> the patient block of a referral."""

from typing import Any

from fhir.resources.R4B.patient import Patient
from pydantic import EmailStr, TypeAdapter, ValidationError

from domain.referrals.schemas import PatientCreate
from domain.shared import phones
from integrations.fhir.mappers.common import address_from, address_of
from integrations.fhir.outcomes import Unprocessable

_email = TypeAdapter(EmailStr)
MRN_TYPE = "MR"
SEX = {"male": "male", "female": "female", "other": "other", "unknown": "unknown"}


def _name(patient: Patient, path: str) -> tuple[str, str]:
    names = patient.name or []
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    if name is None:
        raise Unprocessable("A referral needs the patient's name; the Patient has none.", expression=f"{path}.name")
    given = " ".join(g.strip() for g in name.given or [] if g and g.strip())
    family = (name.family or "").strip()
    if (not given or not family) and name.text:
        words = name.text.split()
        given = given or " ".join(words[:-1])
        family = family or (words[-1] if words else "")
    if not given or not family:
        missing = "family" if not family else "given"
        raise Unprocessable(
            f"A referral needs the patient's given and family name; {missing} is missing.",
            expression=f"{path}.name.{missing}",
        )
    return given[:100], family[:100]


def _mrn(patient: Patient) -> str | None:
    for identifier in patient.identifier or []:
        codes = [c.code for c in (identifier.type.coding if identifier.type else None) or []]
        if MRN_TYPE in codes and identifier.value:
            return identifier.value[:64]
    return None


def _telecom(patient: Patient, system: str) -> str | None:
    for telecom in patient.telecom or []:
        if telecom.system == system and telecom.value:
            return telecom.value
    return None


def patient_to_schema(patient: Patient, *, path: str) -> PatientCreate:
    """`path` is where this Patient sits in the request, for the OperationOutcome."""
    given, family = _name(patient, path)
    if patient.birthDate is None:
        raise Unprocessable(
            "A referral needs the patient's birth date; the Patient has no birthDate.", expression=f"{path}.birthDate"
        )
    email = _telecom(patient, "email")
    try:
        email = _email.validate_python(email) if email else None
    except ValidationError:
        email = None  # kept in the original; not a deliverable address
    phone = _telecom(patient, "phone")
    try:
        phone = phones.normalise(phone) if phone else None
    except phones.NotAPhoneNumber:
        phone = None  # kept in the original; not a number anyone can dial
    return PatientCreate(
        given_name=given,
        family_name=family,
        birth_date=patient.birthDate,
        sex=SEX.get(patient.gender or ""),
        phone=phone,
        email=email,
        address=address_from(patient.address),
        mrn=_mrn(patient),
    )


def patient_from_referral(referral: Any, *, resource_id: str = "patient") -> dict[str, Any]:
    """A Patient built from the referral's columns (for referrals that did not come over FHIR)."""
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": resource_id,
        "name": [
            {"use": "official", "family": referral.patient_family_name, "given": referral.patient_given_name.split()}
        ],
        "birthDate": referral.patient_birth_date.isoformat(),
    }
    if referral.patient_sex:
        patient["gender"] = referral.patient_sex
    telecom = [
        {"system": s, "value": v}
        for s, v in (("phone", referral.patient_phone), ("email", referral.patient_email))
        if v
    ]
    if telecom:
        patient["telecom"] = telecom
    if referral.patient_mrn:
        patient["identifier"] = [
            {
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": MRN_TYPE}]},
                "value": referral.patient_mrn,
            }
        ]
    address = address_of(referral.patient_address)
    if address:
        patient["address"] = address
    return patient
