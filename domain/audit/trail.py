"""Collects what a unit of work touched and writes it as audit events in one INSERT.

The API puts a `Trail` on the request's session (`session.info`); services call
`note(session, ...)` as they read or change things. The trail is written in the
same transaction just before it commits, or, when the request fails, in a fresh
transaction after the rollback, so denied and failed attempts are kept too.
Code that runs without a trail (jobs, the CLI) notes nothing unless it opens one.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CTE, ColumnElement, FromClause, Table, bindparam, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from domain.audit.models import AuditEvent
from domain.shared.clock import utcnow
from domain.shared.ids import uuid7
from domain.shared.settings import get_settings

TRAIL_KEY = "audit_trail"
# Set on a session's info once its transaction has written anything besides the audit trail.
WROTE_KEY = "wrote"
# Declarative mapping always makes a Table; the stubs type __table__ as the wider FromClause.
_AUDIT_INSERT = cast(Table, AuditEvent.__table__).insert()
_ASYNC_COMMIT = select(func.set_config("synchronous_commit", "off", True).label("setting")).cte("async_commit")
_AUDIT_INSERT_ASYNC_COMMIT = _AUDIT_INSERT.add_cte(_ASYNC_COMMIT).returning(
    select(_ASYNC_COMMIT.c.setting).scalar_subquery()
)
# A list call records the ids it returned, up to this many; beyond it only the count.
MAX_IDS = 200


@dataclass
class Entry:
    action: str
    entity_type: str
    entity_id: str | None
    detail: dict[str, Any]


@dataclass
class Trail:
    actor: str
    actor_kind: str
    request_id: str | None = None
    client_address: str | None = None
    operation: str | None = None
    entries: list[Entry] = field(default_factory=list)
    # (outcome, HTTP status) once the unit failed; written after its rollback.
    failure: tuple[str, int] | None = None
    # Set by a unit that answers without raising but did not succeed (e.g. a replayed refresh token).
    outcome: tuple[str, int] | None = None

    def rows(self, *, outcome: str, status: int | None) -> list[dict[str, Any]]:
        now = utcnow()
        return [
            {
                "id": uuid7(),
                "at": now,
                "actor": self.actor,
                "actor_kind": self.actor_kind,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "detail": {**e.detail, **({"operation": self.operation} if self.operation else {})},
                "request_id": self.request_id,
                "client_address": self.client_address,
                "outcome": outcome,
                "status": status,
            }
            for e in self.entries
        ]


def trail_of(session: AsyncSession) -> Trail | None:
    return session.info.get(TRAIL_KEY)


def note(session: AsyncSession, action: str, entity_type: str, entity_id: object = None, **detail: Any) -> None:
    """Record that this unit of work did `action` on an entity (no-op outside an audited unit)."""
    trail = session.info.get(TRAIL_KEY)
    if trail is not None:
        trail.entries.append(Entry(action, entity_type, None if entity_id is None else str(entity_id), detail))


def mark(session: AsyncSession, outcome: str, status: int) -> None:
    """The unit ends in `outcome` although it commits (its writes must stand, e.g. a revocation)."""
    trail = session.info.get(TRAIL_KEY)
    if trail is not None:
        trail.outcome = (outcome, status)


def note_list(session: AsyncSession, entity_type: str, ids: list[uuid.UUID], **detail: Any) -> None:
    """One event per list call: the ids returned (or their count when there are many)."""
    trail = session.info.get(TRAIL_KEY)
    if trail is not None:
        trail.entries.append(list_entry(entity_type, ids, **detail))


def list_entry(entity_type: str, ids: list[uuid.UUID], **detail: Any) -> Entry:
    shown = {"ids": [str(i) for i in ids]} if len(ids) <= MAX_IDS else {}
    return Entry(f"{entity_type}.list", entity_type, None, {"count": len(ids), **shown, **detail})


async def write(session: AsyncSession, trail: Trail, *, outcome: str, status: int | None) -> None:
    if trail.outcome is not None:
        outcome, status = trail.outcome
    rows = trail.rows(outcome=outcome, status=status)
    if rows:
        connection = await session.connection()
        # Core, not the ORM's bulk insert: the rows are plain values and this runs on every request.
        if outcome == "success" and get_settings().security.async_read_audit and not _writes(session):
            # A successful read whose only write is this trail: its commit need not wait for the
            # WAL flush (docs/security.md says what that risks). Writes and refusals still do.
            # The setting rides in the same statement (a CTE its RETURNING reads), one round trip.
            await connection.execute(_AUDIT_INSERT_ASYNC_COMMIT, rows if len(rows) > 1 else rows[0])
        else:
            await connection.execute(_AUDIT_INSERT, rows if len(rows) > 1 else rows[0])
    trail.entries.clear()


def async_read_audit() -> bool:
    """Whether a read's trail commits without waiting for the WAL flush (docs/security.md)."""
    return get_settings().security.async_read_audit


_AUDIT_COLUMNS = tuple(c.name for c in cast(Table, AuditEvent.__table__).columns)


def insert_for_each(
    found: FromClause, *, async_commit: bool, computed: dict[str, ColumnElement[Any]] | None = None
) -> CTE:
    """A data-modifying CTE that inserts one audit row (parameters `audit_<column>`, see `params_of`,
    or the `computed` expressions over `found`) for each row `found` holds: a read and its audit entry
    in one statement, which records nothing when the read finds nothing. With `async_commit` the
    statement's transaction commits without waiting for the WAL flush, as `write` does for a read
    (docs/security.md)."""
    table = cast(Table, AuditEvent.__table__)
    computed = computed or {}
    values = select(
        *(computed.get(name, bindparam(f"audit_{name}", type_=table.c[name].type)) for name in _AUDIT_COLUMNS)
    )
    values = values.select_from(found)
    if async_commit:
        setting = select(func.set_config("synchronous_commit", "off", True).label("setting")).cte("async_commit")
        values = values.add_cte(setting).where(select(setting.c.setting).scalar_subquery().is_not(None))
    return table.insert().from_select(list(_AUDIT_COLUMNS), values).cte("audit")


def params_of(row: dict[str, Any]) -> dict[str, Any]:
    """One of `Trail.rows` as `insert_for_each`'s parameters."""
    return {f"audit_{name}": row[name] for name in _AUDIT_COLUMNS}


async def write_failure(session: AsyncSession) -> bool:
    """After a rollback: write the trail of a failed unit (if it has anything to say). True when written."""
    trail = session.info.pop(TRAIL_KEY, None)
    if trail is None or trail.failure is None or not trail.entries:
        return False
    outcome, status = trail.failure
    await write(session, trail, outcome=outcome, status=status)
    return True


def outcome_of(status: int) -> str:
    if status in (401, 403):
        return "denied"
    if status == 404:
        return "not_found"
    return "rejected" if status < 500 else "error"


def _writes(session: AsyncSession) -> bool:
    """Whether this transaction wrote, or will write at commit, anything of its own."""
    return bool(session.info.get(WROTE_KEY) or session.new or session.dirty or session.deleted)


@event.listens_for(Session, "do_orm_execute")
def _note_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE_KEY] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: object) -> None:
    session.info[WROTE_KEY] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: object) -> None:
    if getattr(transaction, "parent", None) is None:
        session.info.pop(WROTE_KEY, None)
