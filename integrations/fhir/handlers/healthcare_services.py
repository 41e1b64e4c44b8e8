"""HealthcareService read and search: the service catalog, as FHIR."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.portal import catalog
from domain.shared.errors import NotFound
from integrations.fhir.handlers import Result
from integrations.fhir.handlers.search import check_params, count_of, searchset
from integrations.fhir.mappers.healthcare_service import healthcare_service, resource_id

SEARCH_PARAMS = {"_id", "name", "specialty"}


async def read(session: AsyncSession, *, resource_id_: str) -> Result:
    for entry in await catalog.list_catalog(session):
        if resource_id(entry.service_line) == resource_id_:
            return Result(200, healthcare_service(entry))
    raise NotFound("HealthcareService", resource_id_)


async def search(session: AsyncSession, *, raw_params: list[tuple[str, str]]) -> Result:
    params = check_params(raw_params, SEARCH_PARAMS)
    count = count_of(params)
    entries = await catalog.list_catalog(session)
    ids = {i.strip() for v in params.get("_id", []) for i in v.split(",")}
    names = [v.strip().casefold() for v in params.get("name", [])]
    specialties = {s.strip().rpartition("|")[2] for v in params.get("specialty", []) for s in v.split(",")}
    found = [
        e
        for e in entries
        if (not ids or resource_id(e.service_line) in ids)
        and all(n in e.display.casefold() for n in names)
        and (not specialties or e.specialty_code in specialties)
    ]
    cursor = (params.get("_cursor") or ["0"])[-1]
    offset = int(cursor) if cursor.isdigit() else 0
    page = found[offset : offset + count]
    next_cursor = str(offset + count) if offset + count < len(found) else None
    return Result(
        200,
        searchset(
            "HealthcareService",
            [healthcare_service(e) for e in page],
            params=raw_params,
            next_cursor=next_cursor,
            total=len(found),
        ),
    )
