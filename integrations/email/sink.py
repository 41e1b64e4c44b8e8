"""A local SMTP server that keeps what it receives: the development mail sink, and the
receiving end the tests and benches count at."""

import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    message_id: str
    to: str
    subject: str
    body: str
    kind: str


_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Pipelining:
    """Handler hook: says PIPELINING (RFC 2920) in the EHLO reply. aiosmtpd reads one command line at a
    time and answers each in order, so pipelined commands are safe with it; it only does not say so."""

    async def handle_EHLO(self, server, session, envelope, hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname  # the five-argument hook records the greeting itself
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


@dataclass
class Inbox(Pipelining):
    """Keeps raw messages and parses on read, so receiving stays cheap under load."""

    raw: list[tuple[str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set to an SMTP reply (e.g. "451 try later") to refuse mail, as a failing relay would.
    refuse_with: str | None = None
    # Addresses refused at RCPT TO, each with its reply (e.g. "550 5.1.1 no such mailbox"), as a relay
    # refuses one recipient and takes the next.
    refuse_recipients: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        refusal = self.refuse_recipients.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_with:
            return self.refuse_with
        with self.lock:
            self.raw.append((",".join(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self.lock:
            raw = list(self.raw)
        received = []
        for to, content in raw:
            parsed = email.message_from_bytes(content, policy=email.policy.default)
            body = parsed.get_body(("plain",))
            received.append(
                Received(
                    message_id=str(parsed["Message-ID"]),
                    to=to,
                    subject=str(parsed["Subject"]),
                    body=body.get_content() if body else "",
                    kind=str(parsed["X-Refloop-Kind"] or ""),
                )
            )
        return received

    def ids(self) -> list[str]:
        with self.lock:
            raw = list(self.raw)
        return [m.group(1).decode() if (m := _MESSAGE_ID.search(content)) else "" for _, content in raw]

    def __len__(self) -> int:
        return len(self.raw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(port: int | None = None, inbox: Inbox | None = None) -> tuple[Controller, Inbox]:
    inbox = inbox if inbox is not None else Inbox()  # an empty inbox has length 0: "or" would replace it
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller, inbox


if __name__ == "__main__":  # `python -m integrations.email.sink 8025`: print what arrives
    import sys
    import time

    controller, inbox = start_sink(int(sys.argv[1]) if len(sys.argv) > 1 else 8025)
    print(f"SMTP sink on 127.0.0.1:{controller.port}", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(1)
            for message in inbox.snapshot()[seen:]:
                print(f"--- {message.message_id} to {message.to}: {message.subject}\n{message.body}", flush=True)
            seen = len(inbox.snapshot())
    except KeyboardInterrupt:
        controller.stop()
