"""The read side of a referral: the API's `Referral` built straight from columns.

Reads skip the ORM identity map and pydantic's re-validation of what was validated on the way
in (EmailStr, patterns, birth-date checks): the columns are selected explicitly (Core), sealed
fields are decrypted by their column types as usual, and the schema objects are constructed
as they are, which the API then serialises.
"""

from typing import Any

from domain.referrals import schemas
from domain.referrals.models import PATIENT_FIELDS, Referral

_T = Referral.__table__
_REFERRAL_FIELDS = [name for name in schemas.Referral.model_fields if name != "patient"]
_PATIENT_COLUMNS = [f"patient_{name}" for name in PATIENT_FIELDS]
# Every column the API shows, in one SELECT list (no fhir_resource, no blind indexes).
COLUMNS = [_T.c[name] for name in (*_REFERRAL_FIELDS, *_PATIENT_COLUMNS)]


def _patient(get: Any) -> schemas.Patient:
    values = {name: get(f"patient_{name}") for name in PATIENT_FIELDS}
    address = values.get("address")
    if address is not None:
        values["address"] = schemas.Address.model_construct(**address)
    return schemas.Patient.model_construct(**values)


def from_row(row: Any) -> schemas.Referral:
    """A Core result row of COLUMNS."""
    values = row._mapping
    return schemas.Referral.model_construct(
        patient=_patient(values.__getitem__), **{name: values[name] for name in _REFERRAL_FIELDS}
    )


def from_entity(referral: Referral) -> schemas.Referral:
    """An already loaded ORM referral."""
    return schemas.Referral.model_construct(
        patient=_patient(lambda name: getattr(referral, name)),
        **{name: getattr(referral, name) for name in _REFERRAL_FIELDS},
    )
