"""SQL of the physician directory. The FHIR directory upsert reuses these methods."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple, cast

from sqlalchemy import ColumnClause, Select, String, delete, exists, func, literal_column, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from domain.providers.enums import OrganizationKind, ProviderKind, ProviderStatus
from domain.providers.models import (
    Affiliation,
    DismissedDuplicate,
    DuplicateCandidate,
    DuplicateRefresh,
    Organization,
    Provider,
    ProviderMerge,
    StaffContact,
)
from domain.shared.clock import utcnow
from domain.shared.db import driver_connection
from domain.shared.repository import Repository

Ts = TypeVarTuple("Ts")


def _contains(value: str) -> str:
    """An ILIKE pattern matching `value` literally anywhere."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _prefix(value: str) -> str:
    return _contains(value)[1:]


@dataclass(frozen=True)
class OrganizationFilters:
    name: str | None = None
    npi: str | None = None
    kind: list[OrganizationKind] | None = None
    internal: bool | None = None
    active: bool | None = None


ORGANIZATION_SORTS = {"name": Organization.name, "created_at": Organization.created_at}


class OrganizationRepository(Repository[Organization]):
    model = Organization
    entity_name = "Organization"

    async def by_npi(self, npi: str) -> Organization | None:
        return (await self.session.execute(select(Organization).where(Organization.npi == npi))).scalar_one_or_none()

    async def existing_ids(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        wanted = set(ids)
        if not wanted:
            return set()
        stmt = select(Organization.id).where(Organization.id.in_(wanted))
        return set((await self.session.execute(stmt)).scalars())

    async def parent_of(self, organization_id: uuid.UUID) -> uuid.UUID | None:
        stmt = select(Organization.parent_id).where(Organization.id == organization_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(
        self, filters: OrganizationFilters, *, sort: str, descending: bool, limit: int, cursor: str | None
    ) -> tuple[list[Organization], str | None]:
        stmt = select(Organization)
        if filters.name:
            stmt = stmt.where(Organization.name.ilike(_contains(filters.name)))
        if filters.npi:
            stmt = stmt.where(Organization.npi == filters.npi)
        if filters.kind:
            stmt = stmt.where(Organization.kind.in_(filters.kind))
        if filters.internal is not None:
            stmt = stmt.where(Organization.internal.is_(filters.internal))
        if filters.active is not None:
            stmt = stmt.where(Organization.active.is_(filters.active))
        return await self.paginate(
            stmt, sort=ORGANIZATION_SORTS[sort], descending=descending, limit=limit, cursor=cursor
        )


@dataclass(frozen=True)
class ProviderFilters:
    npi: str | None = None
    name: str | None = None
    specialty: str | None = None
    organization_id: uuid.UUID | None = None
    kind: ProviderKind | None = None
    # None lists everyone but merged records, which live on only as pointers to their survivor.
    status: list[ProviderStatus] | None = None


# pg_advisory lock key of the duplicate queue's refresh.
REFRESH_LOCK = 4_701_301
# The row version PostgreSQL keeps: any update of the row changes it.
XMIN: ColumnClause[str] = literal_column("providers.xmin::text", String)
PROVIDER_SORTS = {"family_name": Provider.family_name, "created_at": Provider.created_at}
PHONE_SYSTEMS = ("phone", "fax")
_ID_BY_NPI = "SELECT id FROM providers WHERE npi = $1"


def _with_links(stmt: Select[*Ts]) -> Select[*Ts]:
    return stmt.options(
        selectinload(Provider.affiliations).selectinload(Affiliation.organization),
        selectinload(Provider.staff),
    )


class ProviderRepository(Repository[Provider]):
    model = Provider
    entity_name = "Provider"

    async def get_full(self, provider_id: uuid.UUID, *, for_update: bool = False) -> Provider:
        """The provider with its affiliations and staff loaded (reloaded if already in the session)."""
        stmt = _with_links(select(Provider).where(Provider.id == provider_id)).execution_options(populate_existing=True)
        if for_update:
            stmt = stmt.with_for_update(of=Provider)
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        if row is None:
            return await self.get(provider_id)  # raises NotFound
        return row

    async def lock(self, provider_ids: Iterable[uuid.UUID]) -> None:
        """Row locks in id order, so two merges over the same pair cannot deadlock."""
        ids = sorted(set(provider_ids))
        stmt = select(Provider.id).where(Provider.id.in_(ids)).order_by(Provider.id).with_for_update()
        await self.session.execute(stmt)

    async def by_npi(self, npi: str) -> Provider | None:
        stmt = _with_links(select(Provider).where(Provider.npi == npi))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def id_by_npi(self, npi: str) -> uuid.UUID | None:
        """Who holds an NPI, without loading the record and its links (three more queries). Every FHIR
        referral asks for its requester: on the driver's connection, without SQLAlchemy's statement layers."""
        driver = await driver_connection(self.session, read=True)
        return cast(uuid.UUID | None, await driver.fetchval(_ID_BY_NPI, npi))

    async def exists(self, provider_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(Provider.id == provider_id))))

    async def find(
        self, filters: ProviderFilters, *, sort: str, descending: bool, limit: int, cursor: str | None
    ) -> tuple[list[Provider], str | None]:
        stmt = _with_links(select(Provider))
        if filters.npi:
            stmt = stmt.where(Provider.npi == filters.npi)
        if filters.name:
            # Every word must start the given or the family name: "smi jo" finds John Smith.
            for word in filters.name.split()[:5]:
                pattern = _prefix(word)
                stmt = stmt.where(or_(Provider.family_name.ilike(pattern), Provider.given_name.ilike(pattern)))
        if filters.specialty:
            # jsonb containment, answered by the GIN index on specialties.
            stmt = stmt.where(Provider.specialties.contains([{"code": filters.specialty}]))
        if filters.organization_id:
            stmt = stmt.where(
                exists().where(
                    Affiliation.provider_id == Provider.id, Affiliation.organization_id == filters.organization_id
                )
            )
        if filters.kind:
            stmt = stmt.where(Provider.kind == filters.kind)
        if filters.status:
            stmt = stmt.where(Provider.status.in_(filters.status))
        else:
            stmt = stmt.where(Provider.status != ProviderStatus.merged)
        return await self.paginate(stmt, sort=PROVIDER_SORTS[sort], descending=descending, limit=limit, cursor=cursor)

    async def get_many_full(self, provider_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Provider]:
        stmt = _with_links(select(Provider).where(Provider.id.in_(set(provider_ids))))
        return {p.id: p for p in (await self.session.execute(stmt)).scalars()}

    async def match_rows(self) -> list[Any]:
        """One narrow row per live provider for the duplicate finder: names, NPI, contact points,
        specialty codes, and the organizations it works at with their addresses."""
        organizations = func.jsonb_agg(
            func.jsonb_build_object("id", Organization.id, "address", Organization.address)
        ).filter(Organization.id.is_not(None))
        stmt = (
            select(
                Provider.id,
                Provider.npi,
                Provider.given_name,
                Provider.family_name,
                Provider.contact_points,
                Provider.specialties,
                organizations.label("organizations"),
                XMIN.label("xmin"),
            )
            .outerjoin(Affiliation, Affiliation.provider_id == Provider.id)
            .outerjoin(Organization, Organization.id == Affiliation.organization_id)
            .where(Provider.status != ProviderStatus.merged)
            .group_by(Provider.id, XMIN)
        )
        return list(await (await self.session.connection()).execute(stmt))


class MergeRepository(Repository[ProviderMerge]):
    """Merge history and the pairs marked "not a duplicate"."""

    model = ProviderMerge
    entity_name = "Merge"

    async def recent(self, *, limit: int, include_undone: bool) -> list[ProviderMerge]:
        stmt = select(ProviderMerge).order_by(ProviderMerge.merged_at.desc(), ProviderMerge.id.desc()).limit(limit)
        if not include_undone:
            stmt = stmt.where(ProviderMerge.undone_at.is_(None))
        return list((await self.session.execute(stmt)).scalars())

    async def dismissed_pairs(self) -> set[tuple[str, str]]:
        rows = await self.session.execute(select(DismissedDuplicate.first_id, DismissedDuplicate.second_id))
        return {(str(a), str(b)) if str(a) < str(b) else (str(b), str(a)) for a, b in rows}

    async def dismiss(self, *, first: uuid.UUID, second: uuid.UUID, actor: str) -> None:
        await self.session.execute(
            pg_insert(DismissedDuplicate)
            .values(
                first_id=first,
                second_id=second,
                dismissed_at=utcnow(),
                dismissed_by=actor,
            )
            .on_conflict_do_nothing()
        )


class CandidateRepository:
    """The stored duplicate review queue and its refresh history."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def try_lock(self) -> bool:
        """One refresh at a time: a transaction-level advisory lock, released at commit."""
        return bool(await self.session.scalar(select(func.pg_try_advisory_xact_lock(REFRESH_LOCK))))

    async def last_refresh(self) -> DuplicateRefresh | None:
        stmt = select(DuplicateRefresh).order_by(DuplicateRefresh.started_at.desc()).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def changed_since(self, since: datetime) -> set[str]:
        """Live providers whose record, affiliations or practices' addresses changed since `since`."""
        moved = select(Affiliation.provider_id).where(Affiliation.created_at > since)
        practices = (
            select(Affiliation.provider_id)
            .join(Organization, Organization.id == Affiliation.organization_id)
            .where(Organization.updated_at > since)
        )
        stmt = select(Provider.id).where(
            Provider.status != ProviderStatus.merged,
            or_(Provider.updated_at > since, Provider.id.in_(moved), Provider.id.in_(practices)),
        )
        return {str(row_id) for row_id in (await self.session.execute(stmt)).scalars()}

    async def versions(self, provider_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The live rows' versions, share-locked to the end of the transaction, so an edit made meanwhile
        waits for the refresh to commit and then deletes the pairs it stored (the trigger)."""
        stmt = (
            select(Provider.id, XMIN)
            .where(Provider.id.in_(provider_ids), Provider.status != ProviderStatus.merged)
            .order_by(Provider.id)
            .with_for_update(read=True)
        )
        return dict((await self.session.execute(stmt)).tuples().all())

    async def forget(self, provider_ids: set[uuid.UUID] | None) -> None:
        """Delete the pairs of these providers; None deletes every pair."""
        stmt = delete(DuplicateCandidate)
        if provider_ids is not None:
            ids = list(provider_ids)
            stmt = stmt.where(or_(DuplicateCandidate.first_id.in_(ids), DuplicateCandidate.second_id.in_(ids)))
        await self.session.execute(stmt)

    async def forget_pair(self, first: uuid.UUID, second: uuid.UUID) -> None:
        await self.session.execute(
            delete(DuplicateCandidate).where(
                DuplicateCandidate.first_id == first, DuplicateCandidate.second_id == second
            )
        )

    async def store(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 5000):
            await self.session.execute(
                pg_insert(DuplicateCandidate).on_conflict_do_nothing(), rows[start : start + 5000]
            )

    def add_refresh(self, row: DuplicateRefresh) -> None:
        self.session.add(row)

    async def page(
        self, *, min_score: float, limit: int, after: tuple[float, uuid.UUID, uuid.UUID] | None
    ) -> list[DuplicateCandidate]:
        """Best first, keyset-paged on (score desc, first id, second id); pairs with a merged record or
        marked "not a duplicate" are left out even if a refresh stored them a moment before."""
        first, second = aliased(Provider), aliased(Provider)
        c = DuplicateCandidate
        stmt = (
            select(c)
            .join(first, first.id == c.first_id)
            .join(second, second.id == c.second_id)
            .where(
                c.score >= min_score,
                first.status != ProviderStatus.merged,
                second.status != ProviderStatus.merged,
                ~exists().where(DismissedDuplicate.first_id == c.first_id, DismissedDuplicate.second_id == c.second_id),
            )
            .order_by(c.score.desc(), c.first_id, c.second_id)
            .limit(limit)
        )
        if after is not None:
            score, a, b = after
            stmt = stmt.where(or_(c.score < score, (c.score == score) & (tuple_(c.first_id, c.second_id) > (a, b))))
        return list((await self.session.execute(stmt)).scalars())


class StaffRepository(Repository[StaffContact]):
    model = StaffContact
    entity_name = "Staff contact"

    async def of_provider(self, provider_id: uuid.UUID) -> list[StaffContact]:
        stmt = (
            select(StaffContact)
            .where(StaffContact.provider_id == provider_id)
            .order_by(StaffContact.created_at, StaffContact.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def delete(self, row: StaffContact) -> None:
        await self.session.delete(row)
