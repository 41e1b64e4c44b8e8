"""Merging a duplicate into its survivor, with history, and undoing it within 30 days.

The caller picks, per differing field, which record's value the survivor keeps; lists
(credentials, specialties, contact points) may also keep both. Everything pointing at the
merged record follows the survivor (domain/providers/relink.py). The merge row keeps the
field values before and after and the rows that moved, which is all an undo needs.
"""

import uuid
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers import relink
from domain.providers.enums import ProviderStatus
from domain.providers.errors import MergeNotAllowed, UndoNotAllowed
from domain.providers.models import Provider, ProviderMerge
from domain.providers.repository import MergeRepository, ProviderRepository
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, PreconditionFailed

UNDO_WINDOW = timedelta(days=30)
SCALAR_FIELDS = ("npi", "prefix", "given_name", "family_name", "suffix", "kind", "preferred_contact_method", "notes")
LIST_FIELDS = ("credentials", "specialties", "contact_points")
MERGEABLE = SCALAR_FIELDS + LIST_FIELDS
Choice = Literal["survivor", "merged", "both"]


def _snapshot(provider: Provider) -> dict[str, Any]:
    values = {name: getattr(provider, name) for name in MERGEABLE}
    values["status"] = provider.status.value
    values["merged_into_id"] = str(provider.merged_into_id) if provider.merged_into_id else None
    return {k: v.value if hasattr(v, "value") else v for k, v in values.items()}


def _union(first: list[Any], second: list[Any], key: Any) -> list[Any]:
    seen = {key(item) for item in first}
    return first + [item for item in second if key(item) not in seen]


def _combined(field: str, survivor: list[Any], merged: list[Any]) -> list[Any]:
    if field == "specialties":  # the survivor's primary stays the only primary
        return _union(survivor, [s | {"primary": False} for s in merged], lambda s: s.get("code"))
    if field == "contact_points":
        return _union(survivor, merged, lambda cp: (cp.get("system"), cp.get("value")))
    return list(dict.fromkeys([*survivor, *merged]))


def _check_choices(keep: dict[str, Choice]) -> None:
    for name, choice in keep.items():
        if name not in MERGEABLE:
            raise InvalidInput(
                f"'{name}' is not a field a merge chooses; choose among {', '.join(MERGEABLE)}.",
                field=f"body.keep.{name}",
            )
        if choice == "both" and name not in LIST_FIELDS:
            raise InvalidInput(
                f"'{name}' holds one value: keep the survivor's or the merged record's.", field=f"body.keep.{name}"
            )


def _apply(survivor: Provider, merged: dict[str, Any], keep: dict[str, Choice]) -> None:
    for name in MERGEABLE:
        mine, theirs = getattr(survivor, name), merged[name]
        choice = keep.get(name, "both" if name in LIST_FIELDS else "survivor")
        if choice == "merged" or (name in SCALAR_FIELDS and mine is None and name not in keep):
            value = theirs  # a value the survivor lacks is taken unless the caller said otherwise
        elif choice == "both":
            value = _combined(name, list(mine or []), list(theirs or []))
        else:
            value = mine
        if value != mine:
            setattr(survivor, name, value)


async def _pair(
    repo: ProviderRepository, merged_id: uuid.UUID, survivor_id: uuid.UUID, field: str
) -> tuple[Provider, Provider]:
    if merged_id == survivor_id:
        raise MergeNotAllowed(
            "A provider cannot be merged into itself.",
            errors=[{"field": field, "message": "same as the merged provider"}],
        )
    await repo.lock([merged_id, survivor_id])
    source = await repo.get_full(merged_id)
    if not await repo.exists(survivor_id):
        raise InvalidInput(f"Provider {survivor_id} does not exist.", field=field)
    target = await repo.get_full(survivor_id)
    if source.status is ProviderStatus.merged:
        raise MergeNotAllowed(f"Provider {source.id} was already merged into {source.merged_into_id}.")
    if target.status is ProviderStatus.merged:
        raise MergeNotAllowed(
            f"Provider {target.id} was itself merged into {target.merged_into_id}; merge into that one.",
            errors=[{"field": field, "message": "is a merged record"}],
        )
    if source.npi and target.npi and source.npi != target.npi:
        raise MergeNotAllowed("The two providers have different NPIs, so they are different people.")
    return source, target


async def merge(
    session: AsyncSession,
    *,
    merged_id: uuid.UUID,
    survivor_id: uuid.UUID,
    keep: dict[str, Choice] | None = None,
    expected_version: int | None = None,
    actor: str,
    survivor_field: str = "body.survivor_id",
) -> ProviderMerge:
    """`survivor_field` names the survivor in the caller's request, for the errors about it."""
    keep = keep or {}
    _check_choices(keep)
    repo = ProviderRepository(session)
    source, target = await _pair(repo, merged_id, survivor_id, survivor_field)
    if expected_version is not None and source.version != expected_version:
        raise PreconditionFailed(
            f"The provider changed since you read it (version {source.version}, you sent "
            f"{expected_version}); read it again and reapply your change."
        )
    before = {"survivor": _snapshot(target), "merged": _snapshot(source)}
    moved = await relink.move_all(session, source=source.id, target=target.id, actor=actor)
    source.status, source.merged_into_id = ProviderStatus.merged, target.id
    source.npi = None  # the NPI now identifies the survivor (a directory upsert by NPI must find it)
    source.version += 1
    await session.flush()
    _apply(target, before["merged"], keep)
    target.version += 1
    await session.flush()
    record = ProviderMerge(
        merged_id=source.id,
        survivor_id=target.id,
        merged_at=utcnow(),
        merged_by=actor,
        before=before,
        after={"survivor": _snapshot(target), "merged": _snapshot(source)},
        moved=moved,
    )
    session.add(record)
    await session.flush()
    return record


async def undo(session: AsyncSession, *, merge_id: uuid.UUID, actor: str) -> ProviderMerge:
    """Put the merged record back as it was, with everything that followed the survivor."""
    record = await MergeRepository(session).get(merge_id, for_update=True)
    if record.undone_at is not None:
        raise UndoNotAllowed(f"This merge was already undone on {record.undone_at:%Y-%m-%d}.")
    if utcnow() - record.merged_at > UNDO_WINDOW:
        raise UndoNotAllowed(
            f"A merge can be undone for {UNDO_WINDOW.days} days; this one was made on {record.merged_at:%Y-%m-%d}. "
            "Edit the surviving record instead."
        )
    repo = ProviderRepository(session)
    await repo.lock([record.merged_id, record.survivor_id])
    source, target = await repo.get_full(record.merged_id), await repo.get_full(record.survivor_id)
    if target.status is ProviderStatus.merged:
        raise UndoNotAllowed(f"The survivor was since merged into {target.merged_into_id}; undo that merge first.")
    if source.merged_into_id != target.id:
        raise UndoNotAllowed("The merged record has changed since; this merge can no longer be undone.")
    # Fields edited on the survivor since the merge keep their new value.
    for name in MERGEABLE:
        if getattr(target, name) == record.after["survivor"][name] != record.before["survivor"][name]:
            setattr(target, name, record.before["survivor"][name])
    target.version += 1
    await session.flush()  # frees the NPI before the merged record takes it back
    source.status = ProviderStatus(record.before["merged"]["status"])
    source.merged_into_id = None
    source.npi = record.before["merged"]["npi"]
    source.version += 1
    await session.flush()
    await relink.move_back(session, moved=record.moved, source=source.id, target=target.id, actor=actor)
    record.undone_at, record.undone_by = utcnow(), actor
    await session.flush()
    return record


async def recent(session: AsyncSession, *, limit: int, include_undone: bool) -> list[ProviderMerge]:
    return await MergeRepository(session).recent(limit=limit, include_undone=include_undone)
