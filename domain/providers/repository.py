"""SQL of the physician directory. The FHIR directory upsert reuses these methods."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, exists, insert, or_, select, text, update
from sqlalchemy.orm import selectinload

from domain.providers.enums import OrganizationKind, ProviderKind, ProviderStatus
from domain.providers.models import Affiliation, Organization, Provider, StaffContact
from domain.referrals.enums import EventKind
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.shared.clock import utcnow
from domain.shared.ids import uuid7
from domain.shared.repository import Repository
from domain.tasks.models import Task


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


PROVIDER_SORTS = {"family_name": Provider.family_name, "created_at": Provider.created_at}
PHONE_SYSTEMS = ("phone", "fax")


def _with_links(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(
        selectinload(Provider.affiliations).selectinload(Affiliation.organization),
        selectinload(Provider.staff),
    )


def _phone_keys_sql() -> Any:
    """Last 10 digits of each phone/fax contact point, for matching across formats."""
    return text(
        "EXISTS (SELECT 1 FROM jsonb_array_elements(providers.contact_points) AS cp "
        "WHERE cp->>'system' IN ('phone', 'fax') "
        "AND right(regexp_replace(cp->>'value', '\\D', '', 'g'), 10) = ANY(:phone_keys))"
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

    async def duplicate_candidates(self, provider: Provider, *, phone_keys: list[str], limit: int) -> list[Provider]:
        """Providers worth scoring against this one: similar name start, a shared phone/fax or organization."""
        family = provider.family_name[:3]
        org_ids = [a.organization_id for a in provider.affiliations]
        matches = [
            Provider.family_name.ilike(_prefix(family)),
            Provider.given_name.ilike(_prefix(family)),  # given and family swapped on entry
        ]
        if phone_keys:
            matches.append(_phone_keys_sql().bindparams(phone_keys=phone_keys))
        if org_ids:
            matches.append(
                exists().where(Affiliation.provider_id == Provider.id, Affiliation.organization_id.in_(org_ids))
            )
        stmt = (
            _with_links(select(Provider))
            .where(Provider.id != provider.id, Provider.status != ProviderStatus.merged, or_(*matches))
            .order_by(Provider.family_name, Provider.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def move_links(self, *, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
        """Affiliations and office staff of `source` go to `target` (an affiliation both had is kept once)."""
        await self.session.execute(
            text(
                "UPDATE provider_affiliations AS a SET provider_id = :target "
                "WHERE a.provider_id = :source AND NOT EXISTS ("
                " SELECT 1 FROM provider_affiliations AS t"
                " WHERE t.provider_id = :target AND t.organization_id = a.organization_id AND t.role = a.role)"
            ).bindparams(source=source_id, target=target_id)
        )
        await self.session.execute(delete(Affiliation).where(Affiliation.provider_id == source_id))
        await self.session.execute(
            update(StaffContact)
            .where(StaffContact.provider_id == source_id)
            .values(provider_id=target_id, updated_at=utcnow())
        )

    async def repoint_references(self, *, source_id: uuid.UUID, target_id: uuid.UUID, actor: str) -> list[uuid.UUID]:
        """Referrals, appointments and tasks naming `source` name `target` instead.

        Each referral whose provider changes gets a new version and a timeline line.
        Returns the ids of those referrals.
        """
        now = utcnow()
        changed: dict[uuid.UUID, list[str]] = {}
        for column in (Referral.referring_provider_id, Referral.receiving_provider_id):
            stmt = (
                update(Referral)
                .where(column == source_id)
                .values({column.key: target_id, "version": Referral.version + 1, "updated_at": now})
                .returning(Referral.id)
            )
            for referral_id in (await self.session.execute(stmt)).scalars():
                changed.setdefault(referral_id, []).append(column.key)
        if changed:
            await self.session.execute(
                insert(ReferralEvent),
                [
                    {
                        "id": uuid7(),
                        "referral_id": referral_id,
                        "at": now,
                        "actor": actor,
                        "kind": EventKind.updated,
                        "detail": {"fields": fields, "merged_from": str(source_id), "merged_into": str(target_id)},
                    }
                    for referral_id, fields in changed.items()
                ],
            )
        await self.session.execute(
            update(Appointment)
            .where(Appointment.provider_id == source_id)
            .values(provider_id=target_id, version=Appointment.version + 1, updated_at=now)
        )
        # Records merged earlier into `source` keep pointing at a live provider.
        await self.session.execute(
            update(Provider).where(Provider.merged_into_id == source_id).values(merged_into_id=target_id)
        )
        await self.session.execute(
            update(Task)
            .where(Task.provider_id == source_id)
            .values(provider_id=target_id, version=Task.version + 1, updated_at=now)
        )
        return list(changed)


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
