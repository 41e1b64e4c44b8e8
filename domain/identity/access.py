"""Row-level scope of the current unit of work.

A partner key acts for one organisation. The API puts that organisation on the
request's session; repositories of partner-visible data read it and filter, so no
code path (REST, FHIR, a future route) can hand a partner another organisation's
row by forgetting a check.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

ORGANIZATION_SCOPE_KEY = "organization_scope"


def organization_scope(session: AsyncSession) -> uuid.UUID | None:
    return session.info.get(ORGANIZATION_SCOPE_KEY)


def set_organization_scope(session: AsyncSession, organization_id: uuid.UUID | None) -> None:
    if organization_id is None:
        session.info.pop(ORGANIZATION_SCOPE_KEY, None)
    else:
        session.info[ORGANIZATION_SCOPE_KEY] = organization_id
