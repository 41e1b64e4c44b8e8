"""Directory upserts for resources that arrive over FHIR: matched by NPI, else by the id given.

A Practitioner or Organization carrying an NPI is the directory entry with that
NPI, whoever sent it and under whatever id; without an NPI it is the entry the
sender's id names, or a new one.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.enums import OrganizationKind, ProviderStatus
from domain.providers.models import Affiliation, Organization, Provider
from domain.providers.repository import OrganizationRepository, ProviderRepository
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


T_co = TypeVar("T_co", covariant=True)
E = TypeVar("E", Provider, Organization)


class _Directory(Protocol[T_co]):
    async def by_npi(self, npi: str) -> T_co | None: ...
    async def get_or_none(self, row_id: uuid.UUID, *, for_update: bool = False) -> T_co | None: ...


async def _match(repo: _Directory[E], entity: str, npi: str | None, row_id: uuid.UUID | None) -> E | None:
    """The entry with this NPI, else the one the sender's id names, else None (a new entry)."""
    by_npi = await repo.by_npi(npi) if npi else None
    if by_npi is not None:
        if row_id is not None and by_npi.id != row_id and await repo.get_or_none(row_id) is not None:
            raise Conflict(
                f"NPI {npi} already belongs to {entity} {by_npi.id}.",
                errors=[{"field": "identifier", "message": "NPI belongs to another entry"}],
            )
        return by_npi
    row = await repo.get_or_none(row_id) if row_id is not None else None
    if row is not None and row.npi and npi and row.npi != npi:
        raise Conflict(
            f"{entity} {row_id} has NPI {row.npi}; an NPI does not change.",
            errors=[{"field": "identifier", "message": "NPI differs from the stored one"}],
        )
    return row


async def upsert_practitioner(
    session: AsyncSession, *, fields: PractitionerFields, provider_id: uuid.UUID | None = None
) -> tuple[Provider, bool]:
    """Returns the provider and whether it was created."""
    provider = await _match(ProviderRepository(session), "Practitioner", fields.npi, provider_id)
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


async def match_organization(
    session: AsyncSession, *, npi: str | None, organization_id: uuid.UUID | None = None
) -> Organization | None:
    """The organization with this NPI, else the one `organization_id` names, else None (a new one)."""
    return await _match(OrganizationRepository(session), "Organization", npi, organization_id)


async def upsert_organization(
    session: AsyncSession, *, fields: OrganizationFields, organization_id: uuid.UUID | None = None
) -> tuple[Organization, bool]:
    organization = await match_organization(session, npi=fields.npi, organization_id=organization_id)
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
