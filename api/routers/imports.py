from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile, status

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from domain.relationships import imports
from domain.relationships.csvfile import COLUMNS, MAX_BYTES, REQUIRED
from domain.relationships.errors import FileTooLarge
from domain.relationships.schemas import ImportSummary

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post(
    "/referrals",
    response_model=ImportSummary,
    status_code=status.HTTP_201_CREATED,
    summary="Load referral history from a CSV file",
    description=f"All rows or none. Columns: {', '.join(COLUMNS)} (required: {', '.join(REQUIRED)}). "
    "A file already loaded answers 200 with `already_imported` and loads nothing; a row whose `source_id` an "
    "earlier file loaded is skipped. Problems answer 422 with `row_errors` (row, column, problem).",
    responses={
        200: {"model": ImportSummary, "description": "The same file was loaded before: nothing loaded."},
        **problem_responses(401, 403, 413, 422),
    },
)
async def import_referrals(
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
    file: Annotated[UploadFile, File(description=f"UTF-8 CSV with a header line, at most {MAX_BYTES // 2**20} MB.")],
) -> ImportSummary:
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FileTooLarge(f"The file is over {MAX_BYTES // 2**20} MB; split it into smaller files.")
    result = await imports.import_referrals(session, data=data, filename=file.filename, actor=principal.actor)
    if result.already_imported:
        response.status_code = status.HTTP_200_OK
    return ImportSummary.model_validate(result)
