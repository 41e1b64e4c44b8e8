"""Reading FHIR references: `Type/id`, absolute URLs, `#contained` and `urn:uuid:` ids."""

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from domain.shared.settings import get_settings

# The base URL the caller used (set per request), so links and fullUrls point back where it came from.
request_base: ContextVar[str | None] = ContextVar("fhir_request_base", default=None)


def base_url() -> str:
    return (request_base.get() or get_settings().fhir.base_url).rstrip("/")


RESOURCE_TYPES_WE_LINK = {
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "ServiceRequest",
    "Task",
    "Appointment",
    "Coverage",
    "Condition",
    "Location",
}


@dataclass(frozen=True)
class Ref:
    raw: str
    resource_type: str | None = None
    id: str | None = None
    local: bool = False  # on this server (relative, or under our base URL)

    @property
    def contained(self) -> bool:
        return self.raw.startswith("#")

    @property
    def urn(self) -> bool:
        return self.raw.startswith("urn:")

    def uuid(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.id) if self.id else None
        except ValueError:
            return None


def parse_reference(raw: str) -> Ref:
    if raw.startswith(("#", "urn:")):
        return Ref(raw)
    bases = {base_url() + "/", get_settings().fhir.base_url.rstrip("/") + "/"}
    base = next((b for b in bases if raw.startswith(b)), "")
    local = not raw.startswith(("http://", "https://")) or bool(base)
    parts = raw.removeprefix(base).split("/_history/")[0].rstrip("/").split("/")
    if len(parts) >= 2:
        return Ref(raw, parts[-2], parts[-1], local)
    return Ref(raw, None, None, False)


def reference_key(resource_type: str, resource_id: str) -> str:
    return f"{resource_type}/{resource_id}"
