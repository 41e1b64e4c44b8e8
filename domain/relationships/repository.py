"""SQL of the relationships context."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, any_, bindparam, cast, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator, TypeEngine

from domain.analytics.models import ReferralFact
from domain.providers.models import Affiliation, Organization, Provider
from domain.referrals.models import Referral
from domain.relationships.csvfile import Directory, name_key
from domain.relationships.filters import ReferrerFilters
from domain.relationships.models import ReferralImport
from domain.shared.db import driver_connection
from domain.shared.outbox import OutboxMessage
from domain.shared.repository import Repository


class ImportRepository(Repository[ReferralImport]):
    model = ReferralImport
    entity_name = "Referral import"

    async def by_hash(self, file_hash: str) -> ReferralImport | None:
        stmt = select(ReferralImport).where(ReferralImport.file_hash == file_hash)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def directory(self) -> Directory:
        stmt = (
            select(
                Provider.id, Provider.npi, Provider.given_name, Provider.family_name, Organization.id, Organization.name
            )
            .outerjoin(Affiliation, Affiliation.provider_id == Provider.id)
            .outerjoin(Organization, Organization.id == Affiliation.organization_id)
            .where(Provider.status != "merged")
            .order_by(Provider.id, Affiliation.created_at)
        )
        directory = Directory()
        for provider_id, npi, given, family, org_id, org_name in await self.session.execute(stmt):
            if npi and npi not in directory.by_npi:
                directory.by_npi[npi] = (provider_id, org_id)
            if org_name:
                directory.by_name.setdefault(name_key(f"{given} {family}", org_name), (provider_id, org_id))
        return directory

    async def claim(self, *, import_id: uuid.UUID, file_hash: str, filename: str | None, actor: str, rows: int) -> bool:
        stmt = (
            pg_insert(ReferralImport)
            .values(
                id=import_id,
                file_hash=file_hash,
                filename=(filename or "")[:300] or None,
                rows=rows,
                loaded=0,
                skipped=0,
                imported_by=actor,
            )
            .on_conflict_do_nothing(index_elements=["file_hash"])
            .returning(ReferralImport.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def serialise_imports(self) -> None:
        """One history import at a time, so the source-id check below cannot race another file."""
        await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('referral-import'))"))

    async def known_source_ids(self, source_system: str, ids: list[str]) -> set[str]:
        # One array parameter: a 100,000-row file's ids would overflow the 32,767 bind parameters of an IN list.
        stmt = select(Referral.source_identifier).where(
            Referral.source_system == source_system,
            Referral.source_identifier == any_(bindparam("ids", ids, type_=ARRAY(String))),
        )
        # The filter matches no NULL identifier; the check is for the type.
        return {i for i in (await self.session.execute(stmt)).scalars() if i is not None}

    async def copy(self, model: type, rows: list[dict[str, Any]]) -> None:
        """COPY rows in (several times faster than INSERT), sealing columns exactly as the ORM would."""
        if not rows:
            return
        table: Table = model.__table__  # type: ignore[attr-defined]
        names = list(rows[0])
        dialect = (await self.session.connection()).dialect
        converters = [_converter(table.c[name].type, dialect) for name in names]
        records = [tuple(conv(row[name]) for name, conv in zip(names, converters, strict=True)) for row in rows]
        raw = await driver_connection(self.session)
        await raw.copy_records_to_table(table.name, records=records, columns=names)

    async def finish(self, import_id: uuid.UUID, *, loaded: int, skipped: int) -> None:
        await self.session.execute(
            update(ReferralImport).where(ReferralImport.id == import_id).values(loaded=loaded, skipped=skipped)
        )


def _converter(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any]:
    if isinstance(column_type, TypeDecorator):
        return lambda value: column_type.process_bind_param(value, dialect)
    if isinstance(column_type, JSONB):
        return lambda value: None if value is None else json.dumps(value)
    return lambda value: value


class FiguresRepository:
    """Reads of referrer_figures joined with the directory, ownership, cooling and touchpoints."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def referrers_query(self, *, filters: ReferrerFilters) -> Any:
        from domain.identity.models import User
        from domain.relationships.models import CoolingEpisode, ReferrerFigures, ReferrerOwner, Touchpoint

        first_org = (
            select(Affiliation.organization_id)
            .where(Affiliation.provider_id == Provider.id)
            .order_by(Affiliation.created_at)
            .limit(1)
            .scalar_subquery()
        )
        cooling = (
            select(CoolingEpisode.id)
            .where(CoolingEpisode.provider_id == Provider.id, CoolingEpisode.closed_on.is_(None))
            .exists()
        )
        last_touch = (
            select(func.max(Touchpoint.occurred_at)).where(Touchpoint.provider_id == Provider.id).scalar_subquery()
        )
        specialty = Provider.specialties[0]["display"].astext
        stmt = (
            select(
                ReferrerFigures,
                Provider.id.label("provider_id"),
                Provider.given_name,
                Provider.family_name,
                Provider.prefix,
                Provider.npi,
                specialty.label("specialty"),
                first_org.label("organization_id"),
                cooling.label("cooling"),
                last_touch.label("last_touchpoint_at"),
                ReferrerOwner.liaison_id.label("owner_liaison_id"),
                User.full_name.label("owner_liaison_name"),
            )
            .join(Provider, Provider.id == ReferrerFigures.subject_id)
            .outerjoin(ReferrerOwner, ReferrerOwner.provider_id == Provider.id)
            .outerjoin(User, User.id == ReferrerOwner.liaison_id)
            .where(ReferrerFigures.subject_kind == "provider")
        )
        if filters.tier:
            stmt = stmt.where(ReferrerFigures.tier.in_(filters.tier))
        if filters.segment:
            stmt = stmt.where(ReferrerFigures.segment.in_(filters.segment))
        if filters.cooling is not None:
            stmt = stmt.where(cooling if filters.cooling else ~cooling)
        if filters.liaison_id is not None:
            stmt = stmt.where(ReferrerOwner.liaison_id == filters.liaison_id)
        if filters.specialty:
            stmt = stmt.where(func.lower(specialty).contains(filters.specialty.lower()))
        if filters.organization_id is not None:
            stmt = stmt.where(
                select(Affiliation.id)
                .where(Affiliation.provider_id == Provider.id, Affiliation.organization_id == filters.organization_id)
                .exists()
            )
        if filters.provider_ids is not None:
            stmt = stmt.where(Provider.id.in_(filters.provider_ids))
        return stmt

    async def organization_names(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids)))
        return dict(rows.all())

    def organizations_query(self) -> Any:
        from domain.relationships.models import ReferrerFigures

        return (
            select(ReferrerFigures, Organization.id.label("organization_id"), Organization.name)
            .join(Organization, Organization.id == ReferrerFigures.subject_id)
            .where(ReferrerFigures.subject_kind == "organization")
        )


@dataclass(frozen=True)
class PracticeMonth:
    sent: int
    seen: int
    median_days: float | None
    notes: int


class PracticeReportRepository:
    """What the monthly practice report counts, and which practices are due one."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def figures(self, organization_id: uuid.UUID, *, start: datetime, end: datetime) -> PracticeMonth:
        F = ReferralFact
        mine = F.referring_organization_id == organization_id
        sent, median_days = (
            await self.session.execute(
                select(func.count(), func.percentile_cont(0.5).within_group(F.appointment_days)).where(
                    mine, F.received_at >= start, F.received_at < end
                )
            )
        ).one()
        seen = (
            await self.session.execute(select(func.count()).where(mine, F.completed_at >= start, F.completed_at < end))
        ).scalar_one()
        notes = (
            await self.session.execute(select(func.count()).where(mine, F.closed_at >= start, F.closed_at < end))
        ).scalar_one()
        return PracticeMonth(sent=sent, seen=seen, median_days=median_days, notes=notes)

    async def due(self, *, start: datetime, end: datetime, key_prefix: str, month_label: str) -> list[Organization]:
        """Outside practices that sent referrals in [start, end), have not opted out, and whose report
        for the month is not in the outbox yet."""
        F = ReferralFact
        sent = select(F.referral_id).where(
            F.referring_organization_id == Organization.id, F.received_at >= start, F.received_at < end
        )
        queued = select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key == func.concat(key_prefix, cast(Organization.id, String), ":", month_label)
        )
        stmt = (
            select(Organization)
            .where(
                Organization.internal.is_(False),
                Organization.monthly_report_opt_out.is_(False),
                sent.exists(),
                ~queued.exists(),
            )
            .order_by(Organization.id)
        )
        return list((await self.session.execute(stmt)).scalars())
