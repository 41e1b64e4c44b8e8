import uuid
from collections.abc import Iterator
from typing import Any

from fastapi.responses import StreamingResponse

from api.deps import CurrentPrincipal, Session, sort_order
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from api.routers.relationships import From, Sort, To
from domain.relationships import exports, programs, service
from domain.relationships.filters import ReferrerFilters

router = PrefixedRouter(prefix="/exports", tags=["exports"])
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV, one line per row."}
}
PAGE = 200


def _csv(lines: Iterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/referrers.csv",
    response_class=StreamingResponse,
    responses={**CSV, **problem_responses(401, 403, 422)},
    summary="The referrer list as CSV",
    description="The same figures as GET /v1/referrers (default period).",
)
async def export_referrers(
    session: Session, principal: CurrentPrincipal, from_: From = None, to: To = None, sort: Sort = "-volume"
) -> StreamingResponse:
    pages, cursor = [], None
    while True:  # one referrer per row: the figures are read a page at a time, the text is written as it goes
        items, cursor = await service.list_referrers(
            session,
            filters=ReferrerFilters(),
            start=from_,
            end=to,
            **sort_order(sort),
            limit=PAGE,
            cursor=cursor,
        )
        pages.append(items)
        if cursor is None:
            break
    return _csv(exports.referrers(item for page in pages for item in page), "referrers.csv")


@router.get(
    "/referrers/{provider_id}/scorecard.csv",
    response_class=StreamingResponse,
    responses={**CSV, **problem_responses(401, 403, 404, 422)},
    summary="A referrer's scorecard by month as CSV",
)
async def export_scorecard(
    provider_id: uuid.UUID, session: Session, principal: CurrentPrincipal, from_: From = None, to: To = None
) -> StreamingResponse:
    card = await service.scorecard(session, provider_id=provider_id, start=from_, end=to)
    return _csv(exports.scorecard(card), f"scorecard-{provider_id}.csv")


@router.get(
    "/roi.csv",
    response_class=StreamingResponse,
    responses={**CSV, **problem_responses(401, 403, 422)},
    summary="The ROI table as CSV",
)
async def export_roi(
    session: Session, principal: CurrentPrincipal, from_: From = None, to: To = None
) -> StreamingResponse:
    return _csv(exports.roi(await programs.roi(session, start=from_, end=to)), "roi.csv")
