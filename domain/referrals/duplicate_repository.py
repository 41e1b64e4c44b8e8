"""SQL of duplicate detection and merging (domain/referrals/duplicates.py says the rules)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update

from domain.journey.models import InfoRequest, ReferralDocument
from domain.referrals.models import Appointment, DuplicateSettings, Referral, ReferralDuplicate
from domain.shared.clock import utcnow
from domain.shared.db import driver_connection
from domain.shared.repository import Repository
from domain.tasks.models import Task

_SETTINGS = "SELECT enabled, window_days, same_channel, version FROM duplicate_settings WHERE id = 1"
_LOCK_PATIENT = (
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 7)) "
    "FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS ordered"
)


def _candidates_sql(mrn: bool, other_channel: bool) -> str:
    """Every intake runs this lookup: plain SQL on the driver's connection, one string per shape, so it is
    not built, hashed and compiled by SQLAlchemy each time."""
    by_name = "patient_name_dob_index = $1"
    by_mrn = "(patient_mrn_index IS NOT NULL AND patient_mrn_index = $2 AND patient_surname_dob_index = $3)"
    return (
        f"SELECT id, source_channel, received_at, {by_name} AS by_name, coalesce({by_mrn}, false) AS by_mrn "
        "FROM referrals WHERE id <> $4 AND merged_into_id IS NULL AND lower(service_line) = $5 "
        "AND received_at >= $6 AND received_at <= $7 "
        f"AND {f'({by_name} OR {by_mrn})' if mrn else by_name} "
        f"{'AND source_channel <> $9 ' if other_channel else ''}"
        "ORDER BY received_at DESC, id LIMIT $8"
    )


_CANDIDATES = {(mrn, other): _candidates_sql(mrn, other) for mrn in (False, True) for other in (False, True)}


@dataclass(frozen=True)
class Candidate:
    id: uuid.UUID
    source_channel: str
    received_at: datetime
    matched: list[str]


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


class DuplicateRepository(Repository[ReferralDuplicate]):
    model = ReferralDuplicate
    entity_name = "Possible duplicate"

    async def settings_row(self, *, for_update: bool = False) -> DuplicateSettings | None:
        return await self.session.get(DuplicateSettings, 1, with_for_update=for_update)

    async def settings_values(self) -> Mapping[str, Any] | None:
        """The policy row's values, read on the driver's connection: every intake reads them."""
        driver = await driver_connection(self.session, read=True)
        return cast(Mapping[str, Any] | None, await driver.fetchrow(_SETTINGS))

    async def lock_patient(self, keys: list[str]) -> None:
        """Intakes of the same patient take turns (until commit), so two copies arriving at the same
        moment see each other; other patients are not held up."""
        if not keys:
            return
        # One round trip; the keys are taken in sorted order, so two intakes never wait on each other crosswise.
        driver = await driver_connection(self.session)
        await driver.execute(_LOCK_PATIENT, [f"referral-patient:{key}" for key in keys])

    async def candidates(
        self, referral: Referral, *, window_days: int, same_channel: bool, limit: int = 10
    ) -> list[Candidate]:
        """Live referrals of the same patient and service line received within the window either side.

        Same patient: the same name-and-birth-date index, or the same MRN index with the same
        surname-and-birth-date index (an MRN alone is only unique at the site that issued it)."""
        window = timedelta(days=window_days)
        sql = _CANDIDATES[(referral.patient_mrn_index is not None, not same_channel)]
        args: list[Any] = [
            referral.patient_name_dob_index,
            referral.patient_mrn_index,
            referral.patient_surname_dob_index,
            referral.id,
            referral.service_line.lower(),
            referral.received_at - window,
            referral.received_at + window,
            limit,
        ]
        if not same_channel:
            args.append(str(referral.source_channel))
        driver = await driver_connection(self.session, read=True)
        found = []
        for row in await driver.fetch(sql, *args):
            matched = [name for name, hit in (("name_birth_date", row["by_name"]), ("mrn", row["by_mrn"])) if hit]
            found.append(Candidate(row["id"], row["source_channel"], row["received_at"], matched))
        return found

    async def known_pairs(self, referral_id: uuid.UUID) -> set[uuid.UUID]:
        """Ids already paired with this referral, whatever staff decided about them."""
        rows = await self.session.execute(
            select(ReferralDuplicate.first_id, ReferralDuplicate.second_id).where(
                or_(ReferralDuplicate.first_id == referral_id, ReferralDuplicate.second_id == referral_id)
            )
        )
        return {first if second == referral_id else second for first, second in rows}

    async def pairs_of(
        self, referral_id: uuid.UUID, *, statuses: tuple[str, ...] | None = None, for_update: bool = False
    ) -> list[ReferralDuplicate]:
        stmt = select(ReferralDuplicate).where(
            or_(ReferralDuplicate.first_id == referral_id, ReferralDuplicate.second_id == referral_id)
        )
        if statuses:
            stmt = stmt.where(ReferralDuplicate.status.in_(statuses))
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt.order_by(ReferralDuplicate.created_at.desc()))).scalars())

    async def pair(self, a: uuid.UUID, b: uuid.UUID, *, for_update: bool = False) -> ReferralDuplicate | None:
        first, second = ordered(a, b)
        stmt = select(ReferralDuplicate).where(
            ReferralDuplicate.first_id == first, ReferralDuplicate.second_id == second
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def lock_referrals(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Referral]:
        """Row locks in id order, so two merges over the same pair queue up instead of deadlocking."""
        stmt = (
            select(Referral)
            .where(Referral.id.in_(sorted(set(ids))))
            .order_by(Referral.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {r.id: r for r in (await self.session.execute(stmt)).scalars()}

    async def move_belongings(self, *, source_id: uuid.UUID, target_id: uuid.UUID) -> dict[str, int]:
        """Tasks, appointments and documents of `source` belong to `target` from now on."""
        now = utcnow()
        moved: dict[str, int] = {}
        for name, stmt in (
            (
                "tasks",
                update(Task)
                .where(Task.referral_id == source_id)
                .values(referral_id=target_id, version=Task.version + 1, updated_at=now),
            ),
            (
                "appointments",
                update(Appointment)
                .where(Appointment.referral_id == source_id)
                .values(referral_id=target_id, version=Appointment.version + 1, updated_at=now),
            ),
            (
                "documents",
                update(ReferralDocument).where(ReferralDocument.referral_id == source_id).values(referral_id=target_id),
            ),
        ):
            result = await self.session.execute(stmt.execution_options(synchronize_session=False))
            # An UPDATE gives a CursorResult; the stubs type every execute() as a plain Result.
            moved[name] = cast(CursorResult[Any], result).rowcount or 0
        # A merged referral asks the referrer for nothing more: its open information request ends.
        await self.session.execute(
            update(InfoRequest)
            .where(InfoRequest.referral_id == source_id, InfoRequest.resolved_at.is_(None))
            .values(resolved_at=now, resolution="merged", next_reminder_at=None, decline_at=None)
        )
        # Referrals merged earlier into `source` point at the survivor, so its timeline shows them too.
        await self.session.execute(
            update(Referral)
            .where(Referral.merged_into_id == source_id)
            .values(merged_into_id=target_id)
            .execution_options(synchronize_session=False)
        )
        return moved

    async def folded_into(self, referral_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = select(Referral.id).where(Referral.merged_into_id == referral_id)
        return list((await self.session.execute(stmt)).scalars())
