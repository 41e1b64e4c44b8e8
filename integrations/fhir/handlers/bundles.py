"""POST /fhir/R4 with a transaction or batch Bundle.

Entries run in dependency order (directory, then patients, then referrals, then what
points at referrals) whatever order they arrive in, with `urn:uuid:` and `Type/id`
references resolved against the Bundle. A transaction runs in the request's
transaction, so one failing entry undoes all; a batch gives each entry a savepoint.
"""

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir import service as fhir_store
from domain.shared.errors import DomainError
from integrations.fhir.handlers import Result, appointments, directory, parse_if_match, service_requests, tasks
from integrations.fhir.handlers import documents as fhir_documents
from integrations.fhir.outcomes import FhirError, Unprocessable, information, operation_outcome
from integrations.fhir.parsing import validate
from integrations.fhir.references import base_url
from integrations.fhir.resolver import BundleEntry, Resolver

ORDER = [
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Patient",
    "ServiceRequest",
    "Appointment",
    "Task",
    "DocumentReference",
]
DIRECTORY = {"Organization", "Practitioner", "PractitionerRole", "Patient"}
REASON = {200: "200 OK", 201: "201 Created", 202: "202 Accepted"}


def _entries(bundle: dict[str, Any], model: Any) -> list[BundleEntry]:
    entries = []
    for index, (raw, parsed) in enumerate(zip(bundle.get("entry") or [], model.entry or [], strict=False)):
        request = raw.get("request") or {}
        if not raw.get("resource") or not request.get("method"):
            raise FhirError(
                400,
                "Each entry of a transaction or batch needs a resource and a request.",
                expression=f"Bundle.entry[{index}]",
            )
        entries.append(
            BundleEntry(
                index=index,
                resource=raw["resource"],
                model=parsed.resource,
                full_url=raw.get("fullUrl"),
                method=request["method"].upper(),
                url=request.get("url"),
                if_none_exist=request.get("ifNoneExist"),
                if_match=request.get("ifMatch"),
            )
        )
    return entries


def _rewrite(value: Any, resolver: Resolver) -> Any:
    """Point `urn:uuid:` references at where their entries landed (FHIR transaction rules)."""
    if isinstance(value, dict):
        out = {k: _rewrite(v, resolver) for k, v in value.items()}
        raw = value.get("reference")
        if isinstance(raw, str) and raw.startswith("urn:") and (entry := resolver.entry(raw)) and entry.location:
            out["reference"] = "/".join(entry.location)
        return out
    if isinstance(value, list):
        return [_rewrite(v, resolver) for v in value]
    return value


def _url_id(entry: BundleEntry) -> str:
    parts = (entry.url or "").split("?")[0].strip("/").split("/")
    if len(parts) != 2 or parts[0] != entry.resource.get("resourceType"):
        raise FhirError(
            400,
            f"A PUT entry's request.url must be {entry.resource.get('resourceType')}/[id].",
            expression=f"Bundle.entry[{entry.index}].request.url",
        )
    return parts[1]


async def _run(
    session: AsyncSession,
    entry: BundleEntry,
    resolver: Resolver,
    actor: str,
    has_referral: bool,
    kept: list[dict[str, Any]],
    fhir_client: str | None,
    bundle: list[BundleEntry],
) -> Result:
    resource_type = entry.resource["resourceType"]
    resource = _rewrite(entry.resource, resolver)
    path = entry.path
    if entry.method not in ("POST", "PUT"):
        raise FhirError(
            400,
            f"{entry.method} entries are not supported; send POST or PUT.",
            expression=f"Bundle.entry[{entry.index}].request.method",
            code="not-supported",
        )
    put_id = _url_id(entry) if entry.method == "PUT" else None
    expected = parse_if_match(entry.if_match)
    if resource_type in DIRECTORY:
        if put_id:
            return await directory.update(
                session,
                resource_type=resource_type,
                resource_id=put_id,
                resource=resource,
                model=entry.model,
                resolver=resolver,
                expected_version=expected,
                path=path,
            )
        return await directory.create(
            session, resource_type=resource_type, resource=resource, model=entry.model, resolver=resolver, path=path
        )
    if resource_type == "ServiceRequest":
        if put_id:
            return await service_requests.update(
                session,
                resource_id=put_id,
                resource=resource,
                model=entry.model,
                actor=actor,
                resolver=resolver,
                expected_version=expected,
                path=path,
                fhir_client=fhir_client,
            )
        return await service_requests.create(
            session,
            resource=resource,
            model=entry.model,
            actor=actor,
            resolver=resolver,
            if_none_exist=entry.if_none_exist,
            path=path,
            fhir_client=fhir_client,
        )
    if resource_type == "Appointment":
        if put_id:
            return await appointments.update(
                session,
                resource_id=put_id,
                resource=resource,
                model=entry.model,
                actor=actor,
                resolver=resolver,
                expected_version=expected,
                path=path,
            )
        return await appointments.create(
            session, resource=resource, model=entry.model, actor=actor, resolver=resolver, path=path
        )
    if resource_type == "DocumentReference" and entry.method == "POST":
        return await fhir_documents.create(
            session, entry=entry, resource=resource, resolver=resolver, bundle=bundle, actor=actor
        )
    if resource_type == "Task":
        try:
            return await tasks.create(session, model=entry.model, resolver=resolver, path=path)
        except Unprocessable:
            if not has_referral:
                raise
    elif not has_referral:
        raise Unprocessable(
            f"{resource_type} is not a resource this server manages.",
            expression=f"{path}.resourceType",
            code="not-supported",
        )
    # Workflow resources sent along with a referral (group Tasks, CommunicationRequests...) stay with it.
    kept.append(resource)
    return Result(
        202, information(f"{resource_type} kept with the referral of this Bundle; it is not managed on its own here.")
    )


def _entry_error(exc: DomainError, index: int) -> FhirError:
    if isinstance(exc, FhirError):
        if not exc.expression:
            exc.expression = [f"Bundle.entry[{index}]"]
        return exc
    fields = [f"Bundle.entry[{index}]"]
    return FhirError(exc.status, f"Bundle.entry[{index}]: {exc.detail}", expression=fields)


def _response(result: Result) -> dict[str, Any]:
    if result.resource.get("resourceType") == "OperationOutcome":
        return {"response": {"status": REASON[result.status], "outcome": result.resource}}
    meta = result.resource.get("meta") or {}
    response = {"status": REASON.get(result.status, str(result.status)), "location": result.location}
    if result.etag:
        response["etag"] = result.etag
    if meta.get("lastUpdated"):
        response["lastModified"] = meta["lastUpdated"]
    return {"fullUrl": None, "resource": result.resource, "response": response}


async def process(
    session: AsyncSession, *, bundle: dict[str, Any], actor: str, fhir_client: str | None = None
) -> Result:
    if bundle.get("resourceType") != "Bundle":
        raise FhirError(
            400,
            f"POST to the base takes a transaction or batch Bundle, not a {bundle.get('resourceType')}.",
            expression="resourceType",
            code="structure",
        )
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise FhirError(
            400,
            f"Only transaction and batch Bundles can be posted here; this one is a {kind} Bundle"
            + (" (messages go to $process-message, which this server does not offer)." if kind == "message" else "."),
            expression="Bundle.type",
            code="not-supported",
        )
    model = validate(bundle, expected="Bundle")
    entries = _entries(bundle, model)
    resolver = Resolver.for_bundle(session, entries)
    has_referral = any(e.resource.get("resourceType") == "ServiceRequest" for e in entries)
    ordered = sorted(
        entries, key=lambda e: (ORDER.index(t) if (t := e.resource["resourceType"]) in ORDER else 99, e.index)
    )
    results: dict[int, dict[str, Any]] = {}
    kept: list[dict[str, Any]] = []
    referral_ids: list[uuid.UUID] = []
    for entry in ordered:
        try:
            if kind == "batch":
                async with session.begin_nested():
                    result = await _run(session, entry, resolver, actor, has_referral, kept, fhir_client, entries)
            else:
                result = await _run(session, entry, resolver, actor, has_referral, kept, fhir_client, entries)
        except (DomainError, IntegrityError) as exc:
            error = (
                exc
                if isinstance(exc, DomainError)
                else FhirError(
                    409, "The entry conflicts with data already stored (it was probably written at the same moment)."
                )
            )
            if kind == "transaction":
                raise _entry_error(error, entry.index) from exc
            results[entry.index] = {
                "response": {
                    "status": str(error.status),
                    "outcome": operation_outcome(_entry_error(error, entry.index).issues()),
                }
            }
            continue
        if result.resource.get("resourceType") != "OperationOutcome":
            entry.location = (result.resource["resourceType"], result.resource["id"])
            if entry.location[0] == "ServiceRequest":
                referral_ids.append(uuid.UUID(entry.location[1]))
            if entry.location[0] in ("Practitioner", "PractitionerRole"):
                entry.provider_id = await _directory_id(session, entry, "provider_id")
            if entry.location[0] in ("Organization", "PractitionerRole"):
                entry.organization_id = await _directory_id(session, entry, "organization_id")
        results[entry.index] = _response(result)
    if kept:
        for referral_id in referral_ids:
            await fhir_store.keep_related(session, referral_id=referral_id, related=kept)
    response_entries = []
    for entry in entries:
        item = results[entry.index]
        if item.get("resource") is not None:
            item["fullUrl"] = f"{base_url()}/{item['resource']['resourceType']}/{item['resource']['id']}"
        response_entries.append({k: v for k, v in item.items() if v is not None})
    return Result(200, {"resourceType": "Bundle", "type": f"{kind}-response", "entry": response_entries})


async def _directory_id(session: AsyncSession, entry: BundleEntry, column: str) -> uuid.UUID | None:
    assert entry.location is not None
    row = await fhir_store.get_resource(session, resource_type=entry.location[0], resource_id=entry.location[1])
    return getattr(row, column)
