"""ServiceRequest: create (conditional), read, update (also as create), search."""

import uuid
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir import push as fhir_push
from domain.fhir import service as fhir_store
from domain.fhir.repository import FhirReferralRepository, ReferralQuery
from domain.referrals import service as referrals
from domain.referrals.models import Referral
from domain.referrals.repository import ReferralRepository
from domain.referrals.schemas import ReferralCreate, ReferralUpdate
from integrations.fhir.handlers import Result, check_body_id, directory, uuid_id
from integrations.fhir.handlers.search import check_params, count_of, cursor_of, date_range, searchset, token
from integrations.fhir.mappers.common import npi_of
from integrations.fhir.mappers.service_request import (
    REFERRAL_STATUSES_FOR_SR,
    Resolved,
    referral_to_service_request,
    service_request_to_referral,
)
from integrations.fhir.outcomes import FhirError, Unprocessable
from integrations.fhir.resolver import Requester, Resolver

UPDATABLE = set(ReferralUpdate.model_fields) - {"assignee_id", "queue"}


def parse_if_none_exist(value: str | None) -> tuple[str, str] | None:
    """`identifier=system|value` (what a resend carries); other criteria are not supported."""
    if value is None:
        return None
    query = value.strip().lstrip("?")
    name, _, criterion = query.partition("=")
    system, bar, code = criterion.partition("|")
    if name != "identifier" or not bar or not system or not code or "&" in query:
        raise FhirError(
            400, "If-None-Exist supports exactly identifier=system|value.", expression="header.If-None-Exist"
        )
    return system[:200], code[:200]


async def resolve(
    resolver: Resolver, sr: ServiceRequest, resource: dict[str, Any], *, path: str, source: tuple[str, str] | None
) -> Resolved:
    resolved = Resolved(source=source)
    subject = sr.subject.reference if sr.subject else None
    if found := await resolver.patient(resource, subject, path, sr):
        resolved.patient, resolved.patient_path = found
    requester_ref = sr.requester.reference if sr.requester else None
    npi = npi_of([sr.requester.identifier])[0] if sr.requester and sr.requester.identifier else None
    requester = await _contained_requester(resolver, sr, resource, requester_ref, path) or await resolver.requester(
        resource, requester_ref, npi
    )
    resolved.referring_provider_id = requester.provider_id
    resolved.referring_organization_id = requester.organization_id
    resolved.requester_is_hospital = requester.is_hospital
    if sr.performer:
        resolved.receiving_provider_id = await resolver.performer(sr.performer[0].reference)
    resolved.coverages = resolver.resources(resource, sr.insurance or [], "Coverage", sr)
    resolved.payer_names = {
        p.reference: name
        for c in resolved.coverages
        for p in c.payor or []
        if p.reference and (name := resolver.name_of(resource, p.reference))
    }
    resolved.conditions = resolver.resources(resource, sr.reasonReference or [], "Condition", sr)
    return resolved


async def _contained_requester(
    resolver: Resolver, sr: ServiceRequest, resource: dict[str, Any], raw: str | None, path: str
) -> Requester | None:
    """A contained requester is matched in the directory by NPI, else created there.

    A match writes nothing: the same referrer sending many referrals must not serialise them on its
    directory row. Without an NPI there is nothing to match on, so it stays in the original only.
    """
    for kind in ("Practitioner", "Organization"):
        if hit := resolver.contained(resource, raw, kind):
            model = resolver.contained_model(sr, hit[1])
            npi = npi_of(model.identifier)[0]
            if npi is None:
                return Requester()
            known = await resolver.requester({}, None, npi)
            if known.provider_id is not None or known.organization_id is not None:
                return known
            where = f"{path}.contained[{hit[1]}]"
            result = await directory.create(
                resolver.session, resource_type=kind, resource=hit[0], model=model, resolver=resolver, path=where
            )
            return await resolver.requester({}, f"{kind}/{result.resource['id']}")
    return None


def _with_path(exc: FhirError, path: str) -> FhirError:
    """Errors name ServiceRequest.x; inside a Bundle they name Bundle.entry[i].resource.x."""
    if path != "ServiceRequest":
        exc.expression = [
            e.replace("ServiceRequest", path, 1) if e.startswith("ServiceRequest") else e for e in exc.expression
        ]
    return exc


async def map_request(
    session: AsyncSession,
    resolver: Resolver,
    sr: ServiceRequest,
    resource: dict[str, Any],
    *,
    path: str,
    source: tuple[str, str] | None,
) -> ReferralCreate:
    try:
        resolved = await resolve(resolver, sr, resource, path=path, source=source)
        return service_request_to_referral(sr, resolved)
    except FhirError as exc:
        raise _with_path(exc, path) from exc


async def create(
    session: AsyncSession,
    *,
    resource: dict[str, Any],
    model: ServiceRequest,
    actor: str,
    resolver: Resolver,
    if_none_exist: str | None = None,
    client_id: uuid.UUID | None = None,
    path: str = "ServiceRequest",
    fhir_client: str | None = None,
) -> Result:
    """`fhir_client` is the SMART client sending it: its EHR hears about every change (domain/fhir/push.py)."""
    source = parse_if_none_exist(if_none_exist)
    data = await map_request(session, resolver, model, resource, path=path, source=source)
    result = await referrals.create_referral(
        session,
        data=data,
        actor=actor,
        referral_id=client_id,
        fhir_resource=resource,
        fhir_client=fhir_client,
    )
    if result.created:
        if fhir_client is not None:
            await fhir_push.on_referral_changed(session, referral=result.referral)  # the acknowledgement
        return Result(201, referral_to_service_request(result.referral, resource))
    existing = await fhir_store.referral_with_original(session, referral_id=result.referral.id)
    if client_id is not None and existing.id != client_id:
        raise FhirError(
            409,
            f"A ServiceRequest with identifier {data.source_system}|{data.source_identifier} "
            f"already exists as ServiceRequest/{existing.id}.",
            expression=f"{path}.identifier",
        )
    return Result(200, render(existing))


def render(referral: Referral) -> dict[str, Any]:
    return referral_to_service_request(referral, referral.fhir_resource)


async def read(session: AsyncSession, *, resource_id: str) -> Result:
    referral = await fhir_store.referral_with_original(session, referral_id=uuid_id("ServiceRequest", resource_id))
    return Result(200, render(referral))


async def update(
    session: AsyncSession,
    *,
    resource_id: str,
    resource: dict[str, Any],
    model: ServiceRequest,
    actor: str,
    resolver: Resolver,
    expected_version: int | None,
    path: str = "ServiceRequest",
    fhir_client: str | None = None,
) -> Result:
    check_body_id(resource, resource_id, path)
    referral_id = uuid_id("ServiceRequest", resource_id, create=True)
    existing = await ReferralRepository(session).get_or_none(referral_id)
    if existing is None:
        if expected_version is not None:
            raise FhirError(
                412,
                f"ServiceRequest/{resource_id} does not exist, so If-Match cannot hold.",
                expression="header.If-Match",
            )
        return await create(
            session,
            resource=resource,
            model=model,
            actor=actor,
            resolver=resolver,
            client_id=referral_id,
            path=path,
            fhir_client=fhir_client,
        )
    data = await map_request(session, resolver, model, resource, path=path, source=None)
    if (data.source_system, data.source_identifier) not in (
        (None, None),
        (existing.source_system, existing.source_identifier),
    ) and existing.source_identifier is not None:
        raise Unprocessable("The placer identifier of a referral does not change.", expression=f"{path}.identifier")
    changes = ReferralUpdate.model_validate(data.model_dump(include=UPDATABLE, exclude_unset=False))
    referral = await fhir_store.update_referral_from_fhir(
        session,
        referral_id=referral_id,
        data=changes,
        original=resource,
        expected_version=expected_version,
        actor=actor,
    )
    return Result(200, referral_to_service_request(referral, resource))


SEARCH_PARAMS = {"identifier", "status", "requester", "_lastUpdated", "_id"}


async def referral_query(
    session: AsyncSession,
    params: dict[str, list[str]],
    *,
    statuses_for: dict[str, list[Any]],
    based_on: str | None = None,
) -> ReferralQuery | None:
    """The referral filter a ServiceRequest or Task search means; None when nothing can match."""
    query: dict[str, Any] = {}
    ids: set[uuid.UUID] | None = None
    for value in params.get("_id", []) + params.get(based_on or "", []):
        wanted = set()
        for item in value.split(","):
            ref = item.strip().split("/")[-1]
            try:
                wanted.add(uuid.UUID(ref))
            except ValueError:
                continue
        ids = wanted if ids is None else ids & wanted
    if ids is not None:
        if not ids:
            return None
        query["ids"] = sorted(ids)
    for value in params.get("identifier", []):
        query["source"] = token(value)
    for value in params.get("status", []):
        wanted_statuses = [s for item in value.split(",") for s in statuses_for.get(item.strip(), [])]
        if not wanted_statuses:
            return None
        query["statuses"] = wanted_statuses
    for value in params.get("requester", []):
        requester = await Resolver(session).requester({}, value.strip())
        if requester.provider_id is None and requester.organization_id is None:
            return None
        if requester.provider_id is not None:
            query["referring_provider_id"] = requester.provider_id
        else:
            query["referring_organization_id"] = requester.organization_id
    if "_lastUpdated" in params:
        query["updated_from"], query["updated_to"] = date_range(params["_lastUpdated"], "_lastUpdated")
    return ReferralQuery(**query)


async def search(session: AsyncSession, *, raw_params: list[tuple[str, str]]) -> Result:
    params = check_params(raw_params, SEARCH_PARAMS)
    count = count_of(params)
    query = await referral_query(session, params, statuses_for=REFERRAL_STATUSES_FOR_SR)
    items, next_cursor = (
        ([], None)
        if query is None
        else await FhirReferralRepository(session).search(query, limit=count, cursor=cursor_of(params))
    )
    bundle = searchset("ServiceRequest", [render(r) for r in items], params=raw_params, next_cursor=next_cursor)
    return Result(200, bundle)
