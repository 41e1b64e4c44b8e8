"""Cooling alerts: referrers sending fewer referrals than their own history and the season predict.

One run (the worker's daily cron, or `run` in a test) opens an episode, and one task, for each
referrer newly cooling, and closes the episodes of those back at or above the threshold.
Re-running on the same day changes nothing: an open episode is never opened again (a partial
unique index holds that even against two racing workers).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.models import ReferralFact
from domain.providers.models import Provider
from domain.relationships import rules
from domain.relationships.models import CoolingEpisode, ReferrerOwner
from domain.shared.clock import utcnow
from domain.shared.ids import uuid7
from domain.tasks.enums import TaskPriority, TaskStatus, TaskType
from domain.tasks.models import Task

LIAISON_QUEUE = "provider-relations"
F = ReferralFact


@dataclass(frozen=True)
class RunResult:
    checked: int
    opened: int
    closed: int
    seasonal_factor: float


async def seasonal_factor(session: AsyncSession, end: datetime) -> float:
    """Practice-wide: the same 8 weeks a year earlier against that year's (the 52 weeks from there) weekly mean."""
    first = (await session.execute(select(func.min(F.received_at)))).scalar_one()
    year_start, year_end = end - timedelta(weeks=60), end - timedelta(weeks=8)
    same_weeks, year_total = (
        await session.execute(
            select(
                func.count().filter(F.received_at < end - timedelta(weeks=52)),
                func.count(),
            ).where(F.received_at >= year_start, F.received_at < year_end)
        )
    ).one()
    return rules.seasonal_factor(
        same_weeks_last_year=same_weeks,
        year_total=year_total,
        data_reaches_back=first is not None and first.date() <= year_start.date(),
    )


async def _counts(session: AsyncSession, end: datetime) -> dict[uuid.UUID, tuple[int, int]]:
    """(last 8 weeks, the 26 weeks ending 8 weeks before) per referrer."""
    split = end - timedelta(weeks=8)
    rows = await session.execute(
        select(
            F.referring_provider_id,
            func.count().filter(F.received_at >= split),
            func.count().filter(F.received_at < split),
        )
        .where(F.referring_provider_id.is_not(None), F.received_at >= end - timedelta(weeks=34), F.received_at < end)
        .group_by(F.referring_provider_id)
    )
    # The query leaves out rows without a referrer; the check is for the type.
    return {pid: (recent, base) for pid, recent, base in rows if pid is not None}


def _explanation(name: str, c: rules.Cooling) -> str:
    return (
        f"{name} sent {c.observed} referrals in the last 8 weeks; {c.expected:.1f} were expected "
        f"(baseline {c.baseline:.2f} a week over the 26 weeks before, seasonal factor {c.seasonal_factor:.2f}). "
        f"Below {c.threshold}, the 5th percentile of Poisson({c.expected:.1f}), counts as cooling."
    )


async def run(session: AsyncSession, *, as_of: date | None = None) -> RunResult:
    as_of = as_of or utcnow().date()
    end = rules.end_of(as_of)
    s = await seasonal_factor(session, end)
    counts = await _counts(session, end)
    open_episodes = {
        e.provider_id: e
        for e in (
            await session.execute(select(CoolingEpisode).where(CoolingEpisode.closed_on.is_(None)).with_for_update())
        ).scalars()
    }
    opened = closed = 0
    for provider_id in set(counts) | set(open_episodes):
        recent, base = counts.get(provider_id, (0, 0))
        verdict = rules.cooling(last_8_weeks=recent, baseline_weeks_count=base, s=s)
        episode = open_episodes.get(provider_id)
        if episode is not None and verdict.recovered:
            await _close(session, episode, as_of)
            closed += 1
        elif episode is None and verdict.cooling:
            opened += await _open(session, provider_id, verdict, as_of)
    return RunResult(checked=len(counts), opened=opened, closed=closed, seasonal_factor=s)


async def _open(session: AsyncSession, provider_id: uuid.UUID, verdict: rules.Cooling, as_of: date) -> int:
    provider = await session.get(Provider, provider_id)
    owner = await session.get(ReferrerOwner, provider_id)
    name = (
        " ".join(p for p in (provider.prefix, provider.given_name, provider.family_name) if p)
        if provider
        else "A referrer"
    )
    episode_id = uuid7()
    inserted = (
        await session.execute(
            pg_insert(CoolingEpisode)
            .values(
                id=episode_id,
                provider_id=provider_id,
                opened_on=as_of,
                observed=verdict.observed,
                expected=verdict.expected,
                baseline=verdict.baseline,
                seasonal_factor=verdict.seasonal_factor,
                threshold=verdict.threshold,
            )
            .on_conflict_do_nothing(index_elements=["provider_id"], index_where=CoolingEpisode.closed_on.is_(None))
            .returning(CoolingEpisode.id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        return 0  # another run opened it first
    task = Task(
        id=uuid7(),
        type=TaskType.outreach,
        title=f"Cooling referrer: {name}",
        description=_explanation(name, verdict),
        provider_id=provider_id,
        assignee_id=owner.liaison_id if owner else None,
        queue=None if owner else LIAISON_QUEUE,
        due_at=utcnow() + timedelta(days=2),
        priority=TaskPriority.high,
        status=TaskStatus.open,
    )
    session.add(task)
    await session.flush()
    await session.execute(update(CoolingEpisode).where(CoolingEpisode.id == episode_id).values(task_id=task.id))
    return 1


async def _close(session: AsyncSession, episode: CoolingEpisode, as_of: date) -> None:
    episode.closed_on = as_of
    if episode.task_id is not None:
        # The alert is moot once the referrer is back; a task someone already took up stays as it is.
        await session.execute(
            update(Task)
            .where(Task.id == episode.task_id, Task.status == TaskStatus.open)
            .values(status=TaskStatus.cancelled, version=Task.version + 1)
        )
    await session.flush()


async def open_alerts(session: AsyncSession, *, liaison_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """Open episodes, newest first, with the referrer's name and owner: the liaison's cooling alerts."""
    stmt = (
        select(CoolingEpisode, Provider.prefix, Provider.given_name, Provider.family_name, ReferrerOwner.liaison_id)
        .join(Provider, Provider.id == CoolingEpisode.provider_id)
        .outerjoin(ReferrerOwner, ReferrerOwner.provider_id == CoolingEpisode.provider_id)
        .where(CoolingEpisode.closed_on.is_(None))
        .order_by(CoolingEpisode.opened_on.desc(), CoolingEpisode.id)
    )
    if liaison_id is not None:
        stmt = stmt.where(ReferrerOwner.liaison_id == liaison_id)
    return [
        {
            "episode_id": e.id,
            "provider_id": e.provider_id,
            "name": " ".join(p for p in (prefix, given, family) if p),
            "owner_liaison_id": owner,
            "opened_on": e.opened_on,
            "observed": e.observed,
            "expected": e.expected,
            "baseline": e.baseline,
            "seasonal_factor": e.seasonal_factor,
            "threshold": e.threshold,
            "task_id": e.task_id,
        }
        for e, prefix, given, family, owner in await session.execute(stmt)
    ]
