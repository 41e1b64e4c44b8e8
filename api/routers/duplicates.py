"""Possible duplicate referrals: list a referral's, link, dismiss or merge them; the policy setting."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from api.deps import CurrentPrincipal, Session, etag, parse_optional_if_match
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.referrals import duplicates, views
from domain.referrals.schemas import DuplicatePolicy, DuplicatePolicyIn, PossibleDuplicate, Referral

router = APIRouter(tags=["referrals"])
settings = PrefixedRouter(prefix="/settings", tags=["settings"])

IfMatchOptional = Annotated[
    str | None, Header(alias="If-Match", description="The referral's ETag, to refuse a decision made on a stale read.")
]
DECISION_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


@router.get(
    "/referrals/{referral_id}/duplicates",
    response_model=list[PossibleDuplicate],
    summary="Referrals paired with this one as possible duplicates, open ones first",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_referral_duplicates(
    referral_id: uuid.UUID, session: Session, principal: CurrentPrincipal
) -> list[PossibleDuplicate]:
    return await duplicates.list_duplicates(session, referral_id=referral_id)


async def _decide(
    decision: str, referral_id: uuid.UUID, other_id: uuid.UUID, session, principal, response, if_match: str | None
) -> Referral:
    referral = await duplicates.decide(
        session,
        referral_id=referral_id,
        other_id=other_id,
        decision=decision,
        expected_version=parse_optional_if_match(if_match),
        actor=principal.actor,
    )
    response.headers["ETag"] = etag(referral.version)
    return views.from_entity(referral)


@router.post(
    "/referrals/{referral_id}/duplicates/{other_id}/link",
    response_model=Referral,
    summary="Keep both referrals, marked as related; clears the flag",
    responses=DECISION_ERRORS,
)
async def link_referral_duplicate(
    referral_id: uuid.UUID,
    other_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatchOptional = None,
) -> Referral:
    return await _decide("link", referral_id, other_id, session, principal, response, if_match)


@router.post(
    "/referrals/{referral_id}/duplicates/{other_id}/dismiss",
    response_model=Referral,
    summary="Not a duplicate: clears the flag, and the pair is not flagged again",
    responses=DECISION_ERRORS,
)
async def dismiss_referral_duplicate(
    referral_id: uuid.UUID,
    other_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatchOptional = None,
) -> Referral:
    return await _decide("dismiss", referral_id, other_id, session, principal, response, if_match)


@router.post(
    "/referrals/{referral_id}/duplicates/{other_id}/merge",
    response_model=Referral,
    summary="Merge the other referral into this one, which survives; answers with the survivor",
    description="The merged referral keeps its status and history, gets `merged_into_id`, stops its "
    "clocks and refuses further changes (409 `referral-merged`). Its tasks, appointments and "
    "documents move here, and this referral's timeline shows its events.",
    responses=DECISION_ERRORS,
)
async def merge_referral_duplicate(
    referral_id: uuid.UUID,
    other_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatchOptional = None,
) -> Referral:
    survivor = await duplicates.merge(
        session,
        referral_id=referral_id,
        other_id=other_id,
        expected_version=parse_optional_if_match(if_match),
        actor=principal.actor,
    )
    response.headers["ETag"] = etag(survivor.version)
    return views.from_entity(survivor)


@settings.get(
    "/duplicates",
    response_model=DuplicatePolicy,
    summary="When referrals are flagged as duplicates",
    responses=problem_responses(401, 403),
)
async def get_duplicate_policy(session: Session, principal: CurrentPrincipal, response: Response) -> DuplicatePolicy:
    current = await duplicates.policy(session)
    response.headers["ETag"] = etag(current.version)
    return current


@settings.put(
    "/duplicates",
    response_model=DuplicatePolicy,
    summary="Change when referrals are flagged as duplicates",
    description="Applies to referrals received from now on.",
    responses=problem_responses(401, 403, 412, 422),
)
async def save_duplicate_policy(
    body: DuplicatePolicyIn,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatchOptional = None,
) -> DuplicatePolicy:
    saved = await duplicates.save_policy(
        session, data=body, expected_version=parse_optional_if_match(if_match), actor=principal.actor
    )
    response.headers["ETag"] = etag(saved.version)
    return saved
