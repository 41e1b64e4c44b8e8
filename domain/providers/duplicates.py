"""The duplicate review queue: scored pairs from the whole directory, less those marked "not a duplicate".

The queue's pairs are stored and refreshed in the background (domain/providers/queue.py); one
provider's duplicates (`matches` with a focus) are still scored on request from a narrow scan.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.matching import (
    REVIEW_THRESHOLD,
    Match,
    Record,
    find_matches,
    fold,
)
from domain.providers.models import DuplicateCandidate, Provider
from domain.providers.repository import CandidateRepository, MergeRepository, ProviderRepository
from domain.providers.schemas import digits
from domain.shared.errors import InvalidInput
from domain.shared.repository import decode_cursor, encode_cursor

PHONE_SYSTEMS = ("phone", "fax", "sms")


NANP = re.compile(r"\+1\d{10}")


def _phone(value: str) -> str:
    """The last 10 digits; stored numbers are E.164 already, so the full parse is for the odd one out."""
    return value[2:] if NANP.fullmatch(value) else digits(value)


def _record(row: Any) -> Record:
    points = row.contact_points or []
    addresses = [o.get("address") or {} for o in row.organizations or []]
    return Record(
        id=str(row.id),
        given_name=row.given_name,
        family_name=row.family_name,
        npi=row.npi,
        phones=frozenset(
            d for cp in points if cp.get("system") in PHONE_SYSTEMS and len(d := _phone(cp.get("value") or "")) == 10
        ),
        emails=frozenset((cp.get("value") or "").strip().casefold() for cp in points if cp.get("system") == "email"),
        zips=frozenset(z[:5] for a in addresses if re.fullmatch(r"\d{5}(-?\d{4})?", z := (a.get("postal_code") or ""))),
        streets=frozenset(fold(" ".join(a.get("line") or [])) for a in addresses if a.get("line")),
        cities=frozenset(fold(a["city"]) for a in addresses if a.get("city")),
        specialties=frozenset(s.get("code") for s in row.specialties or [] if s.get("code")),
        organizations=frozenset(str(o["id"]) for o in row.organizations or []),
    )


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


async def matches(
    session: AsyncSession, *, threshold: float = REVIEW_THRESHOLD, focus: uuid.UUID | None = None
) -> list[Match]:
    records = [_record(row) for row in await ProviderRepository(session).match_rows()]
    return find_matches(
        records,
        threshold=threshold,
        dismissed=await MergeRepository(session).dismissed_pairs(),
        focus=str(focus) if focus else None,
    )


@dataclass(frozen=True)
class PairPage:
    items: list[tuple[Match, Provider, Provider]]
    next_cursor: str | None


def _after(cursor: str) -> tuple[float, str, str]:
    sort_value, after_b = decode_cursor(cursor)
    try:
        after_score, after_a = sort_value
        return -float(after_score), str(uuid.UUID(after_a)), str(after_b)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("The cursor is not one this list issued.", field="query.cursor") from exc


def _match(row: DuplicateCandidate) -> Match:
    return Match(str(row.first_id), str(row.second_id), row.score, list(row.reasons))


async def review_queue(session: AsyncSession, *, min_score: float, limit: int, cursor: str | None) -> PairPage:
    """Stored pairs best first, keyset-paged on (score, first id, second id) so a page never repeats a pair."""
    after = None
    if cursor:
        score, a, b = _after(cursor)
        after = (-score, uuid.UUID(a), uuid.UUID(b))
    rows = await CandidateRepository(session).page(min_score=min_score, limit=limit + 1, after=after)
    page, more = rows[:limit], len(rows) > limit
    providers = await ProviderRepository(session).get_many_full({i for r in page for i in (r.first_id, r.second_id)})
    items = [
        (
            Match(str(r.first_id), str(r.second_id), r.score, list(r.reasons)),
            providers[r.first_id],
            providers[r.second_id],
        )
        for r in page
    ]
    last = page[-1] if more else None
    return PairPage(items, encode_cursor([last.score, str(last.first_id)], last.second_id) if last else None)


async def dismiss(session: AsyncSession, *, provider_ids: list[uuid.UUID], actor: str) -> None:
    """Remember that two records are two people; the pair is never proposed again."""
    first, second = ordered(*provider_ids)
    if first == second:
        raise InvalidInput("Name two different providers.", field="body.provider_ids")
    repo = ProviderRepository(session)
    for index, provider_id in enumerate(provider_ids):
        if not await repo.exists(provider_id):
            raise InvalidInput(f"Provider {provider_id} does not exist.", field=f"body.provider_ids.{index}")
    await MergeRepository(session).dismiss(first=first, second=second, actor=actor)
    await CandidateRepository(session).forget_pair(first, second)
