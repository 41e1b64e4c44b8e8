import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class ReferrerFilters:
    tier: list[str] | None = None
    segment: list[str] | None = None
    cooling: bool | None = None
    liaison_id: uuid.UUID | None = None
    specialty: str | None = None
    organization_id: uuid.UUID | None = None
    service_line: str | None = None
    provider_ids: list[uuid.UUID] | None = None
