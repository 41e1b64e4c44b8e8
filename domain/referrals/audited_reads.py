"""The API's hottest reads (a referral by id, a page of the list) on a driver connection.

Each is one statement, compiled once per shape and prepared by asyncpg, that reads the data and
inserts its audit entry (a CTE over the rows read: nothing is recorded when nothing is found), with
the values decoded (and sealed fields opened) by the columns' own types. They answer exactly what
GET /v1/referrals/{id} and GET /v1/referrals answer through the service layer, and audit them as
the guard does; api/routers/referral_reads.py serves them and hands anything else to the full path.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from sqlalchemy import Integer, Text, and_, bindparam, cast, func, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement

from domain.audit import trail as audit
from domain.journey import completeness, sla
from domain.journey.models import BusinessCalendar, InfoRequest, ReferralClock
from domain.journey.schemas import MilestoneSla
from domain.referrals import views
from domain.referrals.enums import ReferralStatus
from domain.referrals.models import Referral
from domain.referrals.schemas import Referral as ReferralView
from domain.shared.clock import utcnow
from domain.shared.crypto import Encrypted
from domain.shared.repository import decode_cursor, encode_cursor

_T = Referral.__table__
_CLOCK = ReferralClock.__table__
_CALENDAR = BusinessCalendar.__table__
_INFO = InfoRequest.__table__
_CLOCK_FIELDS = (
    "referral_id",
    "calendar_id",
    "first_contact_target_s",
    "scheduled_target_s",
    "paused_seconds",
    "paused_since",
    "first_contact_escalated_at",
    "scheduled_escalated_at",
)
_CALENDAR_FIELDS = ("time_zone", "weekly_hours", "holidays")
_INFO_FIELDS = ("referral_id", "missing", "requested_at", "reminders_sent", "next_reminder_at", "decline_at")
_MILESTONE_FIELDS = tuple(MilestoneSla.model_fields)
Decoder = Callable[[Any], Any] | None


@dataclass
class Compiled:
    sql: str
    params: tuple[str, ...]
    binders: tuple[Decoder, ...]
    decoders: tuple[tuple[str, Decoder], ...]
    constants: dict[str, Any]

    def args(self, values: dict[str, Any]) -> list[Any]:
        given = self.constants | values  # constants: the statement's own (the commit setting)
        return [
            given[name] if bind is None or given[name] is None else bind(given[name])
            for name, bind in zip(self.params, self.binders, strict=True)
        ]

    def decode(self, record: Sequence[Any]) -> dict[str, Any]:
        values = dict(zip(self.names, record, strict=True))
        for name, decode in self.decoding:
            value = values[name]
            if value is not None:
                values[name] = decode(value)
        return values

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.decoders)

    @cached_property
    def decoding(self) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
        return tuple((name, decode) for name, decode in self.decoders if decode is not None)


def _compile(stmt: Any, columns: list[ColumnElement[Any]], dialect: Dialect) -> Compiled:
    compiled = stmt.compile(dialect=dialect)
    params = tuple(compiled.positiontup or ())
    binders = tuple(compiled._bind_processors.get(name) for name in params)
    # A TypeDecorator's result processor includes its process_result_value: sealed fields open here.
    decoders = tuple((c.name, _decoder(c, dialect)) for c in columns)
    constants = {name: value for name, value in compiled.params.items() if value is not None}
    return Compiled(str(compiled), params, binders, decoders, constants)


def _decoder(column: ColumnElement[Any], dialect: Dialect) -> Decoder:
    if isinstance(column.type, Encrypted):
        return column.type.reader()
    return column.type.dialect_impl(dialect).result_processor(dialect, None)


@cache
def _detail_read(dialect: Dialect, *, async_commit: bool) -> Compiled:
    """The referral's columns, its SLA clock and calendar, and its open information request, by id,
    with the read's audit row inserted by the same statement when (and only when) the referral is found:
    one round trip. Parameters: `id`, and `audit_<column>` for each of the audit row's columns."""
    columns: list[ColumnElement[Any]] = [
        *views.COLUMNS,
        *(_CLOCK.c[name].label(f"clock__{name}") for name in _CLOCK_FIELDS),
        *(_CALENDAR.c[name].label(f"calendar__{name}") for name in _CALENDAR_FIELDS),
        *(_INFO.c[name].label(f"info__{name}") for name in _INFO_FIELDS),
    ]
    joined = (
        _T.outerjoin(_CLOCK, _CLOCK.c.referral_id == _T.c.id)
        .outerjoin(_CALENDAR, _CALENDAR.c.id == _CLOCK.c.calendar_id)
        .outerjoin(_INFO, and_(_INFO.c.referral_id == _T.c.id, _INFO.c.resolved_at.is_(None)))
    )
    found = select(*columns).select_from(joined).where(_T.c.id == bindparam("id")).cte("found")
    stmt = select(*found.c).add_cte(audit.insert_for_each(found, async_commit=async_commit))
    return _compile(stmt, columns, dialect)


def _part(values: dict[str, Any], prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    """One joined table's columns of the row."""
    return {name: values[prefix + name] for name in names}


async def referral_detail(
    driver: Any, dialect: Dialect, *, referral_id: uuid.UUID, trail: audit.Trail, render: Callable[[Any], bytes]
) -> tuple[bytes, int] | None:
    """GET /v1/referrals/{id} for a caller without an organisation scope: the body `render` writes
    from the plain values of its `ReferralDetail` (as a list page's), and its version. The read's
    audit entry is inserted by the statement that reads it. None when there is no such referral
    (nothing is written then: the full path answers the 404 and audits it)."""
    read = _detail_read(dialect, async_commit=audit.async_read_audit())
    trail.entries.append(audit.Entry("referral.read", "referral", str(referral_id), {}))
    (row,) = trail.rows(outcome="success", status=200)
    trail.entries.clear()
    record = await driver.fetchrow(read.sql, *read.args({"id": referral_id, **audit.params_of(row)}))
    if record is None:
        return None  # and nothing was inserted
    values = read.decode(record)
    detail = views.plain_of_values(values)  # the schema's order; ReferralDetail adds its two fields last
    milestones: list[dict[str, Any]] = []
    if values["clock__referral_id"] is not None:  # outer joins: none when the referral has no clock
        clock = _part(values, "clock__", _CLOCK_FIELDS)
        calendar = BusinessCalendar(**_part(values, "calendar__", _CALENDAR_FIELDS)) if clock["calendar_id"] else None
        # The SLA view reads the status and the milestone times, nothing else of the referral.
        referral = views.construct(ReferralView, {name: values[name] for name in sla.TIMELINE})
        found = sla.view_of(referral, ReferralClock(**clock), calendar, now=utcnow())
        milestones = [{name: getattr(m, name) for name in _MILESTONE_FIELDS} for m in found]
    info_request: dict[str, Any] | None = None
    if values["info__referral_id"] is not None:
        opened = completeness.info_request_of(InfoRequest(**_part(values, "info__", _INFO_FIELDS)))
        info_request = opened.model_dump()
    detail |= {"sla": milestones, "info_request": info_request}
    return render(detail), values["version"]


@dataclass(frozen=True)
class ListQuery:
    """The list's common shape: status and service-line filters, newest first, maybe a cursor."""

    statuses: tuple[ReferralStatus, ...]
    service_line: str | None
    limit: int
    cursor: str | None


@cache
def _list_read(dialect: Dialect, *, statuses: int, service_line: bool, cursor: bool, async_commit: bool) -> Compiled:
    """A page (limit + 1 rows, to know whether more follow) and its audit row in one statement: the
    entry names the ids of the first `shown` rows, in page order, as `audit.list_entry` does."""
    stmt = select(*views.LIST_COLUMNS).where(_T.c.merged_into_id.is_(None))
    if statuses:
        stmt = stmt.where(_T.c.status.in_([bindparam(f"status_{i}", type_=_T.c.status.type) for i in range(statuses)]))
    if service_line:
        stmt = stmt.where(_T.c.service_line == bindparam("service_line"))
    if cursor:
        stmt = stmt.where(
            tuple_(_T.c.received_at, _T.c.id)
            < tuple_(bindparam("after_at", type_=_T.c.received_at.type), bindparam("after_id", type_=_T.c.id.type))
        )
    found = stmt.order_by(_T.c.received_at.desc(), _T.c.id.desc()).limit(bindparam("limit", type_=Integer)).cte("found")
    shown = (
        select(found.c.id, found.c.received_at)
        .order_by(found.c.received_at.desc(), found.c.id.desc())
        .limit(bindparam("shown", type_=Integer))
        .subquery("shown")
    )
    ids = aggregate_order_by(cast(shown.c.id, Text), shown.c.received_at.desc(), shown.c.id.desc())
    detail = func.jsonb_build_object(
        "count",
        func.count(),
        "ids",
        func.coalesce(func.jsonb_agg(ids), literal_column("'[]'::jsonb")),
        "operation",
        bindparam("operation", type_=Text),
    )
    audit_row = audit.insert_for_each(shown, async_commit=async_commit, computed={"detail": detail})
    page = select(*found.c).order_by(found.c.received_at.desc(), found.c.id.desc()).add_cte(audit_row)
    return _compile(page, list(views.LIST_COLUMNS), dialect)


async def referral_page(
    driver: Any, dialect: Dialect, *, query: ListQuery, trail: audit.Trail, render: Callable[[Any], bytes]
) -> bytes:
    """GET /v1/referrals for a caller without an organisation scope: the body `render` writes from
    the plain values of its `Page[ReferralListItem]` (views.plain_list_item). Its audit entry is inserted by
    the statement that reads the page. A cursor this service did not issue raises InvalidInput
    before anything is read."""
    read = _list_read(
        dialect,
        statuses=len(query.statuses),
        service_line=query.service_line is not None,
        cursor=bool(query.cursor),
        async_commit=audit.async_read_audit(),
    )
    values: dict[str, Any] = {f"status_{i}": s for i, s in enumerate(query.statuses)}
    values |= {"service_line": query.service_line, "limit": query.limit + 1, "shown": query.limit}
    if query.cursor:
        values["after_at"], values["after_id"] = decode_cursor(query.cursor)
    # The entry as audit.list_entry writes it; its count and ids are filled in by the statement.
    entry = audit.Entry("referral.list", "referral", None, {})
    trail.entries.append(entry)
    (row,) = trail.rows(outcome="success", status=200)
    trail.entries.clear()
    values |= audit.params_of(row) | {"operation": trail.operation}
    records = await driver.fetch(read.sql, *read.args(values))
    items = [views.plain_list_item(read.decode(r)) for r in records[: query.limit]]
    next_cursor = None
    if len(records) > query.limit:
        last = items[-1]
        next_cursor = encode_cursor(last["received_at"], last["id"])
    return render({"items": items, "next_cursor": next_cursor})
