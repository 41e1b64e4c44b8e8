"""A batch of mails over one SMTP connection: MAIL FROM, RCPT TO and DATA pipelined (RFC 2920) when the
server says PIPELINING, one command at a time otherwise.

aiosmtplib connects, greets, starts TLS, logs in and runs the plain path. Its reader takes exactly one
reply per command written and drops what arrives early, so while a pipelined batch is on the wire the
connection's replies go to `_Replies` here instead.
"""

import asyncio
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

import aiosmtplib
from aiosmtplib.email import quote_address
from aiosmtplib.protocol import PERIOD_REGEX


@dataclass(frozen=True)
class Mail:
    sender: str
    recipient: str
    content: bytes  # headers and body, lines ending in CRLF


class SmtpError(Exception):
    """The server refused one mail: its reply, and the command that reply answered."""

    def __init__(self, code: int, text: str, command: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code, self.text, self.command = code, text, command


class NeedsSmtpUtf8(Exception):
    """An address outside ASCII, and a server that cannot take one (no SMTPUTF8): sending would not help."""


async def send_all(
    client: aiosmtplib.SMTP, mails: list[Mail], *, timeout: float
) -> AsyncGenerator[SmtpError | None, None]:
    """Each mail's outcome, in order, as soon as the server has answered for it: None once accepted.

    A lost connection or a reply out of protocol raises (the client is closed): the mails whose outcome
    was not yielded may or may not have arrived, and go again with their own Message-IDs."""
    if client.is_ehlo_or_helo_needed:
        try:
            await client.ehlo()
        except aiosmtplib.SMTPHeloError:
            await client.helo()  # an old server without extensions: the plain path
    way = _pipelined if client.supports_extension("pipelining") else _one_by_one
    async with aclosing(way(client, mails, timeout=timeout)) as outcomes:
        async for outcome in outcomes:
            yield outcome


def _utf8(client: aiosmtplib.SMTP, mail: Mail) -> bool:
    """Whether the addresses need SMTPUTF8; NeedsSmtpUtf8, before anything is sent, when the server lacks it."""
    if mail.sender.isascii() and mail.recipient.isascii():
        return False
    if not client.supports_extension("smtputf8"):
        raise NeedsSmtpUtf8("the mail server does not take addresses outside ASCII (no SMTPUTF8)")
    return True


async def _one_by_one(
    client: aiosmtplib.SMTP, mails: list[Mail], *, timeout: float
) -> AsyncGenerator[SmtpError | None, None]:
    for mail in mails:
        try:
            options = ["SMTPUTF8"] if _utf8(client, mail) else []  # sendmail adds SIZE itself
            await client.sendmail(mail.sender, [mail.recipient], mail.content, mail_options=options, timeout=timeout)
        except NeedsSmtpUtf8 as exc:
            yield _refusal(exc)
            continue
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            yield SmtpError(refused.code, refused.message, "RCPT TO")
            continue
        except aiosmtplib.SMTPSenderRefused as exc:
            yield SmtpError(exc.code, exc.message, "MAIL FROM")
            continue
        except aiosmtplib.SMTPResponseException as exc:
            yield SmtpError(exc.code, exc.message, "DATA")
            continue
        yield None


def _refusal(exc: NeedsSmtpUtf8) -> SmtpError:
    # 553: mailbox name not allowed (RFC 5321); 5.6.7: non-ASCII addresses not permitted (RFC 6531).
    return SmtpError(553, f"5.6.7 {exc}", "MAIL FROM")


async def _pipelined(
    client: aiosmtplib.SMTP, mails: list[Mail], *, timeout: float
) -> AsyncGenerator[SmtpError | None, None]:
    """One write per mail: the previous mail's content, then this one's MAIL FROM, RCPT TO and DATA; the
    server's 354 to DATA lets the content go with the next write (RFC 2920 3.1)."""
    protocol = client.protocol
    if protocol is None or protocol.transport is None:
        raise aiosmtplib.SMTPServerDisconnected("Server not connected")
    transport = protocol.transport
    replies = _Replies(protocol, asyncio.get_running_loop())
    transport.set_protocol(replies)
    try:
        content = b""  # the content (or lone end-of-data) owed to the last 354
        content_for: int | None = None  # the mail that content belongs to
        reset = False  # the last transaction was left open: RSET before the next MAIL
        for i, mail in enumerate(mails):
            try:
                utf8 = _utf8(client, mail)
            except NeedsSmtpUtf8 as exc:
                refused: SmtpError | None = _refusal(exc)
                envelope = b""
            else:
                refused = None
                envelope = _envelope(client, mail, utf8=utf8, reset=reset)
            if content or envelope:
                replies.write(content + envelope)
            if content:
                outcome = await _data_outcome(replies, timeout)
                if content_for is not None:
                    yield outcome
            content, content_for = b"", None
            if refused is not None:
                yield refused
                continue
            if reset:
                await replies.read(timeout)  # RSET's 250: nothing rides on it
            mail_from = await replies.read(timeout)
            rcpt_to = await replies.read(timeout)
            data = await replies.read(timeout)
            failed = _first_refusal(mail_from, rcpt_to, data)
            if data[0] == 354:
                # The content, or an empty one when MAIL or RCPT was refused: the server waits for it.
                content = _stuffed(mail.content) if failed is None else b".\r\n"
                content_for = i if failed is None else None
                reset = False
            else:
                reset = True  # MAIL or RCPT may stand: clear them before the next mail
            if failed is not None:
                yield failed
        if content:
            replies.write(content)
            outcome = await _data_outcome(replies, timeout)
            if content_for is not None:
                yield outcome
        if reset:
            replies.write(b"RSET\r\n")
            await replies.read(timeout)
    except BaseException:
        client.close()  # replies may still be on the way: this connection cannot be trusted again
        raise
    finally:
        if transport.get_protocol() is replies:
            transport.set_protocol(protocol)


def _envelope(client: aiosmtplib.SMTP, mail: Mail, *, utf8: bool, reset: bool) -> bytes:
    encoding = "utf-8" if utf8 else "ascii"
    options = b""
    if client.supports_extension("size"):
        options += b" SIZE=%d" % len(mail.content)
    if utf8:
        options += b" SMTPUTF8"
    return b"".join(
        [
            b"RSET\r\n" if reset else b"",
            b"MAIL FROM:" + quote_address(mail.sender).encode(encoding) + options + b"\r\n",
            b"RCPT TO:" + quote_address(mail.recipient).encode(encoding) + b"\r\n",
            b"DATA\r\n",
        ]
    )


def _stuffed(content: bytes) -> bytes:
    """RFC 5321 4.5.2: a line starting with a dot gets another; then the end-of-data line."""
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    return PERIOD_REGEX.sub(b"..", content) + b".\r\n"


def _first_refusal(mail_from: tuple[int, str], rcpt_to: tuple[int, str], data: tuple[int, str]) -> SmtpError | None:
    if mail_from[0] != 250:
        return SmtpError(*mail_from, "MAIL FROM")
    if rcpt_to[0] not in (250, 251):
        return SmtpError(*rcpt_to, "RCPT TO")
    if data[0] != 354:
        return SmtpError(*data, "DATA")
    return None


async def _data_outcome(replies: "_Replies", timeout: float) -> SmtpError | None:
    code, text = await replies.read(timeout)
    return None if code == 250 else SmtpError(code, text, "DATA")


class _Replies(asyncio.Protocol):
    """Stands in for aiosmtplib's protocol during a pipelined batch: keeps every reply that arrives, in
    order, and hands a lost connection on to aiosmtplib so the client knows it is closed."""

    def __init__(self, inner: asyncio.BaseProtocol, loop: asyncio.AbstractEventLoop) -> None:
        self.inner = inner
        self.loop = loop
        self.transport: asyncio.WriteTransport | None = getattr(inner, "transport", None)
        self.buffer = bytearray()
        self.lines: list[str] = []
        self.replies: deque[tuple[int, str]] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.error: Exception | None = None

    def write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        self.transport.write(data)

    async def read(self, timeout: float) -> tuple[int, str]:
        while not self.replies:
            if self.error is not None:
                raise self.error
            self.waiter = self.loop.create_future()
            try:
                await asyncio.wait_for(self.waiter, timeout)
            except TimeoutError as exc:
                raise aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response") from exc
        return self.replies.popleft()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[: end + 1])
            del self.buffer[: end + 1]
            if not line[:3].isdigit():
                self._fail(aiosmtplib.SMTPResponseException(-1, f"Malformed SMTP response line: {line!r}"))
                return
            self.lines.append(line[4:].strip(b" \t\r\n").decode("utf-8", "surrogateescape"))
            if line[3:4] != b"-":  # the last line of a reply
                self.replies.append((int(line[:3]), "\n".join(self.lines)))
                self.lines = []
        self._wake()

    def eof_received(self) -> bool:
        self._fail(aiosmtplib.SMTPServerDisconnected("Unexpected EOF received"))
        return False  # the transport closes, and connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(aiosmtplib.SMTPServerDisconnected("Connection lost"))
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def _fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)
