"""Referrer figures for the screens and exports: lists, a scorecard, concentration.

The default period (the 90 days up to the snapshot's day, against the 90 before) is read from
referrer_figures alone. Another period, or a service line, runs the rollup aggregate over that
range; score, tier, segment and cooling always come from the snapshot (they have one meaning,
as of a day).
"""

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, nulls_last, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.models import ReferralFact
from domain.providers.models import Provider
from domain.relationships import owners, rollups, rules
from domain.relationships.filters import ReferrerFilters
from domain.relationships.models import ReferrerFigures
from domain.relationships.repository import FiguresRepository
from domain.relationships.schemas import (
    Concentration,
    ConcentrationReferrer,
    Figures,
    OrganizationRow,
    ReferrerRow,
    Scorecard,
    ScorecardPoint,
    Standing,
)
from domain.relationships.snapshot import period_figures
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, NotFound

FIGURE_SORTS = (
    "volume",
    "prior_volume",
    "conversion_rate",
    "median_days_to_appointment",
    "leakage_rate",
    "loop_closure_rate",
    "revenue",
    "score",
    "trend",
)
SORTS = (*FIGURE_SORTS, "name", "last_touchpoint_at")


EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def period(start: datetime | None, end: datetime | None, *, default_days: int) -> tuple[datetime, datetime]:
    """The caller's [from, to), defaults filled in; refused when empty or outside 1900-2200."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and not EARLIEST <= value < LATEST:
            raise InvalidInput(f"`{name}` must fall between 1900 and 2200.", field=f"query.{name}")
    end = end or utcnow()
    start = start or end - timedelta(days=default_days)
    if start >= end:
        raise InvalidInput("`from` must be before `to`.", field="query.from")
    return start, end


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("o:"):
            raise ValueError
        return int(text[2:])
    except ValueError as exc:
        raise InvalidInput("The cursor is not one this service issued.", field="query.cursor") from exc


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _name(row: Any) -> str:
    return " ".join(p for p in (row.prefix, row.given_name, row.family_name) if p)


def _standing(figures: ReferrerFigures, cooling: bool) -> dict[str, Any]:
    return {
        "as_of": figures.as_of,
        "score": figures.score,
        "tier": figures.tier,
        "segment": figures.segment,
        "cooling": cooling,
        "weekly": figures.weekly,
    }


def _snapshot_figures(f: ReferrerFigures) -> dict[str, Any]:
    return {
        name: getattr(f, name)
        for name in (
            "volume",
            "prior_volume",
            "conversion_rate",
            "median_days_to_appointment",
            "leakage_rate",
            "loop_closure_rate",
            "trend",
        )
    } | {"revenue": float(f.revenue)}


def _live_figures(current: dict[str, Any] | None, prior: dict[str, Any] | None) -> dict[str, Any]:
    figures = period_figures(current, (prior or {}).get("volume", 0))
    return figures | {"revenue": float(figures["revenue"]), "prior_volume": figures["prior_volume"] or 0}


def _sort_key(sort: str, descending: bool) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    def key(item: dict[str, Any]) -> tuple[bool, Any]:
        value = item[sort]
        if isinstance(value, str):
            value = value.lower()
        # Nulls last whichever the direction.
        return (
            value is None,
            (-value if descending and isinstance(value, (int, float)) else value) if value is not None else 0,
        )

    return key


def _page(
    items: list[dict[str, Any]], *, sort: str, descending: bool, offset: int, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    if descending and sort in ("name", "last_touchpoint_at"):
        present = sorted((i for i in items if i[sort] is not None), key=lambda i: (i[sort], str(i["id"])), reverse=True)
        ordered = present + [i for i in items if i[sort] is None]
    else:
        ordered = sorted(items, key=lambda i: (*_sort_key(sort, descending)(i), str(i["id"])))
    page = ordered[offset : offset + limit]
    return page, (_cursor(offset + limit) if offset + limit < len(ordered) else None)


async def _period(
    session: AsyncSession, *, kind: str, start: datetime, end: datetime, service_line: str | None, ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, dict[str, Any]], dict[uuid.UUID, dict[str, Any]]]:
    """(current figures, prior volumes) per subject; a subject with none in the period is left out of current."""
    counts = await rollups.period_counts(
        session, kind=kind, window=rollups.Window(start, end), subject_ids=ids, service_line=service_line
    )
    current = {k: v for k, v in counts.items() if v["volume"] > 0}
    prior = {k: {"volume": v["prior_volume"]} for k, v in counts.items()}
    return current, prior


async def list_referrers(
    session: AsyncSession,
    *,
    filters: ReferrerFilters,
    start: datetime | None,
    end: datetime | None,
    sort: str,
    descending: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[ReferrerRow], str | None]:
    repo = FiguresRepository(session)
    stmt = repo.referrers_query(filters=filters)
    offset = _offset(cursor)
    live = start is not None or end is not None or filters.service_line is not None
    if not live and sort in FIGURE_SORTS:
        column = getattr(ReferrerFigures, sort)
        order = column.desc() if descending else column.asc()
        stmt = stmt.order_by(nulls_last(order), ReferrerFigures.subject_id).offset(offset).limit(limit + 1)
        rows = (await session.execute(stmt)).all()
        names = await repo.organization_names([r.organization_id for r in rows if r.organization_id])
        items = [_referrer_row(r, _snapshot_figures(r.ReferrerFigures), names) for r in rows[:limit]]
        return items, (_cursor(offset + limit) if len(rows) > limit else None)
    rows = (await session.execute(stmt)).all()
    by_id = {r.provider_id: r for r in rows}
    if live:
        start, end = period(start, end, default_days=90)
        current, prior = await _period(
            session, kind="provider", start=start, end=end, service_line=filters.service_line, ids=list(by_id)
        )
        if filters.service_line is not None:
            by_id = {k: v for k, v in by_id.items() if k in current}
        figures = {k: _live_figures(current.get(k), prior.get(k)) for k in by_id}
    else:
        figures = {k: _snapshot_figures(r.ReferrerFigures) for k, r in by_id.items()}
    entries = [
        {"id": k, "name": _name(r), "last_touchpoint_at": r.last_touchpoint_at, **figures[k]} for k, r in by_id.items()
    ]
    page, next_cursor = _page(entries, sort=sort, descending=descending, offset=offset, limit=limit)
    names = await repo.organization_names(
        [by_id[i["id"]].organization_id for i in page if by_id[i["id"]].organization_id]
    )
    return [_referrer_row(by_id[i["id"]], figures[i["id"]], names) for i in page], next_cursor


def _referrer_row(r: Any, figures: dict[str, Any], names: dict[uuid.UUID, str]) -> ReferrerRow:
    return ReferrerRow(
        provider_id=r.provider_id,
        name=_name(r),
        npi=r.npi,
        specialty=r.specialty,
        organization_id=r.organization_id,
        organization_name=names.get(r.organization_id),
        last_touchpoint_at=r.last_touchpoint_at,
        owner_liaison_id=r.owner_liaison_id,
        owner_liaison_name=r.owner_liaison_name,
        **figures,
        **_standing(r.ReferrerFigures, r.cooling),
    )


async def list_organizations(
    session: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    sort: str,
    descending: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[OrganizationRow], str | None]:
    rows = (await session.execute(FiguresRepository(session).organizations_query())).all()
    by_id = {r.organization_id: r for r in rows}
    if start is not None or end is not None:
        start, end = period(start, end, default_days=90)
        current, prior = await _period(
            session, kind="organization", start=start, end=end, service_line=None, ids=list(by_id)
        )
        figures = {k: _live_figures(current.get(k), prior.get(k)) for k in by_id}
    else:
        figures = {k: _snapshot_figures(r.ReferrerFigures) for k, r in by_id.items()}
    items = [{"id": k, "name": r.name, "last_touchpoint_at": None, **figures[k]} for k, r in by_id.items()]
    page, next_cursor = _page(items, sort=sort, descending=descending, offset=_offset(cursor), limit=limit)
    return [
        OrganizationRow(
            organization_id=i["id"],
            name=i["name"],
            **figures[i["id"]],
            **_standing(by_id[i["id"]].ReferrerFigures, False),
        )
        for i in page
    ], next_cursor


def _months(start: datetime, end: datetime) -> list[datetime]:
    months, cursor = [], datetime(start.year, start.month, 1, tzinfo=UTC)
    while cursor < end:
        months.append(cursor)
        cursor = datetime(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1, tzinfo=UTC)
    return months


async def scorecard(
    session: AsyncSession, *, provider_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> Scorecard:
    provider = await session.get(Provider, provider_id)
    if provider is None:
        raise NotFound("Provider", provider_id)
    start, end = period(start, end, default_days=365)
    if end - start > timedelta(days=3 * 366):
        raise InvalidInput("A scorecard covers at most three years.", field="query.from")
    current, prior = await _period(session, kind="provider", start=start, end=end, service_line=None, ids=[provider_id])
    series = []
    monthly = await rollups.monthly_counts(session, provider_id=provider_id, window=rollups.Window(start, end))
    for month in _months(start, end):
        counts = monthly.get(month.date())
        series.append(ScorecardPoint(month=month.date(), **_live_figures(counts, None)))
    snap = (
        await session.execute(
            FiguresRepository(session).referrers_query(filters=ReferrerFilters(provider_ids=[provider_id]))
        )
    ).first()
    standing = (
        _standing(snap.ReferrerFigures, snap.cooling)
        if snap
        else {"as_of": None, "score": None, "tier": None, "segment": None, "cooling": False, "weekly": []}
    )
    owned_by = await owners.owner(session, provider_id)
    return Scorecard(
        provider_id=provider_id,
        name=_name(provider),
        start=start,
        end=end,
        figures=Figures(**_live_figures(current.get(provider_id), prior.get(provider_id))),
        standing=Standing(**standing),
        series=series,
        owner_liaison_id=owned_by[0] if owned_by else None,
        owner_liaison_name=owned_by[1] if owned_by else None,
    )


async def concentration(session: AsyncSession, *, start: datetime | None, end: datetime | None) -> Concentration:
    start, end = period(start, end, default_days=90)
    F = ReferralFact
    counts = (
        await session.execute(
            select(F.referring_provider_id, func.count())
            .where(F.referring_provider_id.is_not(None), F.received_at >= start, F.received_at < end)
            .group_by(F.referring_provider_id)
        )
    ).all()
    active = (
        await session.execute(
            select(func.count(func.distinct(F.referring_provider_id))).where(
                F.referring_provider_id.is_not(None), F.received_at >= end - timedelta(days=365), F.received_at < end
            )
        )
    ).scalar_one()
    # The query leaves out facts without a referrer; the check is for the type.
    volumes = sorted(((n, pid) for pid, n in counts if pid is not None), key=lambda x: (-x[0], str(x[1])))
    top_count = rules.concentration([n for n, _ in volumes])
    total = sum(n for n, _ in volumes)
    names = {
        p.id: _name(p)
        for p in (
            await session.execute(select(Provider).where(Provider.id.in_([pid for _, pid in volumes[:top_count]])))
        ).scalars()
    }
    top, running = [], 0
    for n, pid in volumes[:top_count]:
        running += n
        top.append(
            ConcentrationReferrer(provider_id=pid, name=names.get(pid, ""), volume=n, cumulative_share=running / total)
        )
    return Concentration(
        start=start,
        end=end,
        volume=total,
        referrers=len(volumes),
        active_referrers=active,
        top_count=top_count,
        top_share_of_active=(top_count / active) if active else None,
        top=top,
    )
