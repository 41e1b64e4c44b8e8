"""Email over SMTP with aiosmtplib. The Message-ID comes from the outbox row's id, so a
resend after a crash carries the same id and the receiving side can drop the copy."""

import asyncio
import re
from email.header import Header
from email.message import Message
from email.quoprimime import body_encode
from email.utils import formataddr, formatdate, parseaddr
from typing import cast

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.compose import compose
from domain.outreach.settings import outreach_settings
from domain.shared.outbox import DeliveryRefused, OutboxMessage
from domain.shared.per_loop import for_this_loop
from domain.shared.settings import get_settings

TIMEOUT_SECONDS = 10
POOL_SIZE = 8
MAX_LINE = 78


def message_id(message: OutboxMessage) -> str:
    return f"<{message.id}@{outreach_settings().mail_domain}>"


def build(message: OutboxMessage, *, to: str, subject: str, body: str) -> Message:
    """A plain-text mail. Built with the compat32 message class: the default policy's header objects
    took a quarter of a worker's time per message, for headers that are plain strings here."""
    email = Message()
    email["Message-ID"] = message_id(message)
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["From"] = _address(get_settings().smtp.sender)
    email["To"] = _address(to)
    email["Subject"] = _text_header(subject)
    email["X-Refloop-Kind"] = message.kind
    email["MIME-Version"] = "1.0"
    email["Content-Type"] = 'text/plain; charset="utf-8"'
    lines = body.splitlines()
    if body.isascii() and all(len(line) <= MAX_LINE for line in lines):
        email["Content-Transfer-Encoding"] = "7bit"
        email.set_payload("\n".join(lines) + "\n")
    else:
        # Quoted-printable keeps any text within 7-bit lines of legal length, whatever the server accepts.
        email["Content-Transfer-Encoding"] = "quoted-printable"
        email.set_payload(body_encode(("\n".join(lines) + "\n").encode().decode("latin-1"), MAX_LINE))
    return email


def _text_header(value: str) -> str:
    # Plain ASCII folds at its spaces; other text, or a word too long to fold, goes as encoded words
    # (RFC 2047), folded by the generator. compat32 takes a Header where its stubs say str.
    if value.isascii() and all(len(word) < MAX_LINE - 12 for word in value.split()):
        return value
    return cast(str, Header(value, "utf-8"))


def _address(value: str) -> str:
    """A display name outside ASCII is encoded (RFC 2047); the address itself is left as it is."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


class SmtpPool:
    """A few open SMTP connections per worker process, reused across messages."""

    def __init__(self, size: int = POOL_SIZE) -> None:
        self.idle: list[aiosmtplib.SMTP] = []
        self.slots = asyncio.Semaphore(size)

    async def _connect(self) -> aiosmtplib.SMTP:
        s = get_settings().smtp
        client = aiosmtplib.SMTP(hostname=s.host, port=s.port, timeout=TIMEOUT_SECONDS, start_tls=s.start_tls)
        await client.connect()
        if s.username:
            await client.login(s.username, s.password or "")
        return client

    async def send(self, email: Message) -> None:
        async with self.slots:
            client = self.idle.pop() if self.idle else None
            if client is not None and not client.is_connected:
                client = None
            reused = client is not None
            try:
                client = client or await self._connect()
                await client.send_message(email)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                # The server dropped an idle connection before taking anything: one fresh try.
                client = await self._connect()
                await client.send_message(email)
            except BaseException:
                if client is not None:
                    client.close()
                raise
            self.idle.append(client)

    async def close(self) -> None:
        while self.idle:
            client = self.idle.pop()
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()


# RFC 3463 enhanced codes about the address: 5.1.x (bad mailbox, domain or syntax; moved) and 5.2.1
# (mailbox disabled). Without an enhanced code, RFC 5321's 550, 551 and 553 speak of the mailbox. A
# policy or content refusal (5.7.1 and the like) says nothing about the address and leaves it good.
ENHANCED_CODE = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


def address_refused(code: int, message: str) -> bool:
    enhanced = ENHANCED_CODE.match(message)
    if enhanced:
        _, subject, detail = (int(part) for part in enhanced.groups())
        return subject == 1 or (subject, detail) == (2, 1)
    return code in (550, 551, 553)


def pool() -> SmtpPool:
    # An open connection must not carry mail on to a server the settings no longer name.
    s = get_settings().smtp
    return for_this_loop(("smtp", s.host, s.port, s.username, s.start_tls), SmtpPool)


async def deliver(message: OutboxMessage, session: AsyncSession) -> str:
    composed = await compose(session, message)
    if not composed.to.email:
        raise DeliveryRefused(f"{message.recipient_type} has no email address on file")
    email = build(message, to=composed.to.email, subject=composed.content.subject or "", body=composed.content.body)
    try:
        await pool().send(email)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        permanent = all(refusal.code >= 500 for refusal in exc.recipients)
        if not permanent:
            raise
        raise DeliveryRefused(f"recipient refused: {exc}", bad_address=True) from exc
    except aiosmtplib.SMTPResponseException as exc:
        # SMTP's own rule: 5xx is a permanent refusal (retrying repeats it), 4xx a try-again-later.
        if exc.code >= 500:
            refused = f"the mail server refused it: {exc.code} {exc.message}"
            raise DeliveryRefused(refused, bad_address=address_refused(exc.code, exc.message)) from exc
        raise
    return email["Message-ID"]
