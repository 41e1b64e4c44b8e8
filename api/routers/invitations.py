import uuid
from typing import Annotated, Literal

from fastapi import Query, Response, status

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.identity import invitations, models
from domain.identity.schemas import Invitation, InvitationCreate
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/invitations", tags=["invitations"])


@router.post(
    "",
    response_model=Invitation,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422),
    description="Invite someone by e-mail: they get a one-time link (`/invite/<token>`) to choose a password "
    "and sign in. It expires after `SECURITY_INVITATION_HOURS` (72 by default).",
)
async def create_invitation(
    body: InvitationCreate, session: Session, principal: CurrentPrincipal, response: Response
) -> models.Invitation:
    invitation = await invitations.invite(session, data=body, actor=principal.actor)
    response.headers["Location"] = f"/v1/invitations/{invitation.id}"
    return invitation


@router.get(
    "",
    response_model=Page[Invitation],
    responses=problem_responses(422),
    description="Invitations and reset links, newest first.",
)
async def list_invitations(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    status_: Annotated[Literal["pending", "accepted", "expired", "revoked"] | None, Query(alias="status")] = None,
) -> Page[Invitation]:
    items, next_cursor = await invitations.list_invitations(
        session, status=status_, limit=paging.limit, cursor=paging.cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/{invitation_id}/resend",
    response_model=Invitation,
    responses=problem_responses(404, 409),
    description="Send a new link with a full new lifetime; the previous link stops working.",
)
async def resend_invitation(
    invitation_id: uuid.UUID, session: Session, principal: CurrentPrincipal
) -> models.Invitation:
    return await invitations.resend(session, invitation_id=invitation_id)


@router.post(
    "/{invitation_id}/revoke",
    response_model=Invitation,
    responses=problem_responses(404, 409),
    description="Withdraw a pending link: opening it then says so.",
)
async def revoke_invitation(
    invitation_id: uuid.UUID, session: Session, principal: CurrentPrincipal
) -> models.Invitation:
    return await invitations.revoke(session, invitation_id=invitation_id)
