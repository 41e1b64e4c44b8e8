import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.patient_links.models import PatientLink, PreparationInstruction


class PatientLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_token_hash(self, token_hash: str, *, for_update: bool = False) -> PatientLink | None:
        stmt = select(PatientLink).where(PatientLink.token_hash == token_hash)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def confirmed(self, appointment_id: uuid.UUID) -> bool:
        stmt = select(
            exists().where(PatientLink.appointment_id == appointment_id, PatientLink.confirmed_at.is_not(None))
        )
        return bool(await self.session.scalar(stmt))


class PreparationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> list[PreparationInstruction]:
        stmt = select(PreparationInstruction).order_by(PreparationInstruction.service_line)
        return list((await self.session.execute(stmt)).scalars())

    async def get(self, service_line: str, *, for_update: bool = False) -> PreparationInstruction | None:
        return await self.session.get(PreparationInstruction, service_line, with_for_update=for_update)

    async def delete(self, row: PreparationInstruction) -> None:
        await self.session.delete(row)
