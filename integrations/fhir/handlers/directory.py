"""Practitioner, Organization, PractitionerRole (upsert by NPI into the directory) and Patient (kept for
later referrals). Each is stored under the id the sender used, so its references keep resolving."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir import service as fhir_store
from domain.fhir.repository import FhirResourceRepository
from domain.providers import directory
from domain.providers.repository import OrganizationRepository, ProviderRepository
from domain.shared.errors import NotFound, PreconditionFailed
from integrations.fhir.handlers import Result, check_body_id
from integrations.fhir.mappers.common import instant, npi_of
from integrations.fhir.mappers.directory import (
    organization_fields,
    organization_to_fhir,
    practitioner_fields,
    provider_to_practitioner,
    role_specialties,
    role_to_fhir,
)
from integrations.fhir.outcomes import Unprocessable
from integrations.fhir.parsing import check_id, validate
from integrations.fhir.resolver import Resolver


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _check_version(current: int, expected: int | None, label: str) -> None:
    if expected is not None and current != expected:
        raise PreconditionFailed(f"{label} is at version {current}, not {expected}; read it again.")


async def put_practitioner(
    session: AsyncSession,
    *,
    resource: dict[str, Any],
    model: Any,
    resource_id: str | None,
    expected_version: int | None = None,
    path: str = "Practitioner",
) -> Result:
    """POST (resource_id None: upsert by NPI) or PUT (under the sender's id)."""
    fields = practitioner_fields(model, path)
    row = await FhirResourceRepository(session).get("Practitioner", resource_id) if resource_id else None
    target = row.provider_id if row is not None else _as_uuid(resource_id)
    existing = await ProviderRepository(session).get_or_none(target) if target else None
    if existing is not None:
        _check_version(existing.version, expected_version, f"Practitioner/{resource_id}")
    provider, created = await directory.upsert_practitioner(session, fields=fields, provider_id=target)
    stored, row_created = await fhir_store.put_resource(
        session,
        resource_type="Practitioner",
        resource_id=resource_id or str(provider.id),
        resource=resource,
        provider_id=provider.id,
    )
    status = 201 if (row_created if resource_id else created) else 200
    return Result(status, provider_to_practitioner(provider, resource_id=stored.id, original=stored.resource))


async def put_organization(
    session: AsyncSession,
    *,
    resource: dict[str, Any],
    model: Any,
    resource_id: str | None,
    expected_version: int | None = None,
    path: str = "Organization",
) -> Result:
    fields = organization_fields(model, path)
    row = await FhirResourceRepository(session).get("Organization", resource_id) if resource_id else None
    target = row.organization_id if row is not None else _as_uuid(resource_id)
    existing = await OrganizationRepository(session).get_or_none(target) if target else None
    if existing is not None:
        _check_version(existing.version, expected_version, f"Organization/{resource_id}")
    organization, created = await directory.upsert_organization(session, fields=fields, organization_id=target)
    stored, row_created = await fhir_store.put_resource(
        session,
        resource_type="Organization",
        resource_id=resource_id or str(organization.id),
        resource=resource,
        organization_id=organization.id,
    )
    status = 201 if (row_created if resource_id else created) else 200
    return Result(status, organization_to_fhir(organization, resource_id=stored.id, original=stored.resource))


async def _role_party(
    session: AsyncSession, resolver: Resolver, resource: dict[str, Any], ref: Any, resource_type: str, where: str
) -> uuid.UUID | None:
    if ref is None:
        return None
    raw = ref.reference
    if hit := resolver.contained(resource, raw, resource_type):
        nested = validate(hit[0], path=f"{where}")
        put = put_practitioner if resource_type == "Practitioner" else put_organization
        result = await put(session, resource=hit[0], model=nested, resource_id=None, path=where)
        return _as_uuid(result.resource["id"])
    entry = resolver.entry(raw)
    if entry is not None and entry.location:
        return entry.provider_id if resource_type == "Practitioner" else entry.organization_id
    identifier_npi = npi_of([ref.identifier])[0] if ref.identifier else None
    if raw or identifier_npi:
        requester = await resolver.requester(resource, raw, identifier_npi)
        found = requester.provider_id if resource_type == "Practitioner" else requester.organization_id
        if found is not None:
            return found
    raise Unprocessable(
        f"{raw or ref.display or 'The reference'} is not in the directory; send the "
        f"{resource_type} first or in the same Bundle.",
        expression=where,
        code="not-found",
    )


async def put_role(
    session: AsyncSession,
    *,
    resource: dict[str, Any],
    model: Any,
    resource_id: str | None,
    resolver: Resolver,
    expected_version: int | None = None,
    path: str = "PractitionerRole",
) -> Result:
    provider_id = await _role_party(
        session, resolver, resource, model.practitioner, "Practitioner", f"{path}.practitioner"
    )
    organization_id = await _role_party(
        session, resolver, resource, model.organization, "Organization", f"{path}.organization"
    )
    if provider_id is None and organization_id is None:
        raise Unprocessable(
            "A PractitionerRole needs its practitioner or organization.",
            expression=f"{path}.practitioner",
            code="required",
        )
    repo = FhirResourceRepository(session)
    if resource_id is None:  # POST: the same practitioner at the same organization is the same role
        same = await repo.latest_for("PractitionerRole", provider_id=provider_id, organization_id=organization_id)
        resource_id = (
            same.id
            if same is not None and same.provider_id == provider_id and same.organization_id == organization_id
            else None
        )
    if resource_id and (row := await repo.get("PractitionerRole", resource_id)) is not None:
        _check_version(row.version, expected_version, f"PractitionerRole/{resource_id}")
    if provider_id and organization_id:
        await directory.affiliate(session, provider_id=provider_id, organization_id=organization_id)
    if provider_id and (specialties := role_specialties(model)):
        provider = await ProviderRepository(session).get_or_none(provider_id)
        if provider is not None:
            await directory.add_specialties(session, provider=provider, specialties=specialties)
    stored, created = await fhir_store.put_resource(
        session,
        resource_type="PractitionerRole",
        resource_id=resource_id,
        resource=resource,
        provider_id=provider_id,
        organization_id=organization_id,
    )
    return Result(201 if created else 200, role_to_fhir(stored, original=stored.resource))


async def put_patient(
    session: AsyncSession, *, resource: dict[str, Any], resource_id: str | None, expected_version: int | None = None
) -> Result:
    stored, created = await fhir_store.put_resource(
        session, resource_type="Patient", resource_id=resource_id, resource=resource, expected_version=expected_version
    )
    return Result(201 if created else 200, _stored(stored))


def _stored(row: Any) -> dict[str, Any]:
    meta = {k: v for k, v in (row.resource.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")}
    return {
        **row.resource,
        "id": row.id,
        "meta": {**meta, "versionId": str(row.version), "lastUpdated": instant(row.updated_at)},
    }


async def read(session: AsyncSession, *, resource_type: str, resource_id: str) -> Result:
    check_id(resource_id)
    repo = FhirResourceRepository(session)
    row = await repo.get(resource_type, resource_id)
    if resource_type == "Patient" or resource_type == "PractitionerRole":
        if row is None:
            raise NotFound(resource_type, resource_id)
        return Result(200, _stored(row) if resource_type == "Patient" else role_to_fhir(row, original=row.resource))
    if resource_type == "Practitioner":
        provider_id = row.provider_id if row is not None else _as_uuid(resource_id)
        provider = await ProviderRepository(session).get_or_none(provider_id) if provider_id else None
        if provider is None:
            raise NotFound(resource_type, resource_id)
        row = row or await repo.latest_for("Practitioner", provider_id=provider.id)
        return Result(
            200, provider_to_practitioner(provider, resource_id=resource_id, original=row.resource if row else None)
        )
    organization_id = row.organization_id if row is not None else _as_uuid(resource_id)
    organization = await OrganizationRepository(session).get_or_none(organization_id) if organization_id else None
    if organization is None:
        raise NotFound(resource_type, resource_id)
    row = row or await repo.latest_for("Organization", organization_id=organization.id)
    return Result(
        200, organization_to_fhir(organization, resource_id=resource_id, original=row.resource if row else None)
    )


async def update(
    session: AsyncSession,
    *,
    resource_type: str,
    resource_id: str,
    resource: dict[str, Any],
    model: Any,
    resolver: Resolver,
    expected_version: int | None,
    path: str | None = None,
) -> Result:
    path = path or resource_type
    check_body_id(resource, resource_id, path)
    check_id(resource_id, expression=f"{path}.id")
    if resource_type == "Practitioner":
        return await put_practitioner(
            session,
            resource=resource,
            model=model,
            resource_id=resource_id,
            expected_version=expected_version,
            path=path,
        )
    if resource_type == "Organization":
        return await put_organization(
            session,
            resource=resource,
            model=model,
            resource_id=resource_id,
            expected_version=expected_version,
            path=path,
        )
    if resource_type == "PractitionerRole":
        return await put_role(
            session,
            resource=resource,
            model=model,
            resource_id=resource_id,
            resolver=resolver,
            expected_version=expected_version,
            path=path,
        )
    return await put_patient(session, resource=resource, resource_id=resource_id, expected_version=expected_version)


async def create(
    session: AsyncSession,
    *,
    resource_type: str,
    resource: dict[str, Any],
    model: Any,
    resolver: Resolver,
    path: str | None = None,
) -> Result:
    """POST: the id in the body is the sender's, not ours (FHIR create ignores it)."""
    path = path or resource_type
    body = {k: v for k, v in resource.items() if k != "id"}
    if resource_type == "Practitioner":
        return await put_practitioner(session, resource=body, model=model, resource_id=None, path=path)
    if resource_type == "Organization":
        return await put_organization(session, resource=body, model=model, resource_id=None, path=path)
    if resource_type == "PractitionerRole":
        return await put_role(session, resource=body, model=model, resource_id=None, resolver=resolver, path=path)
    return await put_patient(session, resource=body, resource_id=None)
