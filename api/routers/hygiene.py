"""The directory's to-do list: records a provider-relations team should fix, each with its fix."""

from typing import Annotated

from fastapi import Query

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.providers import hygiene
from domain.providers.schemas import HygieneReport

router = PrefixedRouter(prefix="/directory", tags=["providers"])


@router.get(
    "/hygiene",
    response_model=HygieneReport,
    summary="Directory records that need fixing, with the fix for each",
    description="Counts per kind: " + ", ".join(hygiene.KINDS) + ". Up to `limit` items per kind.",
    responses=problem_responses(401, 403, 422),
)
async def directory_hygiene(
    session: Session,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> HygieneReport:
    return HygieneReport.model_validate(await hygiene.report(session, limit=limit))
