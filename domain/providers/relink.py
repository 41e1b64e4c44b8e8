"""Moving everything that points at one provider to another, and back, row by recorded row.

Every foreign key to providers.id is found from the models, so a table added later follows a
merge without being listed here. Outbox messages name their recipient without a foreign key and
are moved explicitly. A row that cannot move because the survivor already has one of its kind
(one owner, one outreach preference, one open cooling episode) stays with the merged record.
"""

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Table, and_, insert, tuple_, update
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.enums import AffiliationRole
from domain.providers.models import Affiliation
from domain.referrals.enums import EventKind
from domain.referrals.models import ReferralEvent
from domain.shared.clock import utcnow
from domain.shared.db import Base
from domain.shared.ids import uuid7
from domain.shared.outbox import OutboxMessage

# Merge history and "not a duplicate" marks describe the records themselves: they never move.
NOT_MOVED = {"provider_merges", "provider_dismissed_duplicates", "provider_affiliations"}
OUTBOX_KEY = "outbox_messages.recipient_id"


def _references() -> Iterator[tuple[Table, Column[Any]]]:
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_MOVED:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "providers" and fk.column.name == "id":
                yield table, fk.parent


def _reference(key: str) -> tuple[Table, Column[Any]]:
    table_name, column_name = key.split(".")
    table = Base.metadata.tables[table_name]
    return table, table.c[column_name]


def _pk_values(table: Table, values: list[Any]) -> tuple[Any, ...]:
    return tuple(
        uuid.UUID(v) if isinstance(c.type, UUID) else v for c, v in zip(table.primary_key.columns, values, strict=True)
    )


def _bumps(table: Table) -> dict[str, Any]:
    bumps: dict[str, Any] = {}
    if "version" in table.c and table.name != "outbox_messages":  # the outbox version is a claim counter
        bumps["version"] = table.c.version + 1
    if "updated_at" in table.c:
        bumps["updated_at"] = utcnow()
    return bumps


async def _move(session: AsyncSession, table: Table, column: Column[Any], where: Any, to: uuid.UUID) -> list[list[Any]]:
    pk = list(table.primary_key.columns)
    stmt = update(table).where(where).values({column.key: to, **_bumps(table)}).returning(*pk)
    try:
        async with session.begin_nested():
            rows = (await session.execute(stmt)).all()
    except IntegrityError:
        return []
    return [[str(v) if isinstance(v, uuid.UUID) else v for v in row] for row in rows]


async def _timeline(
    session: AsyncSession, moved: dict[str, list[list[Any]]], detail: dict[str, str], actor: str
) -> None:
    """A line on each referral whose provider changed, naming the fields."""
    fields: dict[str, list[str]] = {}
    for key, rows in moved.items():
        if key.startswith("referrals."):
            for (referral_id,) in rows:
                fields.setdefault(referral_id, []).append(key.split(".")[1])
    if fields:
        now = utcnow()
        await session.execute(
            insert(ReferralEvent),
            [
                {
                    "id": uuid7(),
                    "referral_id": uuid.UUID(rid),
                    "at": now,
                    "actor": actor,
                    "kind": EventKind.updated,
                    "detail": {"fields": names, **detail},
                }
                for rid, names in fields.items()
            ],
        )


def _table(model: type[Base]) -> Table:
    """A mapped class's table (declarative mapping always gives a Table, which the stubs call a FromClause)."""
    return cast(Table, model.__table__)


async def move_all(session: AsyncSession, *, source: uuid.UUID, target: uuid.UUID, actor: str) -> dict[str, Any]:
    """Point everything at `source` to `target`; returns what moved, for `move_back`."""
    moved: dict[str, list[list[Any]]] = {}
    for table, column in _references():
        rows = await _move(session, table, column, column == source, target)
        if rows:
            moved[f"{table.name}.{column.name}"] = rows
    outbox = _table(OutboxMessage)
    rows = await _move(
        session,
        outbox,
        outbox.c.recipient_id,
        and_(outbox.c.recipient_type == "provider", outbox.c.recipient_id == source),
        target,
    )
    if rows:
        moved[OUTBOX_KEY] = rows
    affiliations = await _move_affiliations(session, source, target)
    await _timeline(session, moved, {"merged_from": str(source), "merged_into": str(target)}, actor)
    return {"rows": moved, **affiliations}


async def _move_affiliations(session: AsyncSession, source: uuid.UUID, target: uuid.UUID) -> dict[str, Any]:
    """An affiliation both had is kept once (on the survivor); the repeat is deleted and remembered."""
    table = _table(Affiliation)
    theirs = {
        (r.organization_id, r.role)
        for r in (await session.execute(table.select().where(table.c.provider_id == target))).all()
    }
    moved, dropped = [], []
    for row in (await session.execute(table.select().where(table.c.provider_id == source))).all():
        if (row.organization_id, row.role) in theirs:
            dropped.append(
                {
                    "id": str(row.id),
                    "organization_id": str(row.organization_id),
                    "role": row.role,
                    "created_at": row.created_at.isoformat(),
                }
            )
            await session.execute(table.delete().where(table.c.id == row.id))
        else:
            moved.append(str(row.id))
            await session.execute(
                update(table).where(table.c.id == row.id).values(provider_id=target, updated_at=utcnow())
            )
    return {"affiliations": moved, "dropped_affiliations": dropped}


async def move_back(
    session: AsyncSession, *, moved: dict[str, Any], source: uuid.UUID, target: uuid.UUID, actor: str
) -> None:
    """Undo `move_all`: rows it moved that still point at `target` go back to `source`."""
    back: dict[str, list[list[Any]]] = {}
    for key, rows in moved.get("rows", {}).items():
        table, column = _reference(key)
        keys = [_pk_values(table, row) for row in rows]
        where = and_(tuple_(*table.primary_key.columns).in_(keys), column == target)
        if key == OUTBOX_KEY:
            where = and_(where, table.c.recipient_type == "provider")
        back[key] = await _move(session, table, column, where, source)
    table = _table(Affiliation)
    if moved.get("affiliations"):
        await session.execute(
            update(table)
            .where(
                table.c.id.in_([uuid.UUID(i) for i in moved["affiliations"]]),
                table.c.provider_id == target,
            )
            .values(provider_id=source, updated_at=utcnow())
        )
    for row in moved.get("dropped_affiliations", []):
        await session.execute(
            insert(table).values(
                id=uuid.UUID(row["id"]),
                provider_id=source,
                organization_id=uuid.UUID(row["organization_id"]),
                role=AffiliationRole(row["role"]),
                created_at=datetime.fromisoformat(row["created_at"]),
                updated_at=utcnow(),
            )
        )
    await _timeline(session, back, {"unmerged_from": str(target), "restored_to": str(source)}, actor)
