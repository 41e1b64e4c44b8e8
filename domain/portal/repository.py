"""Portal queries: thread posts with their authors, who hears of a post, the catalog and its waits."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.models import ReferralFact
from domain.identity.enums import Role
from domain.identity.models import User
from domain.portal.models import CatalogEntry, ThreadMessage
from domain.providers.enums import ProviderStatus
from domain.providers.models import Affiliation, Provider
from domain.referrals.enums import EventKind
from domain.referrals.models import ReferralEvent

# Beyond the assignee, at most this many intake coordinators hear of one post.
MAX_INTAKE_RECIPIENTS = 20


class PortalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def thread(self, referral_id: uuid.UUID) -> list[tuple[ThreadMessage, str]]:
        rows = await self.session.execute(
            select(ThreadMessage, User.full_name)
            .join(User, User.id == ThreadMessage.author_id)
            .where(ThreadMessage.referral_id == referral_id)
            .order_by(ThreadMessage.at, ThreadMessage.id)
        )
        return [(m, name) for m, name in rows.all()]

    async def portal_users(self, organization_id: uuid.UUID, *, active_only: bool = False) -> list[User]:
        stmt = select(User).where(User.organization_id == organization_id, User.role == Role.referrer)
        if active_only:
            stmt = stmt.where(User.active.is_(True))
        return list((await self.session.execute(stmt.order_by(User.full_name, User.id))).scalars())

    async def practice_providers(self, organization_id: uuid.UUID) -> list[Provider]:
        stmt = (
            select(Provider)
            .join(Affiliation, Affiliation.provider_id == Provider.id)
            .where(
                Affiliation.organization_id == organization_id,
                Provider.status == ProviderStatus.active,
                Provider.merged_into_id.is_(None),
            )
            .distinct()
            .order_by(Provider.family_name, Provider.given_name, Provider.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def is_practice_provider(self, organization_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
        stmt = (
            select(Affiliation.id)
            .where(Affiliation.organization_id == organization_id, Affiliation.provider_id == provider_id)
            .limit(1)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def intake_recipients(self, assignee_id: uuid.UUID | None) -> list[User]:
        """The referral's assignee when there is one and it is active, else the intake coordinators."""
        if assignee_id is not None:
            assignee = await self.session.get(User, assignee_id)
            if assignee is not None and assignee.active:
                return [assignee]
        stmt = (
            select(User)
            .where(User.role == Role.intake, User.active.is_(True))
            .order_by(User.id)
            .limit(MAX_INTAKE_RECIPIENTS)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def visible_events(self, referral_id: uuid.UUID, kinds: tuple[EventKind, ...]) -> list[ReferralEvent]:
        stmt = (
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral_id, ReferralEvent.kind.in_(kinds))
            .order_by(ReferralEvent.at, ReferralEvent.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def catalog(self) -> dict[str, CatalogEntry]:
        return {e.service_line: e for e in (await self.session.execute(select(CatalogEntry))).scalars()}

    async def catalog_entry(self, service_line: str, *, for_update: bool = False) -> CatalogEntry | None:
        return await self.session.get(CatalogEntry, service_line, with_for_update=for_update)

    def add(self, row: object) -> None:
        self.session.add(row)

    async def median_waits(self, since: datetime) -> dict[str, tuple[float | None, int]]:
        """Per service line: (median days to the first booked appointment, how many had one), received since."""
        F = ReferralFact
        rows = await self.session.execute(
            select(
                F.service_line,
                func.percentile_cont(0.5).within_group(F.appointment_days),
                func.count(F.appointment_days),
            )
            .where(F.received_at >= since, F.appointment_days.is_not(None))
            .group_by(F.service_line)
        )
        return {line: (median, n) for line, median, n in rows.all()}
