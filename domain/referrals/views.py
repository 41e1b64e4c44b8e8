"""The read side of a referral: the API's `Referral` built straight from columns.

Reads skip the ORM identity map and pydantic's re-validation of what was validated on the way
in (EmailStr, patterns, birth-date checks): the columns are selected explicitly (Core), sealed
fields are decrypted by their column types as usual, and the schema objects are constructed
as they are, which the API then serialises.
"""

from typing import Any, TypeVar

from pydantic import BaseModel

from domain.referrals import schemas
from domain.referrals.models import PATIENT_FIELDS, Referral

M = TypeVar("M", bound=BaseModel)
_T = Referral.__table__
_REFERRAL_FIELDS = [name for name in schemas.Referral.model_fields if name != "patient"]
_PATIENT_COLUMNS = [f"patient_{name}" for name in PATIENT_FIELDS]
# Every column the API shows, in one SELECT list (no fhir_resource, no blind indexes).
COLUMNS = [_T.c[name] for name in (*_REFERRAL_FIELDS, *_PATIENT_COLUMNS)]


def _construct(cls: type[M], values: dict[str, Any]) -> M:
    """`cls.model_construct(**values)` for values that name every field: what it does, minus its
    per-field default handling, which showed up at 10% of a list page's CPU."""
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


_ADDRESS_FIELDS = tuple(schemas.Address.model_fields)


def _patient(get: Any) -> schemas.Patient:
    values = {name: get(f"patient_{name}") for name in PATIENT_FIELDS}
    address = values.get("address")
    if address is not None:
        values["address"] = _construct(schemas.Address, {name: address.get(name) for name in _ADDRESS_FIELDS}
                                       | {"line": address.get("line") or []})
    return _construct(schemas.Patient, values)


def from_row(row: Any) -> schemas.Referral:
    """A Core result row of COLUMNS."""
    values = row._mapping
    fields = {name: values[name] for name in _REFERRAL_FIELDS}
    fields["patient"] = _patient(values.__getitem__)
    return _construct(schemas.Referral, fields)


def from_entity(referral: Referral) -> schemas.Referral:
    """An already loaded ORM referral."""
    fields = {name: getattr(referral, name) for name in _REFERRAL_FIELDS}
    fields["patient"] = _patient(lambda name: getattr(referral, name))
    return _construct(schemas.Referral, fields)
