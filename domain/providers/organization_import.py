"""Organization rows (NPPES entity type 2) of a directory file: upsert by NPI, nothing written when unchanged.

Matched as the FHIR Organization upsert matches (directory.match_organization: by NPI), else the practice of
that name an earlier file created without an NPI, which the row then numbers; else a new organization.
Organizations are few beside providers, so each row is matched and compared on its own.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers import directory
from domain.providers.enums import ContactMethod, OrganizationKind
from domain.providers.importfile import OrganizationRow
from domain.providers.models import Organization
from domain.shared.ids import uuid7


@dataclass
class OrganizationOutcome:
    actions: dict[int, tuple[str, uuid.UUID]]  # line -> (created | updated | unchanged, organization id)
    by_name: dict[str, uuid.UUID]  # lower-case name -> id: the file's providers naming it are affiliated to it


def merged_contact_points(stored: list[dict[str, Any]], given: dict[str, str]) -> list[dict[str, Any]]:
    """The file speaks for the systems it gives (phone, fax, email); the rest stay. A point kept with the same
    value keeps its flags, so a bounced address stays marked bad until the file brings a new one."""
    kept = [p for p in stored if p.get("system") not in given]
    for system, value in given.items():
        same = next((p for p in stored if p.get("system") == system and p.get("value") == value), None)
        kept.append(same or {"system": system, "value": value, "use": "work"})
    return kept


async def _unnumbered(session: AsyncSession, name: str) -> Organization | None:
    stmt = (
        select(Organization)
        .where(Organization.npi.is_(None), func.lower(Organization.name) == name.lower())
        .order_by(Organization.created_at, Organization.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _wanted(row: OrganizationRow, stored: Organization | None) -> dict[str, Any]:
    kind = row.kind or (stored.kind if stored else OrganizationKind.practice)
    method = row.preferred_contact_method
    return {
        "name": row.name,
        "npi": row.npi,
        "kind": OrganizationKind(kind),
        "address": row.address or (stored.address if stored else None),
        "contact_points": merged_contact_points(
            list(stored.contact_points or []) if stored else [], row.contact_points
        ),
        "preferred_contact_method": ContactMethod(method) if method else (stored and stored.preferred_contact_method),
        "internal": row.internal if row.internal is not None else bool(stored and stored.internal),
    }


async def import_organizations(session: AsyncSession, rows: list[OrganizationRow]) -> OrganizationOutcome:
    outcome = OrganizationOutcome(actions={}, by_name={})
    for row in rows:
        organization = await directory.match_organization(session, npi=row.npi)
        if organization is None:
            organization = await _unnumbered(session, row.name)
        wanted = _wanted(row, organization)
        if organization is None:
            organization = Organization(id=uuid7(), active=True, **wanted)
            session.add(organization)
            action = "created"
        else:
            changes = {k: v for k, v in wanted.items() if getattr(organization, k) != v}
            for key, value in changes.items():
                setattr(organization, key, value)
            if changes:
                organization.version += 1
            action = "updated" if changes else "unchanged"
        outcome.actions[row.line] = (action, organization.id)
        outcome.by_name[row.name.lower()] = organization.id
    await session.flush()
    return outcome
