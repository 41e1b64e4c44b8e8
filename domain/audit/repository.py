from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain.audit.models import AuditEvent
from domain.shared.repository import Repository


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None


class AuditRepository(Repository[AuditEvent]):
    model = AuditEvent
    entity_name = "Audit event"

    async def find(
        self, filters: AuditFilters, *, limit: int, cursor: str | None
    ) -> tuple[list[AuditEvent], str | None]:
        stmt = select(AuditEvent)
        for column, value in (
            (AuditEvent.actor, filters.actor),
            (AuditEvent.entity_type, filters.entity_type),
            (AuditEvent.entity_id, filters.entity_id),
            (AuditEvent.action, filters.action),
            (AuditEvent.outcome, filters.outcome),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.at_from is not None:
            stmt = stmt.where(AuditEvent.at >= filters.at_from)
        if filters.at_to is not None:
            stmt = stmt.where(AuditEvent.at < filters.at_to)
        return await self.paginate(stmt, sort=AuditEvent.at, descending=True, limit=limit, cursor=cursor)
