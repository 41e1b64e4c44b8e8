"""Directory upserts for resources that arrive over FHIR: matched by NPI, else by the id given.

A Practitioner or Organization carrying an NPI is the directory entry with that
NPI, whoever sent it and under whatever id; without an NPI it is the entry the
sender's id names, or a new one.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir.repository import DirectoryLookup
from domain.providers.enums import OrganizationKind, ProviderStatus
from domain.providers.models import Affiliation, Organization, Provider
from domain.shared.errors import Conflict
from domain.shared.ids import uuid7


@dataclass(frozen=True)
class PractitionerFields:
    given_name: str
    family_name: str
    npi: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    credentials: list[str] = field(default_factory=list)
    specialties: list[dict[str, Any]] = field(default_factory=list)
    contact_points: list[dict[str, str]] = field(default_factory=list)
    active: bool = True


@dataclass(frozen=True)
class OrganizationFields:
    name: str
    kind: OrganizationKind
    npi: str | None = None
    active: bool = True
    contact_points: list[dict[str, str]] = field(default_factory=list)
    address: dict[str, Any] | None = None


def _npi_taken(entity: str, npi: str, owner: uuid.UUID) -> Conflict:
    return Conflict(
        f"NPI {npi} already belongs to {entity} {owner}.",
        errors=[{"field": "identifier", "message": "NPI belongs to another entry"}],
    )


async def upsert_practitioner(
    session: AsyncSession, *, fields: PractitionerFields, provider_id: uuid.UUID | None = None
) -> tuple[Provider, bool]:
    """Returns the provider and whether it was created."""
    lookup = DirectoryLookup(session)
    provider = await lookup.provider_by_npi(fields.npi) if fields.npi else None
    if (
        provider is not None
        and provider_id is not None
        and provider.id != provider_id
        and await lookup.provider(provider_id) is not None
    ):
        raise _npi_taken("Practitioner", fields.npi or "", provider.id)
    if provider is None and provider_id is not None:
        provider = await lookup.provider(provider_id)
        if provider is not None and provider.npi and fields.npi and provider.npi != fields.npi:
            raise Conflict(
                f"Practitioner {provider_id} has NPI {provider.npi}; an NPI does not change.",
                errors=[{"field": "identifier", "message": "NPI differs from the stored one"}],
            )
    created = provider is None
    if provider is None:
        provider = Provider(id=provider_id or uuid7())
        session.add(provider)
    provider.npi = fields.npi or provider.npi
    provider.given_name, provider.family_name = fields.given_name, fields.family_name
    provider.prefix, provider.suffix = fields.prefix, fields.suffix
    provider.credentials = fields.credentials or list(provider.credentials or [])
    provider.specialties = fields.specialties or list(provider.specialties or [])
    provider.contact_points = fields.contact_points or list(provider.contact_points or [])
    if provider.status != ProviderStatus.merged:
        provider.status = ProviderStatus.active if fields.active else ProviderStatus.inactive
    if not created:
        provider.version += 1
    await session.flush()
    return provider, created


async def upsert_organization(
    session: AsyncSession, *, fields: OrganizationFields, organization_id: uuid.UUID | None = None
) -> tuple[Organization, bool]:
    lookup = DirectoryLookup(session)
    organization = await lookup.organization_by_npi(fields.npi) if fields.npi else None
    if (
        organization is not None
        and organization_id is not None
        and organization.id != organization_id
        and await lookup.organization(organization_id) is not None
    ):
        raise _npi_taken("Organization", fields.npi or "", organization.id)
    if organization is None and organization_id is not None:
        organization = await lookup.organization(organization_id)
    created = organization is None
    if organization is None:
        organization = Organization(id=organization_id or uuid7())
        session.add(organization)
    organization.name, organization.kind, organization.active = fields.name, fields.kind, fields.active
    organization.npi = fields.npi or organization.npi
    organization.contact_points = fields.contact_points or list(organization.contact_points or [])
    organization.address = fields.address or organization.address
    if not created:
        organization.version += 1
    await session.flush()
    return organization, created


async def affiliate(session: AsyncSession, *, provider_id: uuid.UUID, organization_id: uuid.UUID) -> None:
    """Record that the practitioner works at the organization (a PractitionerRole); repeats are no-ops."""
    stmt = (
        insert(Affiliation)
        .values(id=uuid7(), provider_id=provider_id, organization_id=organization_id, role="member")
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)


async def add_specialties(session: AsyncSession, *, provider: Provider, specialties: list[dict[str, Any]]) -> None:
    known = {s.get("code") for s in provider.specialties or []}
    new = [dict(s, primary=not known and i == 0) for i, s in enumerate(specialties) if s["code"] not in known]
    if new:
        provider.specialties = list(provider.specialties or []) + new
        provider.version += 1
        await session.flush()
