"""The read side of a referral: the API's `Referral` built straight from columns.

Reads skip the ORM identity map and pydantic's re-validation of what was validated on the way
in (EmailStr, patterns, birth-date checks): the columns are selected explicitly (Core), sealed
fields are decrypted by their column types as usual, and the schema objects are constructed
as they are, which the API then serialises.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Dialect

from domain.identity.access import partner_view
from domain.journey.models import ReferralClock
from domain.referrals import schemas
from domain.referrals.enums import Sex
from domain.referrals.models import PATIENT_FIELDS, Referral

M = TypeVar("M", bound=BaseModel)
_T = Referral.__table__
_REFERRAL_FIELDS = [name for name in schemas.Referral.model_fields if name != "patient"]
_PATIENT_COLUMNS = [f"patient_{name}" for name in PATIENT_FIELDS]
# Every column the API shows, in one SELECT list (no fhir_resource, no blind indexes).
COLUMNS = [_T.c[name] for name in (*_REFERRAL_FIELDS, *_PATIENT_COLUMNS)]
# Aliased and correlated to the referral only: a list filtered by SLA state joins the clocks itself.
_CLOCK = ReferralClock.__table__.alias("list_clock")
# A list item's columns: the referral's, and its clock's first-contact due time (stored while it runs).
LIST_COLUMNS = [
    *COLUMNS,
    select(_CLOCK.c.first_contact_due_at)
    .where(_CLOCK.c.referral_id == _T.c.id)
    .correlate(_T)
    .scalar_subquery()
    .label("first_contact_due_at"),
]


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """`cls.modelconstruct(**values)` for values that name every field: what it does, minus its
    per-field default handling, which showed up at 10% of a list page's CPU."""
    if partner_view() and issubclass(cls, schemas.Referral):
        # Duplicates point at other referrals, maybe another organisation's: staff only.
        values.update(possible_duplicate=False, duplicate_reason=None, merged_into_id=None)
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


_ADDRESS_FIELDS = tuple(schemas.Address.model_fields)
_PATIENT_KEYS = tuple((name, f"patient_{name}") for name in PATIENT_FIELDS)
# Sex is stored as its value; the schema's enum member serialises the same without pydantic's
# "expected enum" warning, whose cost showed up on every list page. An unknown value stays as stored.
_SEX = {member.value: member for member in Sex}


def _patient(get: Any) -> schemas.Patient:
    values = {name: get(column) for name, column in _PATIENT_KEYS}
    sex = values["sex"]
    if sex is not None:
        values["sex"] = _SEX.get(sex, sex)
    address = values.get("address")
    if address is not None:
        values["address"] = construct(
            schemas.Address, {name: address.get(name) for name in _ADDRESS_FIELDS} | {"line": address.get("line") or []}
        )
    return construct(schemas.Patient, values)


def list_item_of_row(row: Any) -> schemas.ReferralListItem:
    """A Core result row of LIST_COLUMNS."""
    values = row._mapping
    fields = {name: values[name] for name in _REFERRAL_FIELDS}
    fields["patient"] = _patient(values.__getitem__)
    fields["first_contact_due_at"] = values["first_contact_due_at"]
    return construct(schemas.ReferralListItem, fields)


def from_entity(referral: Referral) -> schemas.Referral:
    """An already loaded ORM referral."""
    fields = {name: getattr(referral, name) for name in _REFERRAL_FIELDS}
    fields["patient"] = _patient(lambda name: getattr(referral, name))
    return construct(schemas.Referral, fields)


_SCHEMA_ORDER = tuple(schemas.Referral.model_fields)
_STAFF_ONLY = {"possible_duplicate": False, "duplicate_reason": None, "merged_into_id": None}


def plain_of_values(values: dict[str, Any]) -> dict[str, Any]:
    """What `view_of_values(values)` serialises to, as plain values in the schema's field order, for a
    JSON encoder that writes UUIDs, enums, dates and UTC times as pydantic does (api/routers/referral_reads.py)."""
    plain = {name: values[name] for name in _SCHEMA_ORDER if name != "patient"}
    if partner_view():
        plain.update(_STAFF_ONLY)
    patient = {name: values[column] for name, column in _PATIENT_KEYS}
    sex, address = patient["sex"], patient["address"]
    if sex is not None:
        patient["sex"] = _SEX.get(sex, sex)
    if address is not None:
        patient["address"] = {name: address.get(name) for name in _ADDRESS_FIELDS} | {"line": address.get("line") or []}
    return {name: patient if name == "patient" else plain[name] for name in _SCHEMA_ORDER}


def plain_list_item(values: dict[str, Any]) -> dict[str, Any]:
    """`plain_of_values` for a row of LIST_COLUMNS: a ReferralListItem, whose one field of its own comes last."""
    return plain_of_values(values) | {"first_contact_due_at": values["first_contact_due_at"]}


@dataclass(frozen=True)
class CompiledRead:
    """SELECT COLUMNS by id (and organisation, under a partner's scope), compiled for the driver."""

    sql: str
    decoders: list[tuple[str, Callable[[Any], Any] | None]]

    def view(self, record: Any) -> schemas.Referral:
        values = {
            name: (value if decode is None or value is None else decode(value))
            for (name, decode), value in zip(self.decoders, record, strict=True)
        }
        return view_of_values(values)


def view_of_values(values: dict[str, Any]) -> schemas.Referral:
    """Decoded values of COLUMNS (and maybe more) by column name."""
    fields = {name: values[name] for name in _REFERRAL_FIELDS}
    fields["patient"] = _patient(values.__getitem__)
    return construct(schemas.Referral, fields)


@cache
def compiled_read(dialect: Dialect, *, scoped: bool) -> CompiledRead:
    stmt = select(*COLUMNS).where(_T.c.id == bindparam("id"))
    if scoped:
        stmt = stmt.where(_T.c.referring_organization_id == bindparam("organization_id"))
    compiled = stmt.compile(dialect=dialect)
    if list(compiled.positiontup or []) != (["id", "organization_id"] if scoped else ["id"]):
        raise RuntimeError("the read's parameters are not in the order the repository passes them")
    # A TypeDecorator's processor includes its process_result_value: sealed fields are opened here.
    decoders: list[tuple[str, Callable[[Any], Any] | None]] = [
        (c.name, c.type.dialect_impl(dialect).result_processor(dialect, None)) for c in COLUMNS
    ]
    return CompiledRead(sql=str(compiled), decoders=decoders)
