"""The referring-practice portal: portal accounts, the message thread, the practice's timeline, the catalog."""

import uuid

from fastapi import APIRouter, Response, status

from api.deps import CurrentPrincipal, Session
from api.errors import problem_responses
from domain.identity.enums import Role
from domain.identity.repository import UserRepository
from domain.identity.schemas import Invitation
from domain.portal import accounts, catalog, thread, timeline
from domain.portal.schemas import (
    CatalogEntry,
    CatalogEntryUpdate,
    PortalEvent,
    PortalUser,
    PortalUserCreate,
    PracticeProvider,
    ThreadMessage,
    ThreadPost,
)
from domain.shared.errors import NotFound

router = APIRouter(tags=["portal"])


@router.post(
    "/organizations/{organization_id}/portal-users",
    response_model=Invitation,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
    description="Invite a person of this referring practice to the portal (role `referrer`): they get a "
    "one-time link by e-mail to choose a password. Resend and revoke it at /v1/invitations.",
)
async def invite_portal_user(
    organization_id: uuid.UUID,
    body: PortalUserCreate,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> Invitation:
    invitation = await accounts.invite(session, organization_id=organization_id, data=body, actor=principal.actor)
    response.headers["Location"] = f"/v1/invitations/{invitation.id}"
    return Invitation.model_validate(invitation)


@router.get(
    "/organizations/{organization_id}/portal-users",
    response_model=list[PortalUser],
    responses=problem_responses(401, 403, 404),
)
async def list_portal_users(organization_id: uuid.UUID, session: Session) -> list[PortalUser]:
    return [PortalUser.model_validate(u) for u in await accounts.list_users(session, organization_id=organization_id)]


@router.get(
    "/portal/providers",
    response_model=list[PracticeProvider],
    responses=problem_responses(401, 404),
    description="The signed-in portal user's practice's providers: the referring providers a referral "
    "from the portal may name.",
)
async def list_practice_providers(session: Session, principal: CurrentPrincipal) -> list[PracticeProvider]:
    if principal.organization_id is None:  # the matrix admits referrers only, and each has a practice
        raise NotFound("Practice", "of this sign-in")
    return await accounts.practice_providers(session, organization_id=principal.organization_id)


@router.get(
    "/referrals/{referral_id}/messages-thread",
    response_model=list[ThreadMessage],
    responses=problem_responses(401, 403, 404),
    description="The conversation between the referring practice and the intake team, oldest first.",
)
async def read_thread(referral_id: uuid.UUID, session: Session) -> list[ThreadMessage]:
    return await thread.read(session, referral_id=referral_id)


@router.post(
    "/referrals/{referral_id}/messages-thread",
    response_model=ThreadMessage,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
    description="Post to the thread. The other side is told by e-mail that a message waits, without its words.",
)
async def post_to_thread(
    referral_id: uuid.UUID, body: ThreadPost, session: Session, principal: CurrentPrincipal
) -> ThreadMessage:
    if principal.user_id is None:  # the matrix admits people only, never keys
        raise NotFound("User", "of this sign-in")
    author = await UserRepository(session).get(principal.user_id)
    return await thread.post(
        session, referral_id=referral_id, body=body.body, author=author, from_practice=principal.role == Role.referrer
    )


@router.get(
    "/referrals/{referral_id}/portal-events",
    response_model=list[PortalEvent],
    responses=problem_responses(401, 403, 404),
    description="The timeline as the referring practice sees it: status moves, appointments, the visit "
    "summary; no internal notes, tasks or staff names.",
)
async def list_portal_events(referral_id: uuid.UUID, session: Session) -> list[PortalEvent]:
    return await timeline.portal_events(session, referral_id=referral_id)


@router.get(
    "/catalog",
    response_model=list[CatalogEntry],
    responses=problem_responses(401, 403),
    description="Every service line with its referral criteria, accepted payer classes, locations, "
    "scheduling contact and current median wait to appointment (last 90 days).",
)
async def list_catalog(session: Session) -> list[CatalogEntry]:
    return await catalog.list_catalog(session)


@router.get("/catalog/{service_line}", response_model=CatalogEntry, responses=problem_responses(401, 403, 404))
async def get_catalog_entry(service_line: str, session: Session) -> CatalogEntry:
    return await catalog.get_entry(session, service_line=service_line)


@router.put(
    "/catalog/{service_line}",
    response_model=CatalogEntry,
    responses=problem_responses(401, 403, 404, 422),
    description="Replace what the catalog says about one service line (the wait is computed, not set).",
)
async def save_catalog_entry(
    service_line: str, body: CatalogEntryUpdate, session: Session, principal: CurrentPrincipal
) -> CatalogEntry:
    return await catalog.save_entry(session, service_line=service_line, data=body, actor=principal.actor)
