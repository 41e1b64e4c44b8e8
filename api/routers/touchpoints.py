import uuid

from fastapi import Response, status

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.identity.errors import Forbidden
from domain.relationships import programs, touchpoints
from domain.relationships.schemas import (
    Program,
    ProgramCost,
    ProgramCostCreate,
    ProgramCreate,
    Touchpoint,
    TouchpointCreate,
)
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/touchpoints", tags=["touchpoints"])
programs_router = PrefixedRouter(prefix="/programs", tags=["programs"])


@router.post(
    "",
    response_model=Touchpoint,
    status_code=status.HTTP_201_CREATED,
    summary="Log a visit, call, email, lunch-and-learn, event or note",
    description="Logged as the signed-in liaison. `follow_up_on` opens a follow-up task for them, due that day.",
    responses=problem_responses(401, 403, 422),
)
async def log_touchpoint(
    body: TouchpointCreate, session: Session, principal: CurrentPrincipal, response: Response
) -> Touchpoint:
    if principal.user_id is None:
        raise Forbidden("Only staff users log touchpoints.")
    touchpoint = await touchpoints.log_touchpoint(session, data=body, liaison_id=principal.user_id)
    response.headers["Location"] = f"/v1/touchpoints?provider_id={touchpoint.provider_id or ''}"
    return Touchpoint.model_validate(touchpoint)


@router.get(
    "", response_model=Page[Touchpoint], summary="Touchpoints, newest first", responses=problem_responses(401, 403, 422)
)
async def list_touchpoints(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    provider_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    liaison_id: uuid.UUID | None = None,
    program_id: uuid.UUID | None = None,
) -> Page[Touchpoint]:
    items, next_cursor = await touchpoints.list_touchpoints(
        session,
        provider_id=provider_id,
        organization_id=organization_id,
        liaison_id=liaison_id,
        program_id=program_id,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=[Touchpoint.model_validate(t) for t in items], next_cursor=next_cursor)


@programs_router.post(
    "", response_model=Program, status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 409, 422)
)
async def create_program(body: ProgramCreate, session: Session, principal: CurrentPrincipal) -> Program:
    return Program.model_validate(await programs.create_program(session, data=body))


@programs_router.get("", response_model=list[Program], responses=problem_responses(401, 403))
async def list_programs(session: Session, principal: CurrentPrincipal) -> list[Program]:
    return [Program.model_validate(p) for p in await programs.list_programs(session)]


@programs_router.post(
    "/{program_id}/costs",
    response_model=ProgramCost,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def add_program_cost(
    program_id: uuid.UUID, body: ProgramCostCreate, session: Session, principal: CurrentPrincipal
) -> ProgramCost:
    return ProgramCost.model_validate(await programs.add_cost(session, program_id=program_id, data=body))


@programs_router.get(
    "/{program_id}/costs", response_model=list[ProgramCost], responses=problem_responses(401, 403, 404)
)
async def list_program_costs(program_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> list[ProgramCost]:
    return [ProgramCost.model_validate(c) for c in await programs.list_costs(session, program_id=program_id)]
