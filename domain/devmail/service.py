"""Store and show what the development mail catcher received. Refused outright in production."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import note, note_list
from domain.devmail.models import CapturedMail
from domain.devmail.repository import CapturedMailRepository
from domain.shared.errors import DomainError
from domain.shared.settings import get_settings

# A bounded store: a busy development install keeps the newest mails only.
KEEP = 1000


class CatcherOff(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


def _development_only() -> None:
    if get_settings().environment == "production":
        raise CatcherOff("There is no mail catcher in production: mail goes to the configured SMTP relay.")


async def store(
    session: AsyncSession,
    *,
    mail_from: str,
    rcpt_to: list[str],
    subject: str,
    message_id: str | None,
    headers: list[list[str]],
    body: str,
    size: int,
) -> CapturedMail:
    _development_only()
    repo = CapturedMailRepository(session)
    mail = repo.add(
        CapturedMail(
            mail_from=mail_from,
            rcpt_to=[r.lower() for r in rcpt_to],
            subject=subject,
            message_id=message_id,
            headers=headers,
            body=body,
            size=size,
        )
    )
    await session.flush()
    await repo.keep_newest(KEEP)
    return mail


async def list_mails(
    session: AsyncSession, *, recipient: str | None, limit: int, cursor: str | None
) -> tuple[list[CapturedMail], str | None]:
    _development_only()
    items, next_cursor = await CapturedMailRepository(session).find(recipient=recipient, limit=limit, cursor=cursor)
    note_list(session, "captured_mail", [m.id for m in items])
    return items, next_cursor


async def get_mail(session: AsyncSession, *, mail_id: uuid.UUID) -> CapturedMail:
    _development_only()
    mail = await CapturedMailRepository(session).get(mail_id)
    note(session, "captured_mail.read", "captured_mail", mail.id)
    return mail
