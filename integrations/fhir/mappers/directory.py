"""Practitioner, PractitionerRole and Organization <-> the provider directory."""

import re
from typing import Any

from fhir.resources.R4B.organization import Organization as FhirOrganization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from pydantic import ValidationError

from domain.providers.directory import OrganizationFields, PractitionerFields
from domain.providers.enums import OrganizationKind
from domain.providers.schemas import ContactPoint, npi_check_digit_ok
from integrations.fhir.mappers.common import (
    NPI_SYSTEM,
    NUCC_SYSTEM,
    address_from,
    address_of,
    codings,
    contact_points,
    instant,
    npi_of,
    telecom_of,
)
from integrations.fhir.outcomes import Unprocessable

NPI = re.compile(r"^[0-9]{10}$")
NUCC_CODE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
ORG_KIND_BY_CODE = {
    "prov": OrganizationKind.practice,
    "ins": OrganizationKind.payer,
    "pay": OrganizationKind.payer,
    "hosp": OrganizationKind.hospital,
}
PAYER_NETWORK_SYSTEM = "http://hl7.org/fhir/uv/vhdir/CodeSystem/network-type"


def _npi(identifiers: list[Any] | None, root: str) -> str | None:
    npi, index = npi_of(identifiers)
    if npi is not None and not (NPI.match(npi) and npi_check_digit_ok(npi)):
        raise Unprocessable(
            f"'{npi}' is not an NPI (10 digits, the last a check digit).",
            expression=f"{root}.identifier[{index}].value",
        )
    return npi


def directory_contact_points(telecoms: list[Any] | None) -> list[dict[str, str]]:
    """Telecoms the directory can hold (it checks phone digits, e-mail shape...); all of them stay in the original."""
    kept = []
    for point in contact_points(telecoms):
        try:
            kept.append(ContactPoint.model_validate(point).model_dump(mode="json", exclude_none=True))
        except ValidationError:
            continue
    return kept


def specialties_of(concepts: list[Any] | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for coding in codings(concepts):
        if coding.system == NUCC_SYSTEM and coding.code and NUCC_CODE.match(coding.code):
            found.append({"code": coding.code, "display": coding.display or coding.code, "primary": not found})
    return found


def practitioner_fields(practitioner: Practitioner, root: str = "Practitioner") -> PractitionerFields:
    names = practitioner.name or []
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    # A null in `given` is allowed when `_given` carries an extension in its place.
    given = " ".join(g for g in name.given or [] if g is not None) if name else ""
    family = (name.family or "") if name else ""
    if name and name.text and (not given or not family):
        words = name.text.split()
        given, family = given or " ".join(words[:-1]), family or (words[-1] if words else "")
    if not family:
        raise Unprocessable("The directory needs the practitioner's family name.", expression=f"{root}.name")
    quals = [
        q.code.text or next((c.code for c in q.code.coding or [] if c.code), None)
        for q in practitioner.qualification or []
        if q.code is not None
    ]
    return PractitionerFields(
        npi=_npi(practitioner.identifier, root),
        prefix=(name.prefix or [None])[0] if name and name.prefix else None,
        given_name=(given or "-")[:100],
        family_name=family[:100],
        suffix=(name.suffix or [None])[0] if name and name.suffix else None,
        credentials=[q[:20] for q in quals if q][:10],
        specialties=specialties_of([q.code for q in practitioner.qualification or [] if q.code is not None]),
        contact_points=directory_contact_points(practitioner.telecom),
        active=practitioner.active is not False,
    )


def organization_fields(organization: FhirOrganization, root: str = "Organization") -> OrganizationFields:
    if not organization.name:
        raise Unprocessable("The directory needs the organization's name.", expression=f"{root}.name")
    kind = OrganizationKind.other
    for coding in codings(organization.type):
        if coding.code in ORG_KIND_BY_CODE:
            kind = ORG_KIND_BY_CODE[coding.code]
            break
        if coding.system == PAYER_NETWORK_SYSTEM:
            kind = OrganizationKind.payer
            break
    words = " ".join(filter(None, [organization.name] + [c.display or "" for c in codings(organization.type)])).lower()
    if "hospital" in words:
        kind = OrganizationKind.hospital
    return OrganizationFields(
        name=organization.name[:300],
        npi=_npi(organization.identifier, root),
        kind=kind,
        active=organization.active is not False,
        contact_points=directory_contact_points(organization.telecom),
        address=address_from(organization.address),
    )


def role_specialties(role: PractitionerRole) -> list[dict[str, Any]]:
    return specialties_of(list(role.specialty or []) + list(role.code or []))


def _meta(resource: dict[str, Any], row: Any) -> dict[str, Any]:
    meta = {k: v for k, v in (resource.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")}
    return {**meta, "versionId": str(row.version), "lastUpdated": instant(row.updated_at)}


def _with_npi(identifiers: list[dict[str, Any]], npi: str | None) -> list[dict[str, Any]]:
    if npi and not any(i.get("system") == NPI_SYSTEM for i in identifiers):
        identifiers = [*identifiers, {"system": NPI_SYSTEM, "value": npi}]
    return identifiers


def provider_to_practitioner(provider: Any, *, resource_id: str, original: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(original) if original else {}
    name: dict[str, Any] = {"family": provider.family_name, "given": provider.given_name.split()}
    if provider.prefix:
        name["prefix"] = [provider.prefix]
    if provider.suffix:
        name["suffix"] = [provider.suffix]
    out.update(
        resourceType="Practitioner",
        id=resource_id,
        meta=_meta(out, provider),
        active=str(provider.status) == "active",
        name=[name] if not original else out.get("name") or [name],
    )
    out["identifier"] = _with_npi(list(out.get("identifier") or []), provider.npi)
    if not original and (telecom := telecom_of(provider.contact_points)):
        out["telecom"] = telecom
    return out


def organization_to_fhir(organization: Any, *, resource_id: str, original: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(original) if original else {}
    out.update(
        resourceType="Organization",
        id=resource_id,
        meta=_meta(out, organization),
        active=bool(organization.active),
        name=organization.name,
    )
    out["identifier"] = _with_npi(list(out.get("identifier") or []), organization.npi)
    if not original:
        if telecom := telecom_of(organization.contact_points):
            out["telecom"] = telecom
        if address := address_of(organization.address):
            out["address"] = address
    return out


def role_to_fhir(row: Any, *, original: dict[str, Any]) -> dict[str, Any]:
    out = dict(original)
    out.update(resourceType="PractitionerRole", id=row.id, meta=_meta(out, row))
    if row.provider_id:
        out["practitioner"] = {"reference": f"Practitioner/{row.provider_id}"}
    if row.organization_id:
        out["organization"] = {"reference": f"Organization/{row.organization_id}"}
    return out
