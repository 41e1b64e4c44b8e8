"""The stored duplicate review queue: scored pairs refreshed in the background, read by page.

Scoring the whole directory takes seconds past 100,000 providers (bench/duplicate_finder.py), too
long for a page. A worker refreshes the stored pairs every few minutes: an incremental run scores
again only the pairs of providers changed since the last run (their record, affiliations or
practices' addresses), a full run every pair. Triggers delete a provider's pairs in the same
transaction as any change to it, so the queue never shows a pair scored on old values; the pair
comes back, scored again, at the next refresh.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.duplicates import _record
from domain.providers.errors import RefreshRunning
from domain.providers.matching import find_matches
from domain.providers.models import DuplicateRefresh
from domain.providers.repository import CandidateRepository, MergeRepository, ProviderRepository
from domain.shared.clock import utcnow

# Pairs scoring at least this are stored; the queue lists from REVIEW_THRESHOLD unless asked lower.
STORE_FLOOR = 0.6
# An edit committed just before a run started may carry an earlier timestamp than the run: look back this far.
OVERLAP = timedelta(minutes=10)


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    started_at: datetime
    finished_at: datetime
    rescored: int
    pairs: int


async def refresh(session: AsyncSession, *, full: bool = False, actor: str = "system") -> RefreshResult:
    """Score again the pairs of changed providers (all of them when `full`, or when no run came before)
    and store those at STORE_FLOOR or above. Raises RefreshRunning when another run holds the lock."""
    repo = CandidateRepository(session)
    if not await repo.try_lock():
        raise RefreshRunning()
    started = utcnow()
    last = await repo.last_refresh()
    rows = await ProviderRepository(session).match_rows()
    versions = {str(row.id): row.xmin for row in rows}
    changed = None if full or last is None else await repo.changed_since(last.started_at - OVERLAP)
    found = []
    if changed is None or changed:
        found = find_matches(
            [_record(row) for row in rows],
            threshold=STORE_FLOOR,
            dismissed=await MergeRepository(session).dismissed_pairs(),
            among=changed,
        )
    # A record edited while we scored keeps none of its new pairs: the next run scores it again.
    involved = {uuid.UUID(i) for m in found for i in (m.a, m.b)}
    now_versions = {str(k): v for k, v in (await repo.versions(involved)).items()} if involved else {}
    fresh = [m for m in found if all(now_versions.get(i) == versions[i] for i in (m.a, m.b))]
    await repo.forget(None if changed is None else {uuid.UUID(i) for i in changed})
    await repo.store(
        [
            {
                "first_id": uuid.UUID(m.a),
                "second_id": uuid.UUID(m.b),
                "score": m.score,
                "reasons": m.reasons,
                "computed_at": started,
            }
            for m in fresh
        ]
    )
    rescored = len(rows) if changed is None else len(changed)
    record = DuplicateRefresh(
        full=changed is None,
        started_at=started,
        finished_at=utcnow(),
        rescored=rescored,
        pairs=len(fresh),
        requested_by=actor,
    )
    repo.add_refresh(record)
    await session.flush()
    return RefreshResult(record.full, record.started_at, record.finished_at, rescored, len(fresh))


async def last_refresh(session: AsyncSession) -> DuplicateRefresh | None:
    return await CandidateRepository(session).last_refresh()
