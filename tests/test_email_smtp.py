"""A batch of mails over one SMTP connection, against real aiosmtpd servers: pipelined when the server
says PIPELINING, one command at a time when it does not, each mail with its own outcome."""

import email
import email.policy
import uuid
from email.message import Message
from email.quoprimime import body_encode
from types import SimpleNamespace
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from integrations.email.sender import build
from integrations.email.sink import Inbox, free_port
from integrations.email.smtp import Mail, SmtpError, send_all

SENDER = "referrals@refloop.local"


class NoPipelining(Inbox):
    """The same sink, without PIPELINING in its EHLO reply (as many relays still answer)."""

    async def handle_EHLO(self, server, session, envelope, hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname
        return responses


def _server(inbox: Inbox, *, smtputf8: bool = True) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=smtputf8)
    controller.start()
    return controller


@pytest.fixture(params=["pipelining", "one command at a time"])
def server(request):
    inbox = Inbox() if request.param == "pipelining" else NoPipelining()
    controller = _server(inbox)
    yield controller, inbox, request.param == "pipelining"
    controller.stop()


async def _send(controller: Controller, mails: list[Mail]) -> tuple[aiosmtplib.SMTP, list[SmtpError | None]]:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=controller.port, timeout=5)
    await client.connect()
    return client, [outcome async for outcome in send_all(client, mails, timeout=5)]


def _mail(to: str, n: int = 0, body: bytes = b"Hello.\r\n") -> Mail:
    return Mail(SENDER, to, f"Message-ID: <{n}@refloop.local>\r\nSubject: n{n}\r\n\r\n".encode() + body)


def _recipients(inbox: Inbox) -> list[str]:
    return [to for to, _ in inbox.raw]


async def test_a_batch_arrives_whole_and_in_order(server):
    controller, inbox, pipelining = server
    client, outcomes = await _send(controller, [_mail(f"desk{n}@clinic.example", n) for n in range(5)])

    assert client.supports_extension("pipelining") is pipelining
    assert outcomes == [None] * 5
    assert _recipients(inbox) == [f"desk{n}@clinic.example" for n in range(5)]
    assert inbox.ids() == [f"<{n}@refloop.local>" for n in range(5)]
    # The connection is left clean for the next batch.
    assert [o async for o in send_all(client, [_mail("next@clinic.example", 9)], timeout=5)] == [None]
    await client.quit()


async def test_a_refused_recipient_in_the_middle_fails_only_its_own_mail(server):
    controller, inbox, _ = server
    inbox.refuse_recipients["gone@clinic.example"] = "550 5.1.1 no such mailbox"
    inbox.refuse_recipients["busy@clinic.example"] = "450 4.2.1 mailbox busy, try later"
    to = ["a@clinic.example", "gone@clinic.example", "b@clinic.example", "busy@clinic.example", "c@clinic.example"]

    client, outcomes = await _send(controller, [_mail(address, n) for n, address in enumerate(to)])

    gone, busy = outcomes[1], outcomes[3]
    assert outcomes[0] is None and outcomes[2] is None and outcomes[4] is None
    assert isinstance(gone, SmtpError) and (gone.code, gone.command) == (550, "RCPT TO")
    assert str(gone) == "550: 5.1.1 no such mailbox"
    assert isinstance(busy, SmtpError) and str(busy) == "450: 4.2.1 mailbox busy, try later"
    assert _recipients(inbox) == ["a@clinic.example", "b@clinic.example", "c@clinic.example"]
    await client.quit()


async def test_a_server_error_is_each_mails_outcome_with_its_reply(server):
    controller, inbox, _ = server
    inbox.refuse_with = "451 4.3.0 Mail server temporarily unavailable"

    client, outcomes = await _send(controller, [_mail(f"desk{n}@clinic.example", n) for n in range(3)])

    assert [str(o) for o in outcomes] == ["451: 4.3.0 Mail server temporarily unavailable"] * 3
    assert all(isinstance(o, SmtpError) and o.command == "DATA" for o in outcomes)
    inbox.refuse_with = None
    assert [o async for o in send_all(client, [_mail("later@clinic.example")], timeout=5)] == [None]
    assert _recipients(inbox) == ["later@clinic.example"]
    await client.quit()


async def test_lines_starting_with_a_dot_arrive_as_written(server):
    controller, inbox, _ = server
    body = b".hidden\r\n..two\r\nend\r\n"
    client, outcomes = await _send(controller, [_mail("a@clinic.example", 1, body), _mail("b@clinic.example", 2)])

    assert outcomes == [None, None]
    assert [content.endswith(body) for _, content in inbox.raw] == [True, False]
    await client.quit()


async def test_an_address_outside_ascii_goes_with_smtputf8(server):
    controller, inbox, _ = server
    client, outcomes = await _send(controller, [_mail("zoë@clinic.example", 1), _mail("a@clinic.example", 2)])

    assert outcomes == [None, None]
    assert _recipients(inbox) == ["zoë@clinic.example", "a@clinic.example"]
    await client.quit()


@pytest.mark.parametrize("inbox_class", [Inbox, NoPipelining])
async def test_an_address_outside_ascii_fails_at_once_when_the_server_lacks_smtputf8(inbox_class):
    inbox = inbox_class()
    controller = _server(inbox, smtputf8=False)
    try:
        to = ["a@clinic.example", "zoë@clinic.example", "b@clinic.example"]
        client, outcomes = await _send(controller, [_mail(address, n) for n, address in enumerate(to)])
        await client.quit()
    finally:
        controller.stop()

    refused = outcomes[1]
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(refused, SmtpError) and refused.code == 553 and "SMTPUTF8" in str(refused)
    assert _recipients(inbox) == ["a@clinic.example", "b@clinic.example"]  # nothing was sent for it


async def test_a_lost_connection_raises_for_the_mails_not_answered():
    inbox = Inbox()
    controller = _server(inbox)
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=controller.port, timeout=5)
    await client.connect()
    controller.stop()  # the server goes away with the connection open

    outcomes: list[Any] = []
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        async for outcome in send_all(client, [_mail("a@clinic.example")], timeout=5):
            outcomes.append(outcome)
    assert outcomes == [] and not client.is_connected


# The mail itself: written as bytes, as the compat32 message and its generator wrote it.


def _as_the_generator_wrote_it(message: Any, *, to: str, subject: str, body: str) -> bytes:
    """The construction the worker used before (email.message.Message, flattened by aiosmtplib)."""
    from email.header import Header
    from email.utils import formataddr, parseaddr

    from aiosmtplib.email import flatten_message
    from aiosmtplib.protocol import normalize_message_line_endings

    def address(value: str) -> str:
        return value if value.isascii() else formataddr(parseaddr(value), charset="utf-8")

    mail = Message()
    mail["Message-ID"] = f"<{message.id}@refloop.local>"
    mail["From"] = "Refloop <referrals@refloop.local>"
    mail["To"] = address(to)
    simple = subject.isascii() and all(len(word) < 66 for word in subject.split())
    mail["Subject"] = subject if simple else Header(subject, "utf-8")  # type: ignore[assignment]
    mail["X-Refloop-Kind"] = message.kind
    mail["MIME-Version"] = "1.0"
    mail["Content-Type"] = 'text/plain; charset="utf-8"'
    lines = body.splitlines()
    if body.isascii() and all(len(line) <= 78 for line in lines):
        mail["Content-Transfer-Encoding"] = "7bit"
        mail.set_payload("\n".join(lines) + "\n")
    else:
        mail["Content-Transfer-Encoding"] = "quoted-printable"
        mail.set_payload(body_encode(("\n".join(lines) + "\n").encode().decode("latin-1"), 78))
    return normalize_message_line_endings(flatten_message(mail, cte_type="8bit"))


SUBJECTS = ["Referral received", "Référence reçue pour Maria L. — merci", "a " * 60, "x" * 90, "日本語の件名" * 5]
BODIES = ["Dear Dr. Anna,\nThanks.\n", "From the clinic\n.dot\n", "Ünïcödé text, " * 30, "a" * 200, "x\r\ny\rz"]


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("to", ["anna@clinic.example", "Zoë Li <zoe@clinic.example>"])
def test_the_mail_is_written_byte_for_byte_as_before(subject, body, to):
    message = SimpleNamespace(id=uuid.uuid4(), kind="thank_you")
    built = build(message, to=to, subject=subject, body=body)

    without_date = b"".join(line for line in built.splitlines(keepends=True) if not line.startswith(b"Date: "))
    assert without_date == _as_the_generator_wrote_it(message, to=to, subject=subject, body=body)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("body", ["Dear Dr. Anna,\nThanks.\n", "Ünïcödé text, " * 30, "Café\n.dot\n\nend"])
def test_headers_and_body_decode_to_the_text_written(subject, body):
    message = SimpleNamespace(id=uuid.uuid4(), kind="thank_you")
    built = build(message, to="Zoë Li <zoe@clinic.example>", subject=subject, body=body)

    assert built.isascii() and all(len(line) <= 998 for line in built.split(b"\r\n"))  # RFC 5322 2.1.1
    parsed = email.message_from_bytes(built, policy=email.policy.default)
    if subject.isascii():  # folded at its spaces: the words come back
        assert parsed["Subject"].split() == subject.split()
    else:  # encoded words (RFC 2047): the text comes back exactly
        assert parsed["Subject"] == subject
    assert parsed["To"].addresses[0].display_name == "Zoë Li"
    assert parsed["Message-ID"] == f"<{message.id}@refloop.local>"
    text = parsed.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n") == "\n".join(body.splitlines()) + "\n"


def test_an_address_outside_ascii_is_written_as_utf8_for_smtputf8():
    message = SimpleNamespace(id=uuid.uuid4(), kind="thank_you")
    built = build(message, to="zoë@clinic.example", subject="Hi", body="Hello\n")

    assert "To: zoë@clinic.example\r\n".encode() in built
