"""What a referral lacks, given its service line's rule: pure, no database."""

from typing import Any

# Field paths a rule may require, with the words the referrer reads.
FIELDS = {
    "icd10_codes": "diagnosis codes (ICD-10)",
    "reason": "reason for referral",
    "payer_name": "insurance payer",
    "payer_class": "payer class",
    "specialty_code": "specialty wanted",
    "referring_provider_id": "referring provider",
    "location_preference": "preferred location",
    "patient.phone": "patient phone number",
    "patient.email": "patient email",
    "patient.address": "patient address",
    "patient.mrn": "patient medical record number",
    "patient.sex": "patient sex",
}
DOCUMENT_KINDS = {
    "clinical_note": "clinical notes",
    "imaging_report": "imaging report",
    "lab_result": "lab results",
    "insurance_card": "copy of the insurance card",
    "referral_letter": "referral letter",
    "other": "supporting document",
}


def label(item: dict[str, str]) -> str:
    return FIELDS[item["field"]] if "field" in item else DOCUMENT_KINDS[item["document"]]


def _value(referral: Any, path: str) -> Any:
    return getattr(referral, path.replace("patient.", "patient_", 1))


def missing(items: list[dict[str, str]], referral: Any, document_kinds: set[str]) -> list[dict[str, str]]:
    """The required items the referral does not carry; a blank string or empty list counts as missing."""
    lacking = []
    for item in items:
        if "document" in item:
            if item["document"] not in document_kinds:
                lacking.append(item)
            continue
        value = _value(referral, item["field"])
        if value is None or (isinstance(value, (str, list, dict)) and not value):
            lacking.append(item)
    return lacking
