"""Directory use cases: organizations, providers and their office staff, duplicates and merges.

Each takes the caller's session and never commits it.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers import duplicates, merges
from domain.providers.enums import ProviderStatus
from domain.providers.errors import DuplicateNpi, ProviderMerged
from domain.providers.matching import REVIEW_THRESHOLD
from domain.providers.models import Affiliation, Organization, Provider, StaffContact
from domain.providers.repository import (
    OrganizationFilters,
    OrganizationRepository,
    ProviderFilters,
    ProviderRepository,
    StaffRepository,
)
from domain.providers.schemas import (
    AffiliationIn,
    OrganizationCreate,
    OrganizationUpdate,
    ProviderCreate,
    ProviderUpdate,
    StaffContactCreate,
    StaffContactUpdate,
)
from domain.shared import idempotency
from domain.shared.errors import InvalidInput, NotFound, PreconditionFailed

NPI_CONSTRAINTS = {"uq_providers_npi": "Provider", "uq_organizations_npi": "Organization"}
MAX_PARENT_DEPTH = 20


async def _flush(session: AsyncSession, npi: str | None) -> None:
    """Flush; a concurrent writer that took the same NPI first is a 409, not a 500."""
    try:
        await session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
        if constraint in NPI_CONSTRAINTS and npi:
            raise DuplicateNpi(npi, NPI_CONSTRAINTS[constraint], None) from exc
        raise


async def _replay(
    session: AsyncSession, key: str | None, scope: str, data: OrganizationCreate | ProviderCreate
) -> uuid.UUID | None:
    """The id created earlier under this Idempotency-Key, or None (the key is now taken by this request)."""
    if not key:
        return None
    return await idempotency.claim(session, scope=scope, key=key, payload=data.model_dump(mode="json"))


def _check_version(entity: str, current: int, expected: int) -> None:
    if current != expected:
        raise PreconditionFailed(
            f"The {entity} changed since you read it (version {current}, you sent {expected}); "
            "read it again and reapply your change."
        )


def _changes(row: object, sent: dict[str, Any]) -> dict[str, Any]:
    """The sent fields whose value differs from the row's. Nested models arrive as plain dicts,
    ready for the JSONB columns (StrEnum values serialise as their strings)."""
    return {name: value for name, value in sent.items() if getattr(row, name) != value}


# --- organizations ---------------------------------------------------------------------------


async def _check_parent(repo: OrganizationRepository, organization_id: uuid.UUID | None, parent_id: uuid.UUID) -> None:
    if parent_id == organization_id:
        raise InvalidInput("An organization cannot be its own parent.", field="body.parent_id")
    if not await repo.existing_ids([parent_id]):
        raise InvalidInput(f"Organization {parent_id} does not exist.", field="body.parent_id")
    ancestor = parent_id
    for _ in range(MAX_PARENT_DEPTH):
        above = await repo.parent_of(ancestor)
        if above is None:
            return
        if above == organization_id:
            raise InvalidInput("That parent is already below this organization.", field="body.parent_id")
        ancestor = above
    raise InvalidInput(f"Organizations nest at most {MAX_PARENT_DEPTH} levels deep.", field="body.parent_id")


async def _check_org_npi(repo: OrganizationRepository, npi: str | None, own_id: uuid.UUID | None) -> None:
    if npi and (holder := await repo.by_npi(npi)) is not None and holder.id != own_id:
        raise DuplicateNpi(npi, "Organization", holder.id)


async def create_organization(
    session: AsyncSession,
    *,
    data: OrganizationCreate,
    idempotency_key: str | None = None,
    idempotency_scope: str = "",
) -> Organization:
    repo = OrganizationRepository(session)
    if (earlier := await _replay(session, idempotency_key, idempotency_scope, data)) is not None:
        return await repo.get(earlier)
    await _check_org_npi(repo, data.npi, None)
    if data.parent_id is not None:
        await _check_parent(repo, None, data.parent_id)
    organization = repo.add(Organization(**data.model_dump()))
    await _flush(session, data.npi)
    if idempotency_key:
        await idempotency.record(session, scope=idempotency_scope, key=idempotency_key, resource_id=organization.id)
    return organization


async def get_organization(session: AsyncSession, *, organization_id: uuid.UUID) -> Organization:
    return await OrganizationRepository(session).get(organization_id)


async def list_organizations(
    session: AsyncSession, *, filters: OrganizationFilters, sort: str, descending: bool, limit: int, cursor: str | None
) -> tuple[list[Organization], str | None]:
    return await OrganizationRepository(session).find(
        filters, sort=sort, descending=descending, limit=limit, cursor=cursor
    )


async def update_organization(
    session: AsyncSession, *, organization_id: uuid.UUID, data: OrganizationUpdate, expected_version: int
) -> Organization:
    repo = OrganizationRepository(session)
    organization = await repo.get(organization_id, for_update=True)
    _check_version("organization", organization.version, expected_version)
    changes = _changes(organization, data.model_dump(exclude_unset=True))
    if not changes:
        return organization
    if "npi" in changes:
        await _check_org_npi(repo, changes["npi"], organization.id)
    if changes.get("parent_id") is not None:
        await _check_parent(repo, organization.id, changes["parent_id"])
    for name, value in changes.items():
        setattr(organization, name, value)
    organization.version += 1
    await _flush(session, organization.npi)
    return organization


# --- providers -------------------------------------------------------------------------------


async def _check_affiliations(session: AsyncSession, affiliations: list[AffiliationIn]) -> None:
    known = await OrganizationRepository(session).existing_ids(a.organization_id for a in affiliations)
    for index, affiliation in enumerate(affiliations):
        if affiliation.organization_id not in known:
            raise InvalidInput(
                f"Organization {affiliation.organization_id} does not exist.",
                field=f"body.affiliations.{index}.organization_id",
            )


async def _check_provider_npi(repo: ProviderRepository, npi: str | None, own_id: uuid.UUID | None) -> None:
    if npi and (holder := await repo.id_by_npi(npi)) is not None and holder != own_id:
        raise DuplicateNpi(npi, "Provider", holder)


def _staff_row(data: StaffContactCreate) -> StaffContact:
    return StaffContact(**data.model_dump())


async def create_provider(
    session: AsyncSession,
    *,
    data: ProviderCreate,
    idempotency_key: str | None = None,
    idempotency_scope: str = "",
) -> Provider:
    repo = ProviderRepository(session)
    if (earlier := await _replay(session, idempotency_key, idempotency_scope, data)) is not None:
        return await repo.get_full(earlier)
    await _check_provider_npi(repo, data.npi, None)
    await _check_affiliations(session, data.affiliations)
    provider = repo.add(
        Provider(
            **data.model_dump(exclude={"affiliations", "staff"}),
            affiliations=[Affiliation(organization_id=a.organization_id, role=a.role) for a in data.affiliations],
            staff=[_staff_row(s) for s in data.staff],
        )
    )
    await _flush(session, data.npi)
    if idempotency_key:
        await idempotency.record(session, scope=idempotency_scope, key=idempotency_key, resource_id=provider.id)
    return await repo.get_full(provider.id)


async def get_provider(session: AsyncSession, *, provider_id: uuid.UUID) -> Provider:
    return await ProviderRepository(session).get_full(provider_id)


async def list_providers(
    session: AsyncSession, *, filters: ProviderFilters, sort: str, descending: bool, limit: int, cursor: str | None
) -> tuple[list[Provider], str | None]:
    return await ProviderRepository(session).find(filters, sort=sort, descending=descending, limit=limit, cursor=cursor)


async def _editable(session: AsyncSession, provider_id: uuid.UUID) -> Provider:
    provider = await ProviderRepository(session).get_full(provider_id, for_update=True)
    if provider.status is ProviderStatus.merged:
        raise ProviderMerged(provider.id, provider.merged_into_id)
    return provider


async def update_provider(
    session: AsyncSession, *, provider_id: uuid.UUID, data: ProviderUpdate, expected_version: int
) -> Provider:
    repo = ProviderRepository(session)
    provider = await repo.get_full(provider_id, for_update=True)
    _check_version("provider", provider.version, expected_version)
    if provider.status is ProviderStatus.merged:
        raise ProviderMerged(provider.id, provider.merged_into_id)
    sent = data.model_dump(exclude_unset=True, exclude={"affiliations"})
    if sent.get("contact_points") is not None:
        sent["contact_points"] = _keep_bounces(provider.contact_points or [], sent["contact_points"])
    changes = _changes(provider, sent)
    if "npi" in changes:
        await _check_provider_npi(repo, changes["npi"], provider.id)
    relinked = False
    if data.affiliations is not None:
        await _check_affiliations(session, data.affiliations)
        relinked = _replace_affiliations(provider, data.affiliations)
    if not changes and not relinked:
        return provider
    for name, value in changes.items():
        setattr(provider, name, value)
    provider.import_fingerprint = None  # a hand edit: the next import compares the record in full
    provider.version += 1
    await _flush(session, provider.npi)
    return await repo.get_full(provider.id)


BOUNCE_FLAGS = ("bad", "bad_reason", "bad_at")


def _keep_bounces(stored: list[dict[str, Any]], sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A sent contact point with the value of a bounced one stays marked bad: saving the record unchanged does
    not vouch for the address. A new value is a fresh, good one; "mark good" clears the flag explicitly."""
    flagged = {(c.get("system"), c.get("value")): c for c in stored if c.get("bad")}
    kept = []
    for point in sent:
        bounced = flagged.get((point.get("system"), point.get("value")))
        kept.append({**point, **{k: bounced[k] for k in BOUNCE_FLAGS if k in bounced}} if bounced else point)
    return kept


async def mark_contact_points_good(session: AsyncSession, *, provider_id: uuid.UUID) -> Provider:
    """Clear the bounce flags (the address was corrected elsewhere or confirmed): outreach e-mails it again."""
    provider = await _editable(session, provider_id)
    points = [{k: v for k, v in c.items() if k not in BOUNCE_FLAGS} for c in provider.contact_points or []]
    if points != provider.contact_points:
        provider.contact_points = points
        provider.import_fingerprint = None  # the next import compares the record in full
        provider.version += 1
        await session.flush()
    return provider


def _replace_affiliations(provider: Provider, wanted: list[AffiliationIn]) -> bool:
    """Keep the rows that stay (no delete + insert of the same pair), add the new ones. True if any changed."""
    keys = [(a.organization_id, a.role) for a in wanted]
    kept = [a for a in provider.affiliations if (a.organization_id, a.role) in keys]
    have = {(a.organization_id, a.role) for a in kept}
    added = [Affiliation(organization_id=org, role=role) for org, role in keys if (org, role) not in have]
    if not added and len(kept) == len(provider.affiliations):
        return False
    provider.affiliations = kept + added
    return True


# --- office staff ----------------------------------------------------------------------------


async def list_staff(session: AsyncSession, *, provider_id: uuid.UUID) -> list[StaffContact]:
    await ProviderRepository(session).get(provider_id)
    return await StaffRepository(session).of_provider(provider_id)


async def add_staff(session: AsyncSession, *, provider_id: uuid.UUID, data: StaffContactCreate) -> StaffContact:
    await _editable(session, provider_id)
    row = StaffRepository(session).add(_staff_row(data))
    row.provider_id = provider_id
    await session.flush()
    return row


async def _staff_of(session: AsyncSession, provider_id: uuid.UUID, staff_id: uuid.UUID) -> StaffContact:
    row = await StaffRepository(session).get(staff_id, for_update=True)
    if row.provider_id != provider_id:
        raise NotFound("Staff contact", staff_id)
    return row


async def update_staff(
    session: AsyncSession,
    *,
    provider_id: uuid.UUID,
    staff_id: uuid.UUID,
    data: StaffContactUpdate,
    expected_version: int,
) -> StaffContact:
    await _editable(session, provider_id)
    row = await _staff_of(session, provider_id, staff_id)
    _check_version("staff contact", row.version, expected_version)
    changes = _changes(row, data.model_dump(exclude_unset=True))
    if changes:
        for name, value in changes.items():
            setattr(row, name, value)
        row.version += 1
        await session.flush()
    return row


async def remove_staff(
    session: AsyncSession, *, provider_id: uuid.UUID, staff_id: uuid.UUID, expected_version: int | None
) -> None:
    await _editable(session, provider_id)
    row = await _staff_of(session, provider_id, staff_id)
    if expected_version is not None:
        _check_version("staff contact", row.version, expected_version)
    await StaffRepository(session).delete(row)
    await session.flush()


# --- duplicates and merge --------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    provider: Provider
    score: float
    reasons: list[str]


async def find_duplicates(
    session: AsyncSession, *, provider_id: uuid.UUID, limit: int, min_score: float = REVIEW_THRESHOLD
) -> list[Duplicate]:
    """The review queue's pairs that include this provider, best first."""
    repo = ProviderRepository(session)
    await repo.get(provider_id)
    found = (await duplicates.matches(session, threshold=min_score, focus=provider_id))[:limit]
    return [
        Duplicate(await repo.get_full(uuid.UUID(m.b if m.a == str(provider_id) else m.a)), m.score, m.reasons)
        for m in found
    ]


async def merge_provider(
    session: AsyncSession, *, provider_id: uuid.UUID, into_id: uuid.UUID, expected_version: int | None, actor: str
) -> Provider:
    """Fold `provider_id` into `into_id`, keeping the survivor's values: the merge queue's merge, no choices."""
    await merges.merge(
        session,
        merged_id=provider_id,
        survivor_id=into_id,
        expected_version=expected_version,
        actor=actor,
        survivor_field="body.into_id",
    )
    return await ProviderRepository(session).get_full(into_id)
