"""A directory import as a job: its row is written first, in its own transaction, so the web app sees it
running; the outcome lands with the data (success) or on its own (rejection), never half."""

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers import imports
from domain.providers.models import ProviderImport
from domain.relationships.errors import ImportRejected
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.errors import NotFound
from domain.shared.ids import uuid7


async def _start(*, filename: str | None, data: bytes, actor: str) -> uuid.UUID:
    job_id = uuid7()
    async with unit_of_work() as session:
        session.add(
            ProviderImport(
                id=job_id,
                filename=(filename or "")[:300] or None,
                file_hash=imports.file_hash(data),
                imported_by=actor[:120],
                status="running",
                rows=0,
                counts={},
                report=[],
                created_at=utcnow(),
            )
        )
    return job_id


async def _settle(job_id: uuid.UUID, **values: Any) -> None:
    async with unit_of_work() as session:
        await session.execute(
            update(ProviderImport).where(ProviderImport.id == job_id).values(finished_at=utcnow(), **values)
        )


async def run(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str | None,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
) -> ProviderImport:
    job_id = await _start(filename=filename, data=data, actor=actor)
    try:
        outcome = await imports.import_providers(session, data=data, actor=actor, progress=progress)
    except ImportRejected as exc:
        await _settle(
            job_id,
            status="rejected",
            detail=exc.detail,
            report=[{**e, "npi": None, "action": "rejected"} for e in exc.row_errors],
        )
        raise
    except BaseException:
        await _settle(job_id, status="failed", detail="The import stopped on an unexpected error; nothing was written.")
        raise
    job = await session.get(ProviderImport, job_id)
    assert job is not None
    job.status, job.rows, job.counts, job.report, job.finished_at = (
        "succeeded",
        outcome.rows,
        outcome.counts,
        outcome.report,
        utcnow(),
    )
    job.detail = ", ".join(f"{n} {action}" for action, n in outcome.counts.items())
    await session.flush()
    return job


async def get(session: AsyncSession, job_id: uuid.UUID) -> ProviderImport:
    job = await session.get(ProviderImport, job_id)
    if job is None:
        raise NotFound("Import", job_id)
    return job


async def recent(session: AsyncSession, limit: int = 20) -> list[ProviderImport]:
    stmt = select(ProviderImport).order_by(ProviderImport.created_at.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())
