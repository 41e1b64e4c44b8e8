"""A small generic repository: the shared SQL every context needs, nothing more."""

import base64
import json
import uuid
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Select, any_, bindparam, tuple_, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.types import TypeEngine

from domain.shared.db import Base
from domain.shared.errors import InvalidInput, NotFound

M = TypeVar("M", bound=Base)


def encode_cursor(sort_value: Any, row_id: uuid.UUID) -> str:
    if isinstance(sort_value, datetime):
        sort_value = {"t": sort_value.isoformat()}
    raw = json.dumps([sort_value, str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_value, row_id = json.loads(raw)
        if isinstance(sort_value, dict):
            sort_value = datetime.fromisoformat(sort_value["t"])
        return sort_value, uuid.UUID(str(row_id))  # str(): a number or list is refused as a 422, not a 500
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput("The cursor is not one this service issued.", field="query.cursor") from exc


def bound_array(name: str, values: list[Any], item_type: TypeEngine[Any]) -> ColumnElement[Any]:
    """A list bound as one array parameter, in parentheses so that it can be indexed. Unlike an IN list,
    the statement keeps one shape whatever the length: compiled, prepared and planned once."""
    array = ARRAY(item_type)
    return type_coerce(Grouping(bindparam(name, values, type_=array)), array)


def one_of(column: InstrumentedAttribute[Any], name: str, values: list[Any]) -> ColumnElement[bool]:
    """`column = ANY(:name)`: an IN list of one shape."""
    return column == any_(bound_array(name, values, column.type))


class Repository(Generic[M]):
    model: type[M]
    entity_name: str

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_none(self, row_id: uuid.UUID, *, for_update: bool = False) -> M | None:
        return await self.session.get(self.model, row_id, with_for_update=for_update)

    async def get(self, row_id: uuid.UUID, *, for_update: bool = False) -> M:
        row = await self.get_or_none(row_id, for_update=for_update)
        if row is None:
            raise NotFound(self.entity_name, row_id)
        return row

    def add(self, row: M) -> M:
        self.session.add(row)
        return row

    async def paginate(
        self,
        stmt: Select[Any],
        *,
        sort: InstrumentedAttribute[Any],
        descending: bool,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Any], str | None]:
        """Keyset pagination on (sort column, id): stable under inserts, fast at any depth.

        Rows whose sort value is NULL are left out of sorted pages, so a sort column
        must be non-null for the rows it lists.
        """
        rows = list((await self.session.execute(self._page(stmt, sort, descending, limit, cursor))).scalars())
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor(getattr(last, sort.key), last.id)

    async def paginate_rows(
        self,
        stmt: Select[Any],
        *,
        sort: InstrumentedAttribute[Any],
        descending: bool,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Any], str | None]:
        """`paginate` for a select of columns (which must include the id and the sort column): Core rows."""
        # On the connection, not through the session: plain rows need none of the ORM's result handling.
        connection = await self.session.connection()
        rows = list(await connection.execute(self._page(stmt, sort, descending, limit, cursor)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]._mapping
        return rows[:limit], encode_cursor(last[sort.key], last["id"])

    def _page(
        self, stmt: Select[Any], sort: InstrumentedAttribute[Any], descending: bool, limit: int, cursor: str | None
    ) -> Select[Any]:
        id_col = self.model.id  # type: ignore[attr-defined]
        if cursor:
            after_value, after_id = decode_cursor(cursor)
            key = tuple_(sort, id_col)
            stmt = stmt.where(key < (after_value, after_id) if descending else key > (after_value, after_id))
        order = (sort.desc(), id_col.desc()) if descending else (sort.asc(), id_col.asc())
        return stmt.order_by(*order).limit(limit + 1)
