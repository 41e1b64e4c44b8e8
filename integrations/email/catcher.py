"""The development mail catcher: an SMTP server that keeps every mail in the database, where
the web app's admin page shows it (like Mailpit). `refloop run` starts it when no SMTP host is
configured; `refloop mail-catcher` runs it alone."""

import asyncio
import email
import email.policy

from aiosmtpd.smtp import SMTP

from domain.devmail import service
from domain.shared.db import unit_of_work
from integrations.email.sink import Pipelining


def _text(value: object) -> str:
    # PostgreSQL text cannot hold NUL; a mail may.
    return str(value).replace("\x00", "\ufffd")


def parse(content: bytes) -> dict:
    message = email.message_from_bytes(content, policy=email.policy.default)
    part = message.get_body(("plain", "html"))
    try:
        body = part.get_content() if part is not None else ""
    except (LookupError, ValueError):  # an unknown charset or a broken part: show the raw text
        body = content.decode("utf-8", errors="replace")
    return {
        "subject": _text(message["Subject"] or "")[:1000],
        "message_id": _text(message["Message-ID"])[:500] if message["Message-ID"] else None,
        "headers": [[_text(name), _text(value)] for name, value in message.items()],
        "body": _text(body),
        "size": len(content),
    }


class CatchingHandler(Pipelining):
    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.original_content or envelope.content
        try:
            async with unit_of_work() as db:
                await service.store(
                    db, mail_from=envelope.mail_from or "", rcpt_to=list(envelope.rcpt_tos), **parse(content)
                )
        except Exception:  # the sender retries a 451; nothing is lost
            return "451 4.3.0 Could not store the mail; try again"
        return "250 Message accepted for delivery"


async def start(port: int, host: str = "127.0.0.1") -> asyncio.Server:
    """Listening on (host, port) in the running event loop until the returned server is closed."""
    handler = CatchingHandler()
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(handler, hostname="refloop-mail-catcher"), host=host, port=port)


async def serve(port: int, host: str = "127.0.0.1") -> None:
    server = await start(port, host)
    async with server:
        await server.serve_forever()
