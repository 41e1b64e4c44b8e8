from typing import Annotated

from fastapi import Query

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.providers.schemas import NoNul  # PostgreSQL text cannot hold NUL: a 422, not a failed query
from domain.referrals import search as finder
from domain.referrals.schemas import SearchHit, SearchResults

router = PrefixedRouter(prefix="/search", tags=["search"])


@router.get(
    "",
    response_model=SearchResults,
    summary="Find referrals from one search box",
    description="`q` is a patient surname (any case and accents), a surname and birth date (`Lopez 1968-04-12` or "
    "`Lopez 4/12/1968`), an MRN, a phone number, a referral id or its short reference (`R-1A2B3C4D`), "
    "or a referrer's name or NPI. Patient fields match through keyed blind indexes, never by decrypting.",
    responses=problem_responses(401, 403, 422),
)
async def search_referrals(
    session: Session,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=2, max_length=200, description="What to look for."), NoNul],
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> SearchResults:
    hits, more = await finder.search(session, q=q, limit=limit)
    return SearchResults(
        items=[
            SearchHit(referral=h.referral, matched=[m.value for m in h.matched], referrer_name=h.referrer_name)
            for h in hits
        ],
        more=more,
    )
