"""Portal accounts: staff invite a practice's people, by the same one-time e-mailed links staff get."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import invitations
from domain.identity.enums import Role
from domain.identity.models import Invitation, User
from domain.identity.schemas import InvitationCreate
from domain.outreach.context import provider_name
from domain.portal.repository import PortalRepository
from domain.portal.schemas import PortalUserCreate, PracticeProvider
from domain.providers.repository import OrganizationRepository
from domain.shared.errors import InvalidInput


async def invite(
    session: AsyncSession, *, organization_id: uuid.UUID, data: PortalUserCreate, actor: str
) -> Invitation:
    await OrganizationRepository(session).get(organization_id)
    return await invitations.invite(
        session,
        data=InvitationCreate(email=data.email, full_name=data.full_name, role=Role.referrer),
        actor=actor,
        organization_id=organization_id,
    )


async def list_users(session: AsyncSession, *, organization_id: uuid.UUID) -> list[User]:
    await OrganizationRepository(session).get(organization_id)
    return await PortalRepository(session).portal_users(organization_id)


async def practice_providers(session: AsyncSession, *, organization_id: uuid.UUID) -> list[PracticeProvider]:
    """The practice's own providers: whom a portal referral may name as its referring provider."""
    providers = await PortalRepository(session).practice_providers(organization_id)
    return [PracticeProvider(id=p.id, npi=p.npi, display_name=provider_name(p)) for p in providers]


async def check_referring_provider(
    session: AsyncSession, *, organization_id: uuid.UUID, provider_id: uuid.UUID | None
) -> None:
    if provider_id is not None and not await PortalRepository(session).is_practice_provider(
        organization_id, provider_id
    ):
        raise InvalidInput(
            "The referring provider is not one of your practice's providers.", field="body.referring_provider_id"
        )
