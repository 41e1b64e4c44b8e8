from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEvent
from domain.audit.repository import AuditFilters, AuditRepository
from domain.audit.trail import note


async def list_events(
    session: AsyncSession, *, filters: AuditFilters, limit: int, cursor: str | None
) -> tuple[list[AuditEvent], str | None]:
    items, next_cursor = await AuditRepository(session).find(filters, limit=limit, cursor=cursor)
    # Reading the audit log is itself on the record (with the filters, not the rows).
    note(
        session,
        "audit.list",
        "audit_event",
        None,
        count=len(items),
        filters={k: str(v) for k, v in filters.__dict__.items() if v is not None},
    )
    return items, next_cursor
