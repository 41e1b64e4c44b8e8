"""The audit log as CSV, written batch by batch so an export of millions of rows never sits in memory."""

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEvent
from domain.audit.repository import AuditFilters, AuditRepository
from domain.audit.trail import note

COLUMNS = (
    "at",
    "actor",
    "actor_kind",
    "action",
    "entity_type",
    "entity_id",
    "outcome",
    "status",
    "request_id",
    "client_address",
    "detail",
)
BATCH = 500


def note_export(session: AsyncSession, *, filters: AuditFilters) -> None:
    note(
        session,
        "audit.export",
        "audit_event",
        None,
        filters={k: str(v) for k, v in filters.__dict__.items() if v is not None},
    )


async def csv_lines(session: AsyncSession, *, filters: AuditFilters) -> AsyncIterator[str]:
    """The header, then the filtered events newest first, one chunk of CSV per batch."""
    yield _format([COLUMNS])
    repo = AuditRepository(session)
    cursor: str | None = None
    while True:
        items, cursor = await repo.find(filters, limit=BATCH, cursor=cursor)
        yield _format([_row(e) for e in items])
        if cursor is None:
            return


def _row(event: AuditEvent) -> list[str]:
    values = [
        event.at.isoformat(),
        event.actor,
        event.actor_kind,
        event.action,
        event.entity_type,
        event.entity_id or "",
        event.outcome,
        "" if event.status is None else str(event.status),
        event.request_id or "",
        event.client_address or "",
        json.dumps(event.detail, sort_keys=True),
    ]
    return [_inert(v) for v in values]


def _inert(value: str) -> str:
    # A cell starting with = + - @ would run as a formula when the file is opened in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _format(rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()
