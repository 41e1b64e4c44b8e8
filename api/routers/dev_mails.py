"""What the development mail catcher received. 404 in production, where there is no catcher."""

import uuid
from typing import Annotated

from fastapi import Query

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.devmail import models, service
from domain.devmail.schemas import CapturedMail, CapturedMailSummary
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/dev/mails", tags=["dev-mails"])


@router.get(
    "",
    response_model=Page[CapturedMailSummary],
    responses=problem_responses(401, 403, 404, 422),
    summary="Mails the development catcher received, newest first (development only)",
)
async def list_captured_mails(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    to: Annotated[str | None, Query(max_length=254, description="Recipient address.")] = None,
) -> Page[CapturedMailSummary]:
    items, next_cursor = await service.list_mails(session, recipient=to, limit=paging.limit, cursor=paging.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{mail_id}",
    response_model=CapturedMail,
    responses=problem_responses(401, 403, 404),
    summary="One caught mail with its headers and body (development only)",
)
async def get_captured_mail(mail_id: uuid.UUID, session: Session, principal: CurrentPrincipal) -> models.CapturedMail:
    return await service.get_mail(session, mail_id=mail_id)
