"""Read-only lists for pickers: the keys the API stores and the words people read."""

from fastapi import APIRouter

from api.deps import CurrentPrincipal
from api.errors import problem_responses
from domain.reference import catalog
from domain.reference.schemas import PayerEntry, ReferenceEntry, ServiceLineEntry

router = APIRouter(prefix="/reference", tags=["reference"])


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
