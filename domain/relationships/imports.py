"""Loading referral history: one file, one transaction, nothing twice."""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.referrals.enums import AppointmentStatus, EventKind
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.relationships import csvfile, snapshot
from domain.relationships.csvfile import FileRejected, HistoryRow
from domain.relationships.errors import ImportRejected
from domain.relationships.models import ReferralRevenue
from domain.relationships.repository import ImportRepository
from domain.shared.clock import utcnow
from domain.shared.crypto import blind_index
from domain.shared.ids import uuid7

SOURCE_SYSTEM = "import"
BATCH = 2000


@dataclass(frozen=True)
class ImportResult:
    import_id: str | None
    file_hash: str
    rows: int
    loaded: int
    skipped: int  # rows whose source_id an earlier import already loaded
    already_imported: bool


def _milestones(row: HistoryRow) -> dict[str, datetime | None]:
    at = row.status_at
    return {
        "completed_at": row.completed_at if row.status in (S.completed, S.closed) else None,
        "closed_at": at if row.status is S.closed else None,
        "declined_at": at if row.status is S.declined else None,
        "cancelled_at": at if row.status is S.cancelled else None,
        "scheduled_at": at if row.status is S.scheduled else None,
        "accepted_at": at if row.status is S.accepted else None,
        "needs_info_at": at if row.status is S.needs_info else None,
        "first_contact_at": None,
    }


def _referral_values(row: HistoryRow, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid7(),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "source_system": SOURCE_SYSTEM if row.source_id else None,
        "source_identifier": row.source_id,
        "source_channel": "staff",
        "referral_source": row.referral_source,
        "patient_given_name": row.given_name,
        "patient_family_name": row.family_name,
        "patient_birth_date": row.birth_date,
        "patient_sex": row.sex,
        "patient_phone": row.phone,
        "patient_email": None,
        "patient_address": None,
        "patient_mrn": row.mrn,
        "patient_notes": None,
        "patient_mrn_index": blind_index(row.mrn),
        "patient_name_dob_index": blind_index(row.family_name, row.given_name, row.birth_date.isoformat()),
        "referring_provider_id": row.provider_id,
        "referring_organization_id": row.organization_id,
        "receiving_provider_id": None,
        "service_line": row.service_line,
        "specialty_code": None,
        "specialty_display": None,
        "urgency": row.urgency,
        "reason": None,
        "icd10_codes": [],
        "payer_name": row.payer_name,
        "payer_class": row.payer_class,
        "location_preference": None,
        "status": row.status.value,
        "status_reason": row.status_reason,
        "assignee_id": None,
        "queue": None,
        "received_at": row.received_at,
        **_milestones(row),
        "no_show_count": 1
        if row.appointment_at is not None and _appointment_status(row) is AppointmentStatus.noshow
        else 0,
    }


def _timeline(row: HistoryRow, value: dict[str, Any], *, actor: str, import_id: uuid.UUID) -> list[dict[str, Any]]:
    """Received, then each milestone the file states, in order: the timeline ends where the status does."""
    moves = [(S.received, row.received_at, EventKind.created)]
    for status in (S.completed, S.closed, S.declined, S.cancelled):
        at = value[f"{status.value}_at"]
        if at is not None:
            moves.append((status, at, EventKind.transition))
    if row.status not in {m[0] for m in moves}:
        moves.append((row.status, row.status_at, EventKind.transition))
    ids = sorted(uuid7() for _ in moves)  # same instant: the later move still sorts last
    detail = {"import_id": str(import_id), "line": row.line}
    return [
        {
            "id": event_id,
            "referral_id": value["id"],
            "at": at,
            "actor": actor,
            "kind": kind.value,
            "from_status": None if n == 0 else moves[n - 1][0].value,
            "to_status": status.value,
            "reason": row.status_reason if status in (S.declined, S.cancelled) else None,
            "detail": detail,
        }
        for n, (event_id, (status, at, kind)) in enumerate(zip(ids, moves, strict=True))
    ]


def _appointment_status(row: HistoryRow) -> AppointmentStatus:
    if row.status in (S.completed, S.closed):
        return AppointmentStatus.fulfilled
    if row.status is S.cancelled:
        return AppointmentStatus.noshow if row.status_reason == "no_show" else AppointmentStatus.cancelled
    return AppointmentStatus.booked


async def import_referrals(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str | None,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """All rows or none. A file already loaded (same bytes) loads nothing; a row whose source_id
    an earlier file loaded is skipped, so overlapping exports can be sent as they are."""
    file_hash = hashlib.sha256(data).hexdigest()
    repo = ImportRepository(session)
    if await repo.by_hash(file_hash) is not None:
        return ImportResult(None, file_hash, 0, 0, 0, already_imported=True)
    try:
        rows = csvfile.read(data, await repo.directory(), now=utcnow())
    except FileRejected as exc:
        raise ImportRejected(exc.detail, exc.errors) from exc
    await repo.serialise_imports()
    import_id = uuid7()
    if not await repo.claim(import_id=import_id, file_hash=file_hash, filename=filename, actor=actor, rows=len(rows)):
        return ImportResult(None, file_hash, 0, 0, 0, already_imported=True)  # the same file, sent at the same moment
    known = await repo.known_source_ids(SOURCE_SYSTEM, [r.source_id for r in rows if r.source_id])
    fresh = [r for r in rows if r.source_id not in known]
    now = utcnow()
    done = len(rows) - len(fresh)
    for start in range(0, len(fresh), BATCH):
        batch = fresh[start : start + BATCH]
        values = [_referral_values(row, now) for row in batch]
        await repo.copy(Referral, values)
        events, appointments, revenue = [], [], []
        for row, value in zip(batch, values, strict=True):
            events += _timeline(row, value, actor=actor, import_id=import_id)
            if row.appointment_at is not None:
                appointments.append(
                    {
                        "id": uuid7(),
                        "referral_id": value["id"],
                        "start": row.appointment_at,
                        "status": _appointment_status(row).value,
                        "created_at": row.received_at,
                        "updated_at": now,
                        "version": 1,
                    }
                )
            if row.actual_revenue is not None:
                revenue.append({"referral_id": value["id"], "amount": row.actual_revenue})
        for model, children in ((ReferralEvent, events), (Appointment, appointments), (ReferralRevenue, revenue)):
            await repo.copy(model, children)
        done += len(batch)
        if progress is not None:
            progress(done, len(rows))
    loaded = len(fresh)
    await repo.finish(import_id, loaded=loaded, skipped=len(rows) - loaded)
    await snapshot.refresh(session)
    audit.note(session, "referral.import", "referral_import", import_id, rows=len(rows), loaded=loaded)
    return ImportResult(str(import_id), file_hash, len(rows), loaded, len(rows) - loaded, already_imported=False)
