"""Read-only lists for pickers: the keys the API stores and the words people read."""

from typing import Annotated

from fastapi import Query

from api.deps import CurrentPrincipal
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.reference import catalog, icd10
from domain.reference.schemas import PayerEntry, ReferenceEntry, ServiceLineEntry

router = PrefixedRouter(prefix="/reference", tags=["reference"])


@router.get(
    "/service-lines",
    response_model=list[ServiceLineEntry],
    responses=problem_responses(401, 403),
    description="Every service line a referral may name, by key (stored) and display name.",
)
async def list_service_lines(principal: CurrentPrincipal) -> list[ServiceLineEntry]:
    return [
        ServiceLineEntry(key=s.key, display=s.display, specialty_code=s.specialty_code) for s in catalog.SERVICE_LINES
    ]


@router.get(
    "/specialties",
    response_model=list[ReferenceEntry],
    responses=problem_responses(401, 403),
    description="NUCC health care provider taxonomy codes in use, with their display names.",
)
async def list_specialties(principal: CurrentPrincipal) -> list[ReferenceEntry]:
    return [ReferenceEntry(key=s.key, display=s.display) for s in catalog.SPECIALTIES]


@router.get("/payer-classes", response_model=list[ReferenceEntry], responses=problem_responses(401, 403))
async def list_payer_classes(principal: CurrentPrincipal) -> list[ReferenceEntry]:
    return [ReferenceEntry(key=p.key, display=p.display) for p in catalog.PAYER_CLASSES]


@router.get(
    "/payers",
    response_model=list[PayerEntry],
    responses=problem_responses(401, 403),
    description="Payers we know, with the class each belongs to; a referral may still name another.",
)
async def list_payers(principal: CurrentPrincipal) -> list[PayerEntry]:
    return [PayerEntry(name=name, payer_class=cls.value) for name, cls in catalog.PAYERS]


@router.get(
    "/icd10",
    response_model=list[ReferenceEntry],
    responses=problem_responses(401, 403, 422),
    description="ICD-10-CM diagnosis codes (CMS, billable codes) by code prefix (`I48`, `I48.9`) or by words "
    "that must all appear in the description (`atrial fib`), in code order.",
)
async def search_icd10(
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=2, max_length=100, description="A code prefix or words.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[ReferenceEntry]:
    return [ReferenceEntry(key=code, display=text) for code, text in icd10.search(q, limit=limit)]
