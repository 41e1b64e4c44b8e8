"""Small readers shared by the mappers: codings, texts, identifiers, instants."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
ICD10_SYSTEMS = {
    "http://hl7.org/fhir/sid/icd-10-cm",
    "http://hl7.org/fhir/sid/icd-10",
    "urn:oid:2.16.840.1.113883.6.90",
}
REFLOOP_CODES = "https://refloop.dev/fhir/CodeSystem"


def instant(value: datetime) -> str:
    """FHIR instant in UTC with a Z."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def codings(concepts: Iterable[Any] | Any | None) -> list[Any]:
    if concepts is None:
        return []
    if not isinstance(concepts, (list, tuple)):
        concepts = [concepts]
    return [c for concept in concepts if concept is not None for c in (concept.coding or [])]


def concept_text(concept: Any | None) -> str | None:
    """The human words of a CodeableConcept: its text, else the first coding's display."""
    if concept is None:
        return None
    if concept.text:
        return concept.text.strip() or None
    for coding in concept.coding or []:
        if coding.display:
            return coding.display.strip() or None
    return None


def npi_of(identifiers: list[Any] | None) -> tuple[str | None, int | None]:
    """(NPI, index in identifier[]) from the us-npi system, if any."""
    for index, identifier in enumerate(identifiers or []):
        if identifier.system == NPI_SYSTEM and identifier.value:
            return identifier.value.strip(), index
    return None, None


def contact_points(telecoms: list[Any] | None) -> list[dict[str, str]]:
    points = []
    for telecom in telecoms or []:
        if telecom.system and telecom.value:
            point = {"system": telecom.system, "value": telecom.value}
            if telecom.use:
                point["use"] = telecom.use
            points.append(point)
    return points


def telecom_of(points: list[dict[str, str]] | None) -> list[dict[str, str]]:
    allowed = {"phone", "fax", "email", "pager", "url", "sms", "other"}
    return [
        {k: v for k, v in p.items() if k in ("system", "value", "use")}
        for p in points or []
        if p.get("system") in allowed and p.get("value")
    ]


def address_of(address: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Our address dict (line, city, state, postal_code, country) as a FHIR Address list."""
    if not address:
        return []
    out: dict[str, Any] = {}
    if address.get("line"):
        out["line"] = list(address["line"])
    for ours, theirs in (("city", "city"), ("state", "state"), ("postal_code", "postalCode"), ("country", "country")):
        if address.get(ours):
            out[theirs] = address[ours]
    return [out] if out else []


def address_from(addresses: list[Any] | None) -> dict[str, Any] | None:
    for address in addresses or []:
        value = {
            "line": [line[:200] for line in (address.line or []) if line and line.strip()][:4],
            "city": address.city,
            "state": address.state,
            "postal_code": (address.postalCode or None) and address.postalCode[:20],
            "country": address.country,
        }
        if any(value.values()):
            return value
    return None
