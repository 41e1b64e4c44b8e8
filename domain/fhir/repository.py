"""SQL of the FHIR facade: stored FHIR resources, directory look-ups by NPI, referral search."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from domain.fhir.models import FhirResource
from domain.identity.models import EhrClient
from domain.referrals.enums import ReferralStatus
from domain.referrals.models import Appointment, Referral
from domain.shared.repository import Repository


@dataclass(frozen=True)
class ReferralQuery:
    ids: list[uuid.UUID] | None = None
    source: tuple[str | None, str] | None = None  # (system or None for any, value)
    statuses: list[ReferralStatus] | None = None
    referring_provider_id: uuid.UUID | None = None
    referring_organization_id: uuid.UUID | None = None
    updated_from: datetime | None = None  # inclusive
    updated_to: datetime | None = None  # exclusive


class FhirResourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, resource_type: str, resource_id: str, *, for_update: bool = False) -> FhirResource | None:
        return await self.session.get(FhirResource, (resource_type, resource_id), with_for_update=for_update)

    async def latest_for(
        self, resource_type: str, *, provider_id: uuid.UUID | None = None, organization_id: uuid.UUID | None = None
    ) -> FhirResource | None:
        stmt = select(FhirResource).where(FhirResource.resource_type == resource_type)
        if provider_id is not None:
            stmt = stmt.where(FhirResource.provider_id == provider_id)
        if organization_id is not None:
            stmt = stmt.where(FhirResource.organization_id == organization_id)
        stmt = stmt.order_by(FhirResource.updated_at.desc()).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def add(self, row: FhirResource) -> FhirResource:
        self.session.add(row)
        return row


class FhirReferralRepository(Repository[Referral]):
    model = Referral
    entity_name = "ServiceRequest"

    async def with_fhir(self, referral_id: uuid.UUID) -> Referral | None:
        stmt = select(Referral).where(Referral.id == referral_id).options(undefer(Referral.fhir_resource))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set_related(self, referral_id: uuid.UUID, related: list[dict[str, Any]]) -> None:
        await self.session.execute(update(Referral).where(Referral.id == referral_id).values(fhir_related=related))

    async def set_original(self, referral_id: uuid.UUID, resource: dict[str, Any]) -> None:
        await self.session.execute(update(Referral).where(Referral.id == referral_id).values(fhir_resource=resource))

    async def search(
        self, query: ReferralQuery, *, limit: int, cursor: str | None
    ) -> tuple[list[Referral], str | None]:
        stmt = select(Referral).options(undefer(Referral.fhir_resource))
        if query.ids is not None:
            stmt = stmt.where(Referral.id.in_(query.ids))
        if query.source is not None:
            system, value = query.source
            stmt = stmt.where(Referral.source_identifier == value)
            if system is not None:
                stmt = stmt.where(Referral.source_system == system)
        if query.statuses:
            stmt = stmt.where(Referral.status.in_(query.statuses))
        if query.referring_provider_id:
            stmt = stmt.where(Referral.referring_provider_id == query.referring_provider_id)
        if query.referring_organization_id:
            stmt = stmt.where(Referral.referring_organization_id == query.referring_organization_id)
        if query.updated_from:
            stmt = stmt.where(Referral.updated_at >= query.updated_from)
        if query.updated_to:
            stmt = stmt.where(Referral.updated_at < query.updated_to)
        return await self.paginate(stmt, sort=Referral.updated_at, descending=True, limit=limit, cursor=cursor)


class FhirAppointmentRepository(Repository[Appointment]):
    model = Appointment
    entity_name = "Appointment"

    async def with_fhir(self, appointment_id: uuid.UUID, *, for_update: bool = False) -> Appointment | None:
        stmt = select(Appointment).where(Appointment.id == appointment_id).options(undefer(Appointment.fhir_resource))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set_original(self, appointment_id: uuid.UUID, resource: dict[str, Any]) -> None:
        stmt = update(Appointment).where(Appointment.id == appointment_id).values(fhir_resource=resource)
        await self.session.execute(stmt)

    async def search(
        self, *, referral_id: uuid.UUID | None, statuses: list[str] | None, limit: int, cursor: str | None
    ) -> tuple[list[Appointment], str | None]:
        stmt = select(Appointment).options(undefer(Appointment.fhir_resource))
        if referral_id is not None:
            stmt = stmt.where(Appointment.referral_id == referral_id)
        if statuses:
            stmt = stmt.where(Appointment.status.in_(statuses))
        return await self.paginate(stmt, sort=Appointment.updated_at, descending=True, limit=limit, cursor=cursor)


class EhrClientLookup:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pushable(self, client_id: str) -> EhrClient | None:
        """The EHR client by its SMART client_id, if it is active and gave a FHIR base URL to push to."""
        stmt = select(EhrClient).where(
            EhrClient.client_id == client_id, EhrClient.active.is_(True), EhrClient.fhir_base_url.is_not(None)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()
