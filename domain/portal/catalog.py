"""The service catalog a referring practice reads: what each service line takes, and how long it waits.

The wait is DESIGN's time to appointment (start of the first booked appointment minus `received_at`,
in days), median over referrals received in the last 90 days that got one, read when asked.
"""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.portal.models import CatalogEntry as Row
from domain.portal.repository import PortalRepository
from domain.portal.schemas import CatalogEntry, CatalogEntryUpdate
from domain.reference.catalog import SERVICE_LINE_KEYS, SERVICE_LINES, ServiceLine
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound

WAIT_WINDOW = timedelta(days=90)


def _known(service_line: str) -> str:
    if service_line not in SERVICE_LINE_KEYS:
        raise NotFound("Service line", service_line)
    return service_line


def _entry(line: ServiceLine, row: Row | None, wait: tuple[float | None, int]) -> CatalogEntry:
    median, counted = wait
    return CatalogEntry(
        service_line=line.key,
        display=line.display,
        specialty_code=line.specialty_code,
        referral_criteria=row.referral_criteria if row else None,
        payer_classes=list(row.payer_classes) if row else [],
        locations=list(row.locations) if row else [],
        scheduling_contact=row.scheduling_contact if row else {},
        median_days_to_appointment=None if median is None else round(median, 1),
        appointments_counted=counted,
        updated_at=row.updated_at if row else None,
    )


async def list_catalog(session: AsyncSession) -> list[CatalogEntry]:
    repo = PortalRepository(session)
    rows = await repo.catalog()
    waits = await repo.median_waits(utcnow() - WAIT_WINDOW)
    return [_entry(line, rows.get(line.key), waits.get(line.key, (None, 0))) for line in SERVICE_LINES]


async def get_entry(session: AsyncSession, *, service_line: str) -> CatalogEntry:
    key = _known(service_line)
    return next(e for e in await list_catalog(session) if e.service_line == key)


async def save_entry(session: AsyncSession, *, service_line: str, data: CatalogEntryUpdate, actor: str) -> CatalogEntry:
    key = _known(service_line)
    repo = PortalRepository(session)
    row = await repo.catalog_entry(key, for_update=True)
    if row is None:
        row = Row(service_line=key)
        repo.add(row)
    row.referral_criteria = data.referral_criteria or None
    row.payer_classes = [p.value for p in data.payer_classes]
    row.locations = list(dict.fromkeys(data.locations))
    row.scheduling_contact = data.scheduling_contact.model_dump(mode="json", exclude_none=True)
    row.updated_by = actor
    row.updated_at = utcnow()
    await session.flush()
    audit.note(session, "settings.catalog_save", "catalog_entry", None, service_line=key)
    return await get_entry(session, service_line=key)
