"""Possible duplicate referrals: the same patient referred for the same service line twice, close in
time, usually through two channels (a fax keyed in by staff and an EHR push).

At intake (every channel, in the intake's transaction) a new referral is compared with live referrals
through the keyed blind indexes only; each match becomes a pair waiting for staff, and both referrals
carry the flag and its reason. Staff then link the pair (both kept, related), dismiss it (not a
duplicate) or merge one into the other: the merged referral keeps its status and history, points to
the survivor (`merged_into_id`), stops its clocks and refuses further changes; its tasks, appointments
and documents move to the survivor, whose timeline shows the merged one's events.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.journey import sla
from domain.referrals.duplicate_repository import DuplicateRepository, ordered
from domain.referrals.enums import EventKind
from domain.referrals.errors import ReferralMerged
from domain.referrals.models import DuplicateSettings, Referral, ReferralDuplicate, ReferralEvent
from domain.referrals.repository import ReferralRepository
from domain.referrals.schemas import DuplicatePolicy, DuplicatePolicyIn, PossibleDuplicate
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, NotFound, PreconditionFailed

DEFAULT_POLICY = DuplicatePolicy(enabled=True, window_days=30, same_channel=False, version=0)
MATCH_WORDS = {"name_birth_date": "name and birth date", "mrn": "MRN"}
DECIDED = {"link": "linked", "dismiss": "dismissed"}


async def policy(session: AsyncSession) -> DuplicatePolicy:
    row = await DuplicateRepository(session).settings_values()
    return DEFAULT_POLICY if row is None else DuplicatePolicy.model_validate(dict(row))


async def save_policy(
    session: AsyncSession, *, data: DuplicatePolicyIn, expected_version: int | None, actor: str
) -> DuplicatePolicy:
    """Applies to referrals received from now on; pairs already flagged stay for staff to decide."""
    repo = DuplicateRepository(session)
    row = await repo.settings_row(for_update=True)
    version = row.version if row is not None else 0
    if expected_version is not None and expected_version != version:
        raise PreconditionFailed(
            f"The duplicate policy changed since you read it (version {version}, you sent "
            f"{expected_version}); read it again and reapply your change."
        )
    # The row is locked and read: the policy before and after comes from it, not from reading it again.
    before = DEFAULT_POLICY if row is None else DuplicatePolicy.model_validate(row, from_attributes=True)
    if row is None:
        row = DuplicateSettings(id=1, version=0)
        session.add(row)
    row.enabled, row.window_days, row.same_channel = data.enabled, data.window_days, data.same_channel
    row.version, row.updated_at = version + 1, utcnow()
    await session.flush()
    audit.note(
        session,
        "settings.duplicates_save",
        "duplicate_settings",
        1,
        before=before.model_dump(mode="json", exclude={"version"}),
        after=data.model_dump(mode="json"),
    )
    return DuplicatePolicy.model_validate(row, from_attributes=True)


def _reason(referral: Referral, matched: list[str], other_channel: str, days: int) -> str:
    what = " and ".join(MATCH_WORDS[m] for m in matched)
    apart = "the same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} apart"
    channels = (
        f"both through {other_channel}"
        if other_channel == str(referral.source_channel)
        else f"through {other_channel} and {referral.source_channel}"
    )
    return f"Same patient ({what}) and service line ({referral.service_line}), received {apart} {channels}."


def _reference(referral_id: uuid.UUID) -> str:
    return f"R-{referral_id.hex[-8:]}"


async def flag_at_intake(session: AsyncSession, referral: Referral, *, actor: str) -> list[uuid.UUID]:
    """Pair a new (or newly corrected) referral with the live referrals it may repeat; flags both sides.
    Pairs staff already decided on are not raised again. Returns the new partners' ids."""
    settings = await policy(session)
    if not settings.enabled:
        return []
    repo = DuplicateRepository(session)
    await repo.lock_patient([k for k in (referral.patient_name_dob_index, referral.patient_mrn_index) if k])
    found = await repo.candidates(referral, window_days=settings.window_days, same_channel=settings.same_channel)
    if not found:
        return []
    known = await repo.known_pairs(referral.id)
    found = [c for c in found if c.id not in known]
    if not found:
        return []
    others = await repo.lock_referrals([c.id for c in found])
    events = ReferralRepository(session)
    now = utcnow()
    for candidate in found:
        days = abs((referral.received_at - candidate.received_at).days)
        reason = _reason(referral, candidate.matched, candidate.source_channel, days)
        first, second = ordered(referral.id, candidate.id)
        repo.add(
            ReferralDuplicate(
                first_id=first,
                second_id=second,
                matched=candidate.matched,
                reason=reason,
                status="open",
                created_at=now,
            )
        )
        other = others[candidate.id]
        for this, that in ((referral, other), (other, referral)):
            this.possible_duplicate = True
            this.duplicate_reason = f"{reason} See {_reference(that.id)}."[:300]
            events.add_event(
                ReferralEvent(
                    referral_id=this.id,
                    at=now,
                    actor=actor,
                    kind=EventKind.duplicate,
                    detail={"action": "flagged", "other_id": str(that.id), "matched": candidate.matched},
                )
            )
        other.version += 1
    await session.flush()
    audit.note(session, "referral.duplicate_flag", "referral", referral.id, others=[str(c.id) for c in found])
    return [c.id for c in found]


async def _refresh_flag(session: AsyncSession, referral: Referral) -> None:
    """The flag stays while any open pair does; its reason is the newest open pair's."""
    still_open = await DuplicateRepository(session).pairs_of(referral.id, statuses=("open",))
    if not still_open:
        referral.possible_duplicate, referral.duplicate_reason = False, None
        return
    pair = still_open[0]
    other = pair.second_id if pair.first_id == referral.id else pair.first_id
    referral.possible_duplicate = True
    referral.duplicate_reason = f"{pair.reason} See {_reference(other)}."[:300]


async def list_duplicates(session: AsyncSession, *, referral_id: uuid.UUID) -> list[PossibleDuplicate]:
    """Every referral paired with this one, open pairs first, then by when they were found."""
    await ReferralRepository(session).get(referral_id)
    pairs = await DuplicateRepository(session).pairs_of(referral_id)
    referrals = ReferralRepository(session)
    found = []
    for pair in sorted(pairs, key=lambda p: (p.status != "open", -p.created_at.timestamp())):
        other_id = pair.second_id if pair.first_id == referral_id else pair.first_id
        other = await referrals.view(other_id)
        if other is None:  # another organisation's, under a partner's scope
            continue
        found.append(
            PossibleDuplicate(
                referral=other,
                status=pair.status,
                matched=pair.matched,
                reason=pair.reason,
                found_at=pair.created_at,
                decided_at=pair.decided_at,
                decided_by=pair.decided_by,
            )
        )
    audit.note(session, "referral.duplicates", "referral", referral_id, others=[str(d.referral.id) for d in found])
    return found


@dataclass(frozen=True)
class _Locked:
    this: Referral
    other: Referral
    pair: ReferralDuplicate


async def _lock_pair(
    session: AsyncSession, referral_id: uuid.UUID, other_id: uuid.UUID, expected_version: int | None
) -> _Locked:
    if referral_id == other_id:
        raise InvalidInput("A referral cannot be its own duplicate: name another referral.", field="path.other_id")
    repo = DuplicateRepository(session)
    locked = await repo.lock_referrals([referral_id, other_id])
    for wanted in (referral_id, other_id):
        if wanted not in locked:
            raise NotFound("Referral", wanted)
    this, other = locked[referral_id], locked[other_id]
    if expected_version is not None and this.version != expected_version:
        raise PreconditionFailed(
            f"The referral changed since you read it (version {this.version}, you sent {expected_version}); "
            "read it again and decide again."
        )
    for referral in (this, other):
        if referral.merged_into_id is not None:
            raise ReferralMerged(referral.id, referral.merged_into_id)
    pair = await repo.pair(referral_id, other_id, for_update=True)
    if pair is None:
        raise NotFound("Possible duplicate", f"{_reference(other_id)} of referral {_reference(referral_id)}")
    return _Locked(this, other, pair)


async def decide(
    session: AsyncSession,
    *,
    referral_id: uuid.UUID,
    other_id: uuid.UUID,
    decision: str,
    expected_version: int | None,
    actor: str,
) -> Referral:
    """`link` keeps both as related referrals; `dismiss` says they are not duplicates. Both clear the flag."""
    locked = await _lock_pair(session, referral_id, other_id, expected_version)
    status = DECIDED[decision]
    if locked.pair.status == status:
        return locked.this  # the same decision again changes nothing
    now = utcnow()
    locked.pair.status, locked.pair.decided_at, locked.pair.decided_by = status, now, actor
    await session.flush()
    events = ReferralRepository(session)
    for this, that in ((locked.this, locked.other), (locked.other, locked.this)):
        await _refresh_flag(session, this)
        this.version += 1
        this.updated_at = now
        events.add_event(
            ReferralEvent(
                referral_id=this.id,
                at=now,
                actor=actor,
                kind=EventKind.duplicate,
                detail={"action": status, "other_id": str(that.id)},
            )
        )
    await session.flush()
    audit.note(session, f"referral.duplicate_{decision}", "referral", referral_id, other=str(other_id))
    return locked.this


async def merge(
    session: AsyncSession, *, referral_id: uuid.UUID, other_id: uuid.UUID, expected_version: int | None, actor: str
) -> Referral:
    """Fold `other_id` into `referral_id`, which survives. Two merges of the same pair queue on the row
    locks; the second finds the first one's marker and is refused."""
    locked = await _lock_pair(session, referral_id, other_id, expected_version)
    survivor, merged = locked.this, locked.other
    now = utcnow()
    repo = DuplicateRepository(session)
    moved = await repo.move_belongings(source_id=merged.id, target_id=survivor.id)
    locked.pair.status, locked.pair.decided_at, locked.pair.decided_by = "merged", now, actor
    # The merged referral's other open pairs end with it; their other sides are refreshed below.
    touched: list[uuid.UUID] = []
    for pair in await repo.pairs_of(merged.id, statuses=("open",), for_update=True):
        pair.status, pair.decided_at, pair.decided_by = "merged", now, actor
        touched.append(pair.second_id if pair.first_id == merged.id else pair.first_id)
    merged.merged_into_id, merged.merged_at = survivor.id, now
    merged.possible_duplicate, merged.duplicate_reason = False, None
    await session.flush()
    others = await repo.lock_referrals([i for i in touched if i != survivor.id])
    for referral in (survivor, *others.values()):
        await _refresh_flag(session, referral)
    for referral in (survivor, merged, *others.values()):
        referral.version += 1
        referral.updated_at = now
    events = ReferralRepository(session)
    events.add_event(
        ReferralEvent(
            referral_id=survivor.id,
            at=now,
            actor=actor,
            kind=EventKind.duplicate,
            detail={"action": "merged", "other_id": str(merged.id), "moved": moved},
        )
    )
    events.add_event(
        ReferralEvent(
            referral_id=merged.id,
            at=now,
            actor=actor,
            kind=EventKind.duplicate,
            detail={"action": "merged_into", "other_id": str(survivor.id)},
        )
    )
    await session.flush()
    await sla.on_referral_changed(session, merged)  # its clocks stop and it leaves the work queues
    audit.note(session, "referral.merge", "referral", survivor.id, merged=str(merged.id), moved=moved)
    return survivor
