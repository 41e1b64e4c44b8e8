"""FHIR interactions, one module per resource. Routers and Bundle entries both call these."""

import uuid
from dataclasses import dataclass
from typing import Any

from integrations.fhir.outcomes import FhirError


@dataclass
class Result:
    status: int
    resource: dict[str, Any]

    @property
    def location(self) -> str:
        meta = self.resource.get("meta") or {}
        location = f"{self.resource['resourceType']}/{self.resource['id']}"
        return f"{location}/_history/{meta['versionId']}" if meta.get("versionId") else location

    @property
    def etag(self) -> str | None:
        version = (self.resource.get("meta") or {}).get("versionId")
        return f'W/"{version}"' if version else None


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise FhirError(400, 'If-Match must be an ETag such as W/"3".', expression="header.If-Match")
    return int(tag)


def uuid_id(resource_type: str, resource_id: str, *, create: bool = False) -> uuid.UUID:
    """Referral and appointment ids are UUIDs; any other id names nothing here."""
    try:
        return uuid.UUID(resource_id)
    except ValueError:
        if create:
            raise FhirError(
                400,
                f"{resource_type} ids on this server are UUIDs (the same id as in the REST API); "
                f"'{resource_id}' cannot be one. POST it to get an id.",
                expression=f"{resource_type}.id",
            ) from None
        raise FhirError(404, f"{resource_type}/{resource_id} does not exist.", code="not-found") from None


def check_body_id(resource: dict[str, Any], url_id: str, path: str) -> None:
    """Update: the body's id must be the id in the URL (FHIR http 3.1.0.4)."""
    if resource.get("id") != url_id:
        raise FhirError(
            400,
            f"The resource id ({resource.get('id')}) must match the id in the URL ({url_id}).",
            expression=f"{path}.id",
        )
