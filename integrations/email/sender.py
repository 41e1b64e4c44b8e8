"""Email over SMTP with aiosmtplib. The Message-ID comes from the outbox row's id, so a
resend after a crash carries the same id and the receiving side can drop the copy.

A send job's e-mails go together, twenty to a pooled connection, pipelined when the server allows
(integrations/email/smtp.py); each keeps its own outcome."""

import asyncio
import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from email.header import Header
from email.policy import compat32
from email.quoprimime import body_encode
from email.utils import formataddr, formatdate, parseaddr
from typing import cast

import aiosmtplib
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.compose import compose
from domain.outreach.settings import outreach_settings
from domain.shared.outbox import DeliveryRefused, OutboxMessage
from domain.shared.per_loop import for_this_loop
from domain.shared.settings import get_settings
from integrations.email.smtp import Mail, SmtpError, send_all

TIMEOUT_SECONDS = 10
POOL_SIZE = 8
# Mails per connection. A send job's batch is larger: its database work is done once, and its mails still
# reach a slow server over several connections at once.
PER_CONNECTION = 20
MAX_LINE = 78
# How the mail used to be written (the compat32 generator), for the headers that need folding or encoding.
FOLD = compat32.clone(linesep="\r\n")
_FROM_LINE = re.compile(r"^From ", re.MULTILINE)


def message_id(message: OutboxMessage) -> str:
    return f"<{message.id}@{outreach_settings().mail_domain}>"


def build(message: OutboxMessage, *, to: str, subject: str, body: str) -> bytes:
    """A plain-text mail, as bytes with CRLF line ends. Written directly: byte for byte what the compat32
    message and its generator wrote, without their per-header objects (a third of a worker's CPU)."""
    lines = body.splitlines()
    if body.isascii() and all(len(line) <= MAX_LINE for line in lines):
        encoding, payload = "7bit", "\n".join(lines) + "\n"
    else:
        # Quoted-printable keeps any text within 7-bit lines of legal length, whatever the server accepts.
        payload = body_encode(("\n".join(lines) + "\n").encode().decode("latin-1"), MAX_LINE)
        encoding = "quoted-printable"
    head = "".join(
        [
            _header("Message-ID", message_id(message)),
            _header("Date", formatdate(localtime=False, usegmt=True)),
            _header("From", _address(get_settings().smtp.sender)),
            _header("To", _address(to)),
            _header("Subject", _text_header(subject)),
            _header("X-Refloop-Kind", message.kind),
            "MIME-Version: 1.0\r\n",
            'Content-Type: text/plain; charset="utf-8"\r\n',
            f"Content-Transfer-Encoding: {encoding}\r\n",
        ]
    )
    # The generator's habits kept: ">From " at a line start (mbox-safe), and any line end becomes CRLF.
    payload = _FROM_LINE.sub(">From ", payload) if "From " in payload else payload
    text = "\r\n".join(payload.splitlines()) + ("\r\n" if payload.endswith(("\n", "\r")) else "")
    # UTF-8 only in an address outside ASCII, which goes with SMTPUTF8 (RFC 6532); the rest is ASCII.
    return (head + "\r\n" + text).encode("utf-8", "surrogateescape")


def _header(name: str, value: str | Header) -> str:
    if isinstance(value, str) and value.isascii() and len(name) + len(value) + 2 <= MAX_LINE and _plain(value):
        return f"{name}: {value}\r\n"  # what folding would give: nothing to fold or encode
    if isinstance(value, str) and not value.isascii() and name == "To":
        return f"{name}: {value}\r\n"  # an address outside ASCII: raw UTF-8, which SMTPUTF8 allows
    return FOLD.fold(name, cast(str, value))  # compat32 folds a Header too; its stubs say str


def _plain(value: str) -> bool:
    return "\n" not in value and "\r" not in value


def _text_header(value: str) -> str | Header:
    # Plain ASCII folds at its spaces; other text, or a word too long to fold, goes as encoded words
    # (RFC 2047).
    if value.isascii() and all(len(word) < MAX_LINE - 12 for word in value.split()):
        return value
    return Header(value, "utf-8")


def _address(value: str) -> str:
    """A display name outside ASCII is encoded (RFC 2047); the address itself is left as it is."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    if not address.isascii():
        # For a server with SMTPUTF8; others refuse it before anything is sent (smtp.NeedsSmtpUtf8).
        shown = formataddr((name, "_"), charset="utf-8").removesuffix(" <_>")  # the name as formataddr writes it
        return f"{shown} <{address}>" if name else address
    return formataddr((name, address), charset="utf-8")


class SmtpPool:
    """A few open SMTP connections per worker process, reused across batches."""

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

    async def send(self, mails: list[Mail]) -> AsyncGenerator[SmtpError | None, None]:
        """Each mail's outcome in order (None: accepted), over one connection held until the last."""
        async with self.slots:
            client = self.idle.pop() if self.idle else None
            if client is not None and not client.is_connected:
                client = None
            reused, answered = client is not None, 0
            try:
                client = client or await self._connect()
                try:
                    async with aclosing(send_all(client, mails, timeout=TIMEOUT_SECONDS)) as outcomes:
                        async for outcome in outcomes:
                            answered += 1
                            yield outcome
                except aiosmtplib.SMTPServerDisconnected:
                    if not reused or answered:
                        raise
                    # The server dropped an idle connection before answering anything: one fresh try.
                    client = await self._connect()
                    async with aclosing(send_all(client, mails, timeout=TIMEOUT_SECONDS)) as outcomes:
                        async for outcome in outcomes:
                            yield outcome
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
    """One message alone: `deliver_batch` with a batch of one."""
    async for _, outcome in deliver_batch([message], session):
        if isinstance(outcome, Exception):
            raise outcome
        assert outcome is not None
        return outcome
    raise AssertionError("deliver_batch gives one outcome per message")


async def deliver_batch(
    messages: list[OutboxMessage], session: AsyncSession
) -> AsyncGenerator[tuple[OutboxMessage, str | Exception], None]:
    """Each message with its Message-ID once the server accepted it, or the exception that says why not
    (DeliveryRefused: failed for good), in the order the server answered. All are composed first, then
    sent, PER_CONNECTION to a connection."""
    ready: list[tuple[OutboxMessage, Mail, str]] = []
    unsent: list[tuple[OutboxMessage, Exception]] = []
    sender = parseaddr(get_settings().smtp.sender)[1]
    for message in messages:
        try:
            composed = await compose(session, message)
            if not composed.to.email:
                raise DeliveryRefused(f"{message.recipient_type} has no email address on file")
            to = composed.to.email
            content = build(message, to=to, subject=composed.content.subject or "", body=composed.content.body)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # this message only: the others still go
            unsent.append((message, exc))
            if isinstance(exc, SQLAlchemyError):
                await session.rollback()  # the read transaction is unusable for the next message
            continue
        ready.append((message, Mail(sender, parseaddr(to)[1] or to, content), message_id(message)))
    # Told once every read is done: what the caller does with an outcome may end the session's transaction.
    for message, error in unsent:
        yield message, error
    if not ready:
        return
    # Closed with this generator: a batch stopped half way must not leave its connections to the pool.
    async with aclosing(_over_connections(ready)) as outcomes:
        async for outcome in outcomes:
            yield outcome


async def _over_connections(
    ready: list[tuple[OutboxMessage, Mail, str]],
) -> AsyncGenerator[tuple[OutboxMessage, str | Exception], None]:
    """Each mail's outcome, as the servers answer: PER_CONNECTION mails to a pooled connection, the
    connections side by side. A connection that breaks or times out fails its own unanswered mails
    (they may or may not have arrived, and go again with their own Message-IDs), not the others'."""
    results: asyncio.Queue[tuple[OutboxMessage, str | Exception]] = asyncio.Queue()

    async def over_one(chunk: list[tuple[OutboxMessage, Mail, str]]) -> None:
        answered = 0
        try:
            async with aclosing(pool().send([mail for _, mail, _ in chunk])) as outcomes:
                async for outcome in outcomes:
                    message, _, sent_id = chunk[answered]
                    answered += 1
                    results.put_nowait((message, sent_id if outcome is None else _refusal(outcome)))
        except Exception as exc:
            for message, _, _ in chunk[answered:]:
                results.put_nowait((message, exc))

    chunks = [ready[i : i + PER_CONNECTION] for i in range(0, len(ready), PER_CONNECTION)]
    tasks = [asyncio.create_task(over_one(chunk)) for chunk in chunks]
    try:
        for _ in ready:
            yield await results.get()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _refusal(error: SmtpError) -> Exception:
    # SMTP's own rule: 5xx is a permanent refusal (retrying repeats it), 4xx a try-again-later.
    if error.code < 500:
        return error
    if error.command == "RCPT TO":
        return DeliveryRefused(f"recipient refused: {error}", bad_address=True)
    return DeliveryRefused(f"the mail server refused it: {error}", bad_address=address_refused(error.code, error.text))
