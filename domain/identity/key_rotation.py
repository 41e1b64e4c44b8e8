"""Re-seal every encrypted column under the active key (`refloop rotate-keys`).

Walks each table that has sealed columns in primary-key order, a batch at a time,
and rewrites only values sealed under another key, so a run can stop anywhere and
be started again: values already under the active key are left alone.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, Text, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.crypto import Encrypted, keyring
from domain.shared.db import Base


@dataclass
class Progress:
    rows_seen: int = 0
    values_resealed: int = 0
    by_table: dict[str, int] = field(default_factory=dict)


def sealed_tables() -> list[tuple[Table, list[str]]]:
    """(table, its sealed column names) for every table with a single `id` primary key."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c.name for c in table.columns if isinstance(c.type, Encrypted)]
        if columns and [c.name for c in table.primary_key.columns] == ["id"]:
            found.append((table, columns))
    return found


def _context(table: Table, name: str) -> str:
    column_type = table.c[name].type
    assert isinstance(column_type, Encrypted)  # sealed_tables lists only Encrypted columns
    return column_type.context


async def rotate_batch(
    session: AsyncSession, table: Table, columns: list[str], *, after: Any, batch_size: int, progress: Progress
) -> Any:
    """Re-seal one batch of rows after primary key `after`; returns the last key seen (None when done)."""
    ring = keyring()
    # Read the stored text as it is, bypassing the column type's automatic decryption.
    raw = [type_coerce(table.c[name], Text).label(name) for name in columns]
    stmt = select(table.c.id, *raw).order_by(table.c.id).limit(batch_size)
    if after is not None:
        stmt = stmt.where(table.c.id > after)
    rows = (await session.execute(stmt)).all()
    for row in rows:
        progress.rows_seen += 1
        changes: dict[str, str] = {}
        for name in columns:
            stored = getattr(row, name)
            if stored is not None and ring.needs_rotation(stored):
                context = _context(table, name)
                changes[name] = ring.seal(ring.open(stored, context), context)
        if changes:
            values = {name: type_coerce(value, Text) for name, value in changes.items()}
            await session.execute(update(table).where(table.c.id == row.id).values(values))
            progress.values_resealed += len(changes)
            progress.by_table[table.name] = progress.by_table.get(table.name, 0) + len(changes)
    return rows[-1].id if len(rows) == batch_size else None
