"""Preparation instructions per service line: what the patient's link page tells them to do before the visit."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import note
from domain.patient_links.models import PreparationInstruction
from domain.patient_links.repository import PreparationRepository
from domain.reference.catalog import SERVICE_LINE_KEYS
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, NotFound


def _known(service_line: str) -> str:
    if service_line not in SERVICE_LINE_KEYS:
        raise InvalidInput(
            f"'{service_line[:100]}' is not a service line (GET /v1/reference/service-lines).",
            field="path.service_line",
        )
    return service_line


async def list_all(session: AsyncSession) -> list[PreparationInstruction]:
    return await PreparationRepository(session).all()


async def save(session: AsyncSession, *, service_line: str, text: str, actor: str) -> PreparationInstruction:
    repo = PreparationRepository(session)
    row = await repo.get(_known(service_line), for_update=True)
    if row is None:
        row = PreparationInstruction(service_line=service_line, text=text, updated_by=actor, updated_at=utcnow())
        session.add(row)
    else:
        row.text, row.updated_by, row.updated_at = text, actor, utcnow()
    await session.flush()
    note(session, "settings.preparation_save", "preparation_instruction", service_line)
    return row


async def remove(session: AsyncSession, *, service_line: str) -> None:
    repo = PreparationRepository(session)
    row = await repo.get(service_line, for_update=True)
    if row is None:
        raise NotFound("Preparation instructions for", service_line[:100])
    await repo.delete(row)
    note(session, "settings.preparation_delete", "preparation_instruction", service_line)


async def text_for(session: AsyncSession, service_line: str) -> str | None:
    row = await PreparationRepository(session).get(service_line)
    return row.text if row else None
