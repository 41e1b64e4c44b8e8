"""ServiceRequest <-> referral. Pure: references arrive already resolved in a `Resolved`."""

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from domain.referrals.enums import ReferralSource, SourceChannel
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.schemas import ReferralCreate
from integrations.fhir.mappers.common import ICD10_SYSTEMS, NUCC_SYSTEM, codings, concept_text, instant
from integrations.fhir.mappers.patient import patient_from_referral, patient_to_schema
from integrations.fhir.outcomes import Unprocessable

# ServiceRequest.status as DESIGN.md gives it.
SR_STATUS = {
    S.received: "active",
    S.needs_info: "active",
    S.accepted: "active",
    S.scheduled: "active",
    S.completed: "active",
    S.closed: "completed",
    S.declined: "revoked",
    S.cancelled: "revoked",
}
REFERRAL_STATUSES_FOR_SR = {
    "active": [S.received, S.needs_info, S.accepted, S.scheduled, S.completed],
    "completed": [S.closed],
    "revoked": [S.declined, S.cancelled],
}
# Orders a referral can be made of; proposals and plans are not asks to see the patient yet.
ACCEPTED_INTENTS = {"order", "original-order", "reflex-order", "filler-order", "instance-order", "directive"}
SNOMED = "http://snomed.info/sct"
SERVICE_LINE_BY_SNOMED = {
    "108252007": "laboratory",
    "363679005": "imaging",
    "410606002": "social services",
    "409063005": "counseling",
    "409073007": "education",
    "387713003": "surgery",
}
SERVICE_LINE_BY_NUCC = {
    "207RC0000X": "cardiology",
    "207X00000X": "orthopedics",
    "207Q00000X": "family medicine",
    "208D00000X": "general practice",
    "207RG0100X": "gastroenterology",
    "2084N0400X": "neurology",
    "207N00000X": "dermatology",
    "207W00000X": "ophthalmology",
    "207Y00000X": "otolaryngology",
    "207V00000X": "obstetrics and gynecology",
    "207RE0101X": "endocrinology",
    "207RN0300X": "nephrology",
    "207RP1001X": "pulmonology",
    "2084P0800X": "psychiatry",
    "208800000X": "urology",
    "207RH0003X": "hematology and oncology",
    "207RX0202X": "oncology",
    "208100000X": "physical medicine",
    "225100000X": "physical therapy",
    "207R00000X": "internal medicine",
}
NUCC_CODE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
ICD10_CODE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
# ReferralCreate field -> where it came from, for a 422 that names the FHIR element.
FIELD_PATHS = {
    "service_line": "ServiceRequest.code",
    "specialty_display": "ServiceRequest.performerType",
    "reason": "ServiceRequest.reasonCode",
    "payer_name": "ServiceRequest.insurance",
    "source_identifier": "ServiceRequest.identifier",
    "source_system": "ServiceRequest.identifier",
}
PATIENT_FIELD_PATHS = {
    "given_name": "name.given",
    "family_name": "name.family",
    "birth_date": "birthDate",
    "phone": "telecom",
    "email": "telecom",
    "address": "address",
}


@dataclass
class Resolved:
    """What the references of one ServiceRequest turned out to be (looked up by the caller)."""

    patient: Patient | None = None
    patient_path: str = "ServiceRequest.subject"
    referring_provider_id: uuid.UUID | None = None
    referring_organization_id: uuid.UUID | None = None
    requester_is_hospital: bool = False
    receiving_provider_id: uuid.UUID | None = None
    coverages: list[Any] = field(default_factory=list)  # Coverage models
    conditions: list[Any] = field(default_factory=list)  # Condition models named by reasonReference
    payer_names: dict[str, str] = field(default_factory=dict)  # payor reference -> organization name
    source: tuple[str, str] | None = None  # from If-None-Exist, else the request's own identifier


def check_can_be_referral(sr: ServiceRequest, path: str = "ServiceRequest") -> None:
    if sr.status != "active":
        raise Unprocessable(
            f"Only an active ServiceRequest becomes a referral (this one is {sr.status}); send it once it is active.",
            expression=f"{path}.status",
            code="business-rule",
        )
    if sr.intent not in ACCEPTED_INTENTS:
        raise Unprocessable(
            f"A ServiceRequest with intent {sr.intent} is not an order; a referral needs intent order.",
            expression=f"{path}.intent",
            code="business-rule",
        )
    if sr.subject is None or not sr.subject.reference:
        raise Unprocessable(
            "A referral needs its patient: ServiceRequest.subject is missing.",
            expression=f"{path}.subject",
            code="required",
        )


def source_identifier(sr: ServiceRequest) -> tuple[str, str] | None:
    """The placer's identifier: the one typed PLAC, else the first with a system and a value."""
    candidates = [(i.system[:200], i.value[:200], i.type) for i in sr.identifier or [] if i.system and i.value]
    for system, value, kind in candidates:
        if "PLAC" in {c.code for c in codings(kind)}:
            return system, value
    return (candidates[0][0], candidates[0][1]) if candidates else None


def _specialty(sr: ServiceRequest) -> tuple[str | None, str | None]:
    for coding in codings(sr.performerType):
        if coding.system == NUCC_SYSTEM and coding.code and NUCC_CODE.match(coding.code):
            return coding.code, coding.display or concept_text(sr.performerType)
    return None, concept_text(sr.performerType)


def _service_line(sr: ServiceRequest, specialty_code: str | None, specialty_display: str | None) -> str:
    if specialty_code and specialty_code in SERVICE_LINE_BY_NUCC:
        return SERVICE_LINE_BY_NUCC[specialty_code]
    for coding in codings(sr.category) + codings(sr.code):
        if coding.system == SNOMED and coding.code in SERVICE_LINE_BY_SNOMED:
            return SERVICE_LINE_BY_SNOMED[coding.code]
    words = (
        specialty_display
        or concept_text(sr.code)
        or next((t for t in (concept_text(c) for c in sr.category or []) if t), None)
    )
    if not words:
        raise Unprocessable(
            "A referral needs a service line: give ServiceRequest.code (or category or performerType)"
            " a text or display.",
            expression="ServiceRequest.code",
            code="required",
        )
    return " ".join(words.lower().split())[:100]


def _icd10(code: str) -> str | None:
    code = code.strip().upper()
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code if ICD10_CODE.match(code) else None


def _reasons(sr: ServiceRequest, conditions: list[Any]) -> tuple[str | None, list[str]]:
    texts: list[str] = []
    codes: list[str] = []
    concepts = list(sr.reasonCode or []) + [c.code for c in conditions if c.code is not None]
    for concept in concepts:
        if (text := concept_text(concept)) and text not in texts:
            texts.append(text)
        for coding in concept.coding or []:
            if coding.system in ICD10_SYSTEMS and coding.code and (code := _icd10(coding.code)) and code not in codes:
                codes.append(code)
    for ref in sr.reasonReference or []:
        if ref.display and ref.display not in texts:
            texts.append(ref.display)
    return ("; ".join(texts)[:4000] or None), codes[:12]


def _payer(resolved: Resolved) -> tuple[str | None, str | None]:
    for coverage in resolved.coverages:
        names = [resolved.payer_names.get(p.reference or "") or p.display for p in coverage.payor or []]
        name = next((n for n in names if n), None)
        words = " ".join(
            filter(None, [name, concept_text(coverage.type)] + [c.code or "" for c in codings(coverage.type)])
        ).lower()
        payer_class = next(
            (
                cls
                for key, cls in (
                    ("medicare", "medicare"),
                    ("medicaid", "medicaid"),
                    ("tricare", "tricare"),
                    ("self", "self_pay"),
                    ("pay", "self_pay"),
                    ("workers", "workers_comp"),
                    ("publicpol", "other"),
                    ("commercial", "commercial"),
                )
                if key in words
            ),
            "other",
        )
        return (name[:200] if name else None), payer_class
    return None, None


def service_request_to_referral(sr: ServiceRequest, resolved: Resolved) -> ReferralCreate:
    check_can_be_referral(sr)
    if resolved.patient is None:
        raise Unprocessable(
            "The patient named by ServiceRequest.subject is neither contained, in the Bundle, nor known here.",
            expression="ServiceRequest.subject",
        )
    patient = patient_to_schema(resolved.patient, path=resolved.patient_path)
    specialty_code, specialty_display = _specialty(sr)
    reason, icd10 = _reasons(sr, resolved.conditions)
    payer_name, payer_class = _payer(resolved)
    source = resolved.source or source_identifier(sr)
    values: dict[str, Any] = {
        "patient": patient,
        "service_line": _service_line(sr, specialty_code, specialty_display),
        "specialty_code": specialty_code,
        "specialty_display": specialty_display[:200] if specialty_display else None,
        "urgency": sr.priority or "routine",
        "reason": reason,
        "icd10_codes": icd10,
        "payer_name": payer_name,
        "payer_class": payer_class,
        "referring_provider_id": resolved.referring_provider_id,
        "referring_organization_id": resolved.referring_organization_id,
        "receiving_provider_id": resolved.receiving_provider_id,
        "referral_source": ReferralSource.hospital if resolved.requester_is_hospital else ReferralSource.physician,
        "source_channel": SourceChannel.fhir,
        "source_system": source[0] if source else None,
        "source_identifier": source[1] if source else None,
    }
    try:
        return ReferralCreate.model_validate(values)
    except ValidationError as exc:
        raise _unmappable(exc, resolved.patient_path) from exc


def _unmappable(exc: ValidationError, patient_path: str) -> Unprocessable:
    error = exc.errors()[0]
    loc = [str(p) for p in error["loc"]]
    if loc and loc[0] == "patient":
        path = f"{patient_path}.{PATIENT_FIELD_PATHS.get(loc[1] if len(loc) > 1 else '', '')}".rstrip(".")
    else:
        path = FIELD_PATHS.get(loc[0] if loc else "", "ServiceRequest")
    return Unprocessable(f"{path}: {error['msg']}", expression=path)


def referral_to_service_request(referral: Any, original: dict[str, Any] | None) -> dict[str, Any]:
    """The referral as a ServiceRequest: what was received, with the state Refloop owns laid over it."""
    sr = dict(original) if original else _built(referral)
    sr["resourceType"] = "ServiceRequest"
    sr["id"] = str(referral.id)
    meta = {k: v for k, v in (sr.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")}
    sr["meta"] = {**meta, "versionId": str(referral.version), "lastUpdated": instant(referral.updated_at)}
    sr["status"] = SR_STATUS[S(referral.status)]
    sr["priority"] = str(referral.urgency)
    if referral.source_system and referral.source_identifier:
        identifiers = list(sr.get("identifier") or [])
        if not any(
            i.get("system") == referral.source_system and i.get("value") == referral.source_identifier
            for i in identifiers
        ):
            identifiers.append({"system": referral.source_system, "value": referral.source_identifier})
        sr["identifier"] = identifiers
    return sr


def _built(referral: Any) -> dict[str, Any]:
    """A ServiceRequest for a referral that did not arrive over FHIR."""
    sr: dict[str, Any] = {
        "contained": [patient_from_referral(referral)],
        "intent": "order",
        "category": [{"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}],
        "code": {"text": referral.service_line},
        "subject": {"reference": "#patient"},
        "authoredOn": instant(referral.received_at),
    }
    if referral.specialty_code or referral.specialty_display:
        coding = [{"system": NUCC_SYSTEM, "code": referral.specialty_code}] if referral.specialty_code else []
        sr["performerType"] = {
            "coding": coding,
            **({"text": referral.specialty_display} if referral.specialty_display else {}),
        }
    reasons = [
        {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": c}]} for c in referral.icd10_codes or []
    ]
    if referral.reason:
        reasons.append({"text": referral.reason})
    if reasons:
        sr["reasonCode"] = reasons
    if referral.referring_provider_id:
        sr["requester"] = {"reference": f"Practitioner/{referral.referring_provider_id}"}
    elif referral.referring_organization_id:
        sr["requester"] = {"reference": f"Organization/{referral.referring_organization_id}"}
    return sr
