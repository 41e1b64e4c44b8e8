"""Row-level scope of the current unit of work.

A partner key acts for one organisation. The API puts that organisation on the
request's session; repositories of partner-visible data read it and filter, so no
code path (REST, FHIR, a future route) can hand a partner another organisation's
row by forgetting a check.
"""

import uuid
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

ORGANIZATION_SCOPE_KEY = "organization_scope"
# Whether what is built now is shown to a partner: views leave out staff-only triage signals.
_partner_view: ContextVar[bool] = ContextVar("partner_view", default=False)


def partner_view() -> bool:
    return _partner_view.get()


def organization_scope(session: AsyncSession) -> uuid.UUID | None:
    return session.info.get(ORGANIZATION_SCOPE_KEY)


def set_organization_scope(session: AsyncSession, organization_id: uuid.UUID | None) -> None:
    _partner_view.set(organization_id is not None)
    if organization_id is None:
        session.info.pop(ORGANIZATION_SCOPE_KEY, None)
    else:
        session.info[ORGANIZATION_SCOPE_KEY] = organization_id
