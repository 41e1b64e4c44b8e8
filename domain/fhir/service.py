"""FHIR-side storage use cases: patients sent ahead of referrals, originals of directory
resources, and the original ServiceRequest kept with its referral."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir.models import FhirResource
from domain.fhir.repository import FhirReferralRepository, FhirResourceRepository
from domain.referrals import service as referrals
from domain.referrals.models import Referral
from domain.referrals.schemas import ReferralUpdate
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound, PreconditionFailed
from domain.shared.ids import uuid7


async def put_resource(
    session: AsyncSession,
    *,
    resource_type: str,
    resource_id: str | None,
    resource: dict[str, Any],
    expected_version: int | None = None,
    provider_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
) -> tuple[FhirResource, bool]:
    """Store (or replace) a resource under its FHIR id; a new id is made when none is given."""
    repo = FhirResourceRepository(session)
    row = await repo.get(resource_type, resource_id, for_update=True) if resource_id else None
    if row is None:
        row = repo.add(
            FhirResource(
                resource_type=resource_type,
                id=resource_id or str(uuid7()),
                version=1,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        created = True
    else:
        if expected_version is not None and row.version != expected_version:
            raise PreconditionFailed(
                f"{resource_type}/{resource_id} is at version {row.version}, not {expected_version}."
            )
        row.version += 1
        row.updated_at = utcnow()
        created = False
    row.resource = {**resource, "id": row.id}
    row.provider_id = provider_id
    row.organization_id = organization_id
    await session.flush()
    return row, created


async def get_resource(session: AsyncSession, *, resource_type: str, resource_id: str) -> FhirResource:
    row = await FhirResourceRepository(session).get(resource_type, resource_id)
    if row is None:
        raise NotFound(resource_type, resource_id)
    return row


async def referral_with_original(session: AsyncSession, *, referral_id: uuid.UUID) -> Referral:
    referral = await FhirReferralRepository(session).with_fhir(referral_id)
    if referral is None:
        raise NotFound("ServiceRequest", referral_id)
    return referral


async def keep_related(session: AsyncSession, *, referral_id: uuid.UUID, related: list[dict[str, Any]]) -> None:
    await FhirReferralRepository(session).set_related(referral_id, related)


async def update_referral_from_fhir(
    session: AsyncSession,
    *,
    referral_id: uuid.UUID,
    data: ReferralUpdate,
    original: dict[str, Any],
    expected_version: int | None,
    actor: str,
) -> Referral:
    """A PUT of the ServiceRequest: the mapped fields change the referral, the new original replaces the old."""
    current = await referral_with_original(session, referral_id=referral_id)
    if expected_version is not None and current.version != expected_version:
        raise PreconditionFailed(
            f"ServiceRequest/{referral_id} is at version {current.version}, not {expected_version}; read it again."
        )
    before = current.version
    referral = await referrals.update_referral(
        session, referral_id=referral_id, data=data, expected_version=current.version, actor=actor
    )
    if original != current.fhir_resource:
        referral.fhir_resource = original
        if referral.version == before:
            referral.version += 1
            referral.updated_at = utcnow()
    await session.flush()
    return referral
