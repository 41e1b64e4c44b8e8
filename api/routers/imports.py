import uuid
from typing import Annotated

from fastapi import File, Query, Response, UploadFile, status

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.providers import import_jobs, importfile
from domain.providers.schemas import ProviderImportDetail, ProviderImportJob
from domain.relationships import imports
from domain.relationships.csvfile import COLUMNS, MAX_BYTES, REQUIRED
from domain.relationships.errors import FileTooLarge
from domain.relationships.schemas import ImportSummary

router = PrefixedRouter(prefix="/imports", tags=["imports"])


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


def _detail(job, offset: int, limit: int) -> ProviderImportDetail:
    return ProviderImportDetail.model_validate(
        {
            **ProviderImportJob.model_validate(job).model_dump(),
            "report": job.report[offset : offset + limit],
            "report_total": len(job.report),
        }
    )


@router.post(
    "/providers",
    response_model=ProviderImportDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Load or update the provider directory from an NPPES-style CSV file",
    description=f"Upsert by NPI, all rows or none. Columns: {', '.join(importfile.COLUMNS)} "
    f"(required: {', '.join(importfile.REQUIRED)}; names empty and organization_name required on entity type 2 "
    "rows, which upsert organizations); see docs/directory.md. Every row is reported as created, "
    "updated, unchanged or merged (a second row with the same NPI). Problems answer 422 with `row_errors` "
    "(row, column, problem) and nothing is written. The first 1,000 report rows come back; the rest from "
    "GET /v1/imports/providers/{id}.",
    responses=problem_responses(401, 403, 413, 422),
)
async def import_providers(
    session: Session,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description=f"UTF-8 CSV, at most {importfile.MAX_BYTES // 2**20} MB.")],
) -> ProviderImportDetail:
    data = await file.read(importfile.MAX_BYTES + 1)
    if len(data) > importfile.MAX_BYTES:
        raise FileTooLarge(f"The file is over {importfile.MAX_BYTES // 2**20} MB; split it into smaller files.")
    job = await import_jobs.run(session, data=data, filename=file.filename, actor=principal.actor)
    return _detail(job, 0, 1000)


@router.get(
    "/providers",
    response_model=list[ProviderImportJob],
    summary="Recent directory imports, newest first",
    responses=problem_responses(401, 403),
)
async def list_provider_imports(session: Session, principal: CurrentPrincipal) -> list[ProviderImportJob]:
    return [ProviderImportJob.model_validate(j) for j in await import_jobs.recent(session)]


@router.get(
    "/providers/{import_id}",
    response_model=ProviderImportDetail,
    summary="A directory import's status and row report",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_provider_import(
    import_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> ProviderImportDetail:
    return _detail(await import_jobs.get(session, import_id), offset, limit)
