from sqlalchemy import delete, select

from domain.devmail.models import CapturedMail
from domain.shared.repository import Repository


class CapturedMailRepository(Repository[CapturedMail]):
    model = CapturedMail
    entity_name = "Captured mail"

    async def find(
        self, *, recipient: str | None, limit: int, cursor: str | None
    ) -> tuple[list[CapturedMail], str | None]:
        stmt = select(CapturedMail)
        if recipient:
            stmt = stmt.where(CapturedMail.rcpt_to.contains([recipient.strip().lower()]))
        return await self.paginate(stmt, sort=CapturedMail.received_at, descending=True, limit=limit, cursor=cursor)

    async def keep_newest(self, count: int) -> None:
        cutoff = (
            select(CapturedMail.received_at)
            .order_by(CapturedMail.received_at.desc())
            .offset(count)
            .limit(1)
            .scalar_subquery()
        )
        await self.session.execute(delete(CapturedMail).where(CapturedMail.received_at <= cutoff))
