import uuid

from fastapi import Response, status

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.identity import invitations, models, service
from domain.identity.enums import Role
from domain.identity.schemas import Invitation, User, UserCreate, UserUpdate
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/users", tags=["users"])


@router.post("", response_model=User, status_code=status.HTTP_201_CREATED, responses=problem_responses(409, 422))
async def create_user(
    body: UserCreate, session: Session, principal: CurrentPrincipal, response: Response
) -> models.User:
    user = await service.create_user(session, data=body, actor=principal.actor)
    response.headers["Location"] = f"/v1/users/{user.id}"
    return user


@router.get("", response_model=Page[User], responses=problem_responses(422))
async def list_users(
    session: Session, principal: CurrentPrincipal, paging: Paging, role: Role | None = None, active: bool | None = None
) -> Page[User]:
    items, next_cursor = await service.list_users(
        session, role=role, active=active, limit=paging.limit, cursor=paging.cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{user_id}", response_model=User, responses=problem_responses(404))
async def get_user(user_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> models.User:
    return await service.get_user(session, user_id=user_id)


@router.patch(
    "/{user_id}",
    response_model=User,
    summary="Change role, queue, password, or disable (ends sessions)",
    responses=problem_responses(404, 422),
)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, session: Session, principal: CurrentPrincipal
) -> models.User:
    return await service.update_user(session, user_id=user_id, data=body, actor=principal.actor)


@router.post(
    "/{user_id}/unlock",
    response_model=User,
    summary="Lift a lock left by failed logins",
    responses=problem_responses(404),
)
async def unlock_user(user_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> models.User:
    return await service.unlock_user(session, user_id=user_id)


@router.post(
    "/{user_id}/reset-link",
    response_model=Invitation,
    status_code=status.HTTP_201_CREATED,
    summary="E-mail the user a one-time link to choose a new password",
    responses=problem_responses(404, 409),
)
async def send_reset_link(user_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> models.Invitation:
    return await invitations.reset_link(session, user_id=user_id, actor=principal.actor)
