"""The directory's duplicate review queue: scored pairs, merge with field choices, "not a duplicate", undo."""

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.providers import duplicates, merges, queue
from domain.providers.matching import REVIEW_THRESHOLD
from domain.providers.models import ProviderMerge as MergeRow
from domain.providers.schemas import (
    DirectoryMergeRequest,
    DismissDuplicate,
    DuplicatePair,
    DuplicateQueueRefresh,
    ProviderMerge,
)
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/directory", tags=["directory"])


def _name(values: dict) -> str:
    return " ".join(v for v in (values.get("given_name"), values.get("family_name")) if v)


def merge_out(row: MergeRow) -> ProviderMerge:
    moved = {key: len(rows) for key, rows in row.moved.get("rows", {}).items()}
    if row.moved.get("affiliations"):
        moved["provider_affiliations.provider_id"] = len(row.moved["affiliations"])
    return ProviderMerge(
        id=row.id,
        survivor_id=row.survivor_id,
        merged_id=row.merged_id,
        survivor_name=_name(row.before["survivor"]),
        merged_name=_name(row.before["merged"]),
        merged_at=row.merged_at,
        merged_by=row.merged_by,
        undo_until=row.merged_at + merges.UNDO_WINDOW,
        undone_at=row.undone_at,
        undone_by=row.undone_by,
        moved=moved,
    )


@router.get(
    "/duplicates",
    response_model=Page[DuplicatePair],
    summary="Likely duplicate providers, highest score first",
    description="Candidate pairs share an NPI, a phonetic surname and ZIP, a phone, an e-mail or a full name; each "
    "is scored 0-1 with the reasons in words. Pairs marked not a duplicate never come back. The pairs are "
    "stored and refreshed every few minutes (GET /v1/directory/duplicates/refresh says when); a pair leaves "
    "at once when either record changes and comes back at the next refresh. Pairs below 0.6 are not kept. "
    "See docs/directory-duplicates.md.",
    responses=problem_responses(401, 403, 422),
)
async def list_duplicate_pairs(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    min_score: Annotated[float, Query(ge=0, le=1, description="Lowest score listed.")] = REVIEW_THRESHOLD,
) -> Page[DuplicatePair]:
    page = await duplicates.review_queue(session, min_score=min_score, limit=paging.limit, cursor=paging.cursor)
    items = [DuplicatePair(score=m.score, reasons=m.reasons, first=a, second=b) for m, a, b in page.items]
    return Page(items=items, next_cursor=page.next_cursor)


@router.get(
    "/duplicates/refresh",
    response_model=DuplicateQueueRefresh | None,
    summary="When the duplicate queue was last refreshed (null before the first run)",
    responses=problem_responses(401, 403),
)
async def last_duplicate_refresh(session: Session, principal: CurrentPrincipal) -> DuplicateQueueRefresh | None:
    row = await queue.last_refresh(session)
    return DuplicateQueueRefresh.model_validate(row) if row else None


@router.post(
    "/duplicates/refresh",
    response_model=DuplicateQueueRefresh,
    summary="Refresh the duplicate queue now",
    description="Scores again the pairs of providers changed since the last refresh, or every pair with "
    "`full=true` (seconds on a large directory). A worker does the same every few minutes and in full "
    "nightly. 409 while another refresh runs.",
    responses=problem_responses(401, 403, 409, 422),
)
async def refresh_duplicates(
    session: Session,
    principal: CurrentPrincipal,
    full: Annotated[bool, Query(description="Score every pair, not only changed providers'.")] = False,
) -> DuplicateQueueRefresh:
    result = await queue.refresh(session, full=full, actor=principal.actor)
    return DuplicateQueueRefresh.model_validate(result)


@router.post(
    "/duplicates/dismissals",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Mark two providers as not the same person; the pair is never proposed again",
    responses=problem_responses(401, 403, 422),
)
async def dismiss_duplicate(body: DismissDuplicate, session: Session, principal: CurrentPrincipal) -> None:
    await duplicates.dismiss(session, provider_ids=body.provider_ids, actor=principal.actor)


@router.post(
    "/merges",
    response_model=ProviderMerge,
    status_code=status.HTTP_201_CREATED,
    summary="Merge a duplicate into the survivor, choosing per field which value stays",
    description="Referrals, appointments, tasks, touchpoints, messages and everything else naming the merged "
    "record follow the survivor. Undo within 30 days with POST /v1/directory/merges/{id}/undo.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def merge_duplicates(
    body: DirectoryMergeRequest,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> ProviderMerge:
    row = await merges.merge(
        session,
        merged_id=body.merged_id,
        survivor_id=body.survivor_id,
        keep={str(name): choice for name, choice in body.keep.items()},
        actor=principal.actor,
    )
    response.headers["Location"] = f"/v1/directory/merges/{row.id}"
    return merge_out(row)


@router.get(
    "/merges",
    response_model=list[ProviderMerge],
    summary="Recent merges, newest first",
    responses=problem_responses(401, 403, 422),
)
async def list_merges(
    session: Session,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    include_undone: Annotated[bool, Query(description="List merges already undone too.")] = False,
) -> list[ProviderMerge]:
    return [merge_out(row) for row in await merges.recent(session, limit=limit, include_undone=include_undone)]


@router.post(
    "/merges/{merge_id}/undo",
    response_model=ProviderMerge,
    summary="Undo a merge made in the last 30 days",
    description="The merged record comes back with its values, and what followed the survivor goes back to it. "
    "Older merges, merges already undone, and merges whose survivor was merged since are refused (409).",
    responses=problem_responses(401, 403, 404, 409),
)
async def undo_merge(merge_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> ProviderMerge:
    return merge_out(await merges.undo(session, merge_id=merge_id, actor=principal.actor))
