"""Resolving the references of an incoming resource: contained, same Bundle, or already stored here."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir.repository import FhirResourceRepository
from domain.providers.enums import OrganizationKind
from domain.providers.repository import OrganizationRepository, ProviderRepository
from integrations.fhir.parsing import validate
from integrations.fhir.references import parse_reference, reference_key


@dataclass
class BundleEntry:
    index: int
    resource: dict[str, Any]
    model: Any
    full_url: str | None
    method: str
    url: str | None
    if_none_exist: str | None = None
    if_match: str | None = None
    # Where the entry landed once processed: (resource type, server id), plus directory ids.
    location: tuple[str, str] | None = None
    provider_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    def keys(self) -> list[str]:
        keys = [self.full_url] if self.full_url else []
        resource_id = self.resource.get("id")
        if self.method == "PUT" and self.url:
            keys.append(self.url.split("?")[0])
        elif resource_id:
            keys.append(reference_key(self.resource["resourceType"], resource_id))
        if self.full_url and not self.full_url.startswith("urn:"):
            keys.append("/".join(self.full_url.rstrip("/").split("/")[-2:]))
        return keys


@dataclass
class Requester:
    provider_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    is_hospital: bool = False


@dataclass
class Resolver:
    session: AsyncSession
    entries: dict[str, BundleEntry] = field(default_factory=dict)

    @classmethod
    def for_bundle(cls, session: AsyncSession, entries: list[BundleEntry]) -> "Resolver":
        resolver = cls(session)
        for entry in entries:
            for key in entry.keys():  # noqa: SIM118 (BundleEntry.keys() is its own method, not a dict's)
                resolver.entries.setdefault(key, entry)
        return resolver

    def entry(self, raw: str | None) -> BundleEntry | None:
        if not raw:
            return None
        if raw in self.entries:
            return self.entries[raw]
        ref = parse_reference(raw)
        if ref.resource_type and ref.id:
            return self.entries.get(reference_key(ref.resource_type, ref.id))
        return None

    @staticmethod
    def contained(container: dict[str, Any], raw: str | None, resource_type: str) -> tuple[dict[str, Any], int] | None:
        if not raw or not raw.startswith("#"):
            return None
        for index, item in enumerate(container.get("contained") or []):
            if item.get("id") == raw[1:] and item.get("resourceType") == resource_type:
                return item, index
        return None

    async def local(self, raw: str, resource_type: str) -> tuple[str, Any] | None:
        """A resource stored here: (its id, its row)."""
        ref = parse_reference(raw)
        if not ref.local or ref.resource_type != resource_type or not ref.id:
            return None
        row = await FhirResourceRepository(self.session).get(resource_type, ref.id)
        return (ref.id, row) if row is not None else None

    @staticmethod
    def contained_model(container_model: Any, index: int) -> Any:
        """The contained resource as already validated with its container (no second validation)."""
        return container_model.contained[index]

    async def patient(
        self, container: dict[str, Any], raw: str | None, path: str, container_model: Any = None
    ) -> tuple[Any, str] | None:
        """(Patient model, where it sits) for a subject reference."""
        if found := self.contained(container, raw, "Patient"):
            resource, index = found
            model = (
                self.contained_model(container_model, index)
                if container_model is not None
                else validate(resource, path=f"{path}.contained[{index}]")
            )
            return model, f"{path}.contained[{index}]"
        if (entry := self.entry(raw)) is not None and entry.resource.get("resourceType") == "Patient":
            return entry.model, entry.path
        if raw and (stored := await self.local(raw, "Patient")):
            return validate(stored[1].resource), f"Patient/{stored[0]}"
        return None

    async def requester(self, container: dict[str, Any], raw: str | None, npi: str | None = None) -> Requester:
        """The referring practitioner/organization, when the directory knows it (else nothing)."""
        providers, organizations = ProviderRepository(self.session), OrganizationRepository(self.session)
        if (entry := self.entry(raw)) is not None and entry.location:
            return await self._requester_of(entry.provider_id, entry.organization_id)
        if raw and not raw.startswith(("#", "urn:")):
            ref = parse_reference(raw)
            if ref.resource_type in ("Practitioner", "PractitionerRole", "Organization") and ref.local and ref.id:
                row = await FhirResourceRepository(self.session).get(ref.resource_type, ref.id)
                if row is not None:
                    return await self._requester_of(row.provider_id, row.organization_id)
                if (as_uuid := ref.uuid()) is not None:
                    if ref.resource_type == "Practitioner" and await providers.get_or_none(as_uuid):
                        return Requester(provider_id=as_uuid)
                    if ref.resource_type == "Organization" and await organizations.get_or_none(as_uuid):
                        return await self._requester_of(None, as_uuid)
        if npi:
            if provider_id := await providers.id_by_npi(npi):
                return Requester(provider_id=provider_id)
            if organization := await organizations.by_npi(npi):
                return await self._requester_of(None, organization.id)
        return Requester()

    async def _requester_of(self, provider_id: uuid.UUID | None, organization_id: uuid.UUID | None) -> Requester:
        hospital = False
        if organization_id is not None and provider_id is None:
            organization = await OrganizationRepository(self.session).get_or_none(organization_id)
            hospital = organization is not None and organization.kind == OrganizationKind.hospital
        return Requester(provider_id=provider_id, organization_id=organization_id, is_hospital=hospital)

    async def performer(self, raw: str | None) -> uuid.UUID | None:
        if (entry := self.entry(raw)) is not None and entry.location:
            return entry.provider_id
        if raw and (stored := await self.local(raw, "Practitioner")):
            return stored[1].provider_id
        return None

    def resources(
        self, container: dict[str, Any], refs: list[Any], resource_type: str, container_model: Any
    ) -> list[Any]:
        """Contained or same-Bundle resources of one type named by `refs` (Coverage, Condition...)."""
        found = []
        for ref in refs:
            raw = ref.reference
            if hit := self.contained(container, raw, resource_type):
                found.append(self.contained_model(container_model, hit[1]))
            elif (entry := self.entry(raw)) is not None and entry.resource.get("resourceType") == resource_type:
                found.append(entry.model)
        return found

    def name_of(self, container: dict[str, Any], raw: str | None) -> str | None:
        if hit := self.contained(container, raw, "Organization"):
            return hit[0].get("name")
        if (entry := self.entry(raw)) is not None:
            return entry.resource.get("name")
        return None
