from typing import Annotated

from fastapi import Depends, Form, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentPrincipal, Session
from api.errors import problem_response, problem_responses
from api.prefixed import PrefixedRouter
from domain.identity import invitations, models, service, smart
from domain.identity.errors import Forbidden
from domain.identity.repository import UserRepository
from domain.identity.schemas import (
    InvitationAccept,
    InvitationLookup,
    InvitationPreview,
    Me,
    PasswordChange,
    RefreshRequest,
    SmartToken,
    TokenPair,
)
from domain.shared.settings import get_settings

router = PrefixedRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenPair,
    summary="Log in (OAuth2 password form: username is the e-mail)",
    responses=problem_responses(401, 422, 423, 429),
)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: Session) -> TokenPair:
    return await service.login(session, email=form.username, password=form.password)


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Swap a refresh token for a new pair; a reused one ends its whole session family",
    responses=problem_responses(401, 422),
)
async def refresh_tokens(body: RefreshRequest, session: Session, request: Request) -> TokenPair | JSONResponse:
    result = await service.refresh(session, refresh_token=body.refresh_token)
    if isinstance(result, service.RefreshReused):
        # Answered rather than raised, so the family's revocation commits.
        response = problem_response(
            request,
            status=401,
            title="Refresh token reused",
            slug="refresh-token-reused",
            detail="This refresh token was already used, so every session started from the same login has "
            "been ended. Log in again.",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="refloop", error="invalid_grant"'
        return response
    return result


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End this session (and its refresh tokens)",
    responses=problem_responses(401),
)
async def logout(session: Session, principal: CurrentPrincipal, body: RefreshRequest | None = None) -> Response:
    assert principal.user_id is not None
    await service.logout(
        session,
        refresh_token=body.refresh_token if body else None,
        session_id=principal.session_id,
        user_id=principal.user_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me, summary="The logged-in user", responses=problem_responses(401, 403))
async def me(session: Session, principal: CurrentPrincipal) -> models.User:
    if principal.user_id is None:
        raise Forbidden("Only staff users have a profile.")
    return await UserRepository(session).get(principal.user_id)


@router.post(
    "/password",
    response_model=TokenPair,
    summary="Choose a new password (required after an administrator set one); answers a fresh session",
    responses=problem_responses(401, 403, 422),
)
async def change_password(body: PasswordChange, session: Session, principal: CurrentPrincipal) -> TokenPair:
    if principal.user_id is None:
        raise Forbidden("Only staff users have a password.")
    return await service.change_password(
        session, user_id=principal.user_id, current=body.current_password, new=body.new_password
    )


@router.post(
    "/invitation",
    response_model=InvitationPreview,
    summary="What an invitation or reset link is for, before a password is chosen",
    responses=problem_responses(404, 410, 422),
)
async def open_invitation(body: InvitationLookup, session: Session) -> models.Invitation:
    return await invitations.preview(session, token=body.token)


@router.post(
    "/invitation/accept",
    response_model=TokenPair,
    summary="Use an invitation or reset link: choose the password and get a session",
    responses=problem_responses(404, 409, 410, 422),
)
async def accept_invitation(body: InvitationAccept, session: Session) -> TokenPair:
    return await invitations.accept(session, token=body.token, password=body.password)


@router.post(
    "/smart/token",
    response_model=SmartToken,
    summary="SMART Backend Services token endpoint (client_credentials with a signed JWT assertion)",
    responses=problem_responses(400, 401, 422),
)
async def smart_token(
    session: Session,
    request: Request,
    grant_type: Annotated[str, Form(max_length=64)],
    client_assertion_type: Annotated[str, Form(max_length=128)],
    client_assertion: Annotated[str, Form(max_length=8192)],
    scope: Annotated[str, Form(max_length=2000)],
) -> SmartToken:
    return await smart.issue_token(
        session,
        grant_type=grant_type,
        assertion_type=client_assertion_type,
        assertion=client_assertion,
        scope=scope,
        token_urls=token_urls(request),
    )


def token_urls(request: Request) -> list[str]:
    """The URLs a client assertion's `aud` may name: the configured public one and this request's own."""
    return [get_settings().fhir.token_url, str(request.url)]
