"""Faults under steady load, on servers this script starts itself (127.0.0.1 only, bounded):

    .venv/bin/python -m bench.faults --rate 20 --down 8

- a private PostgreSQL (initdb + pg_ctl on a free port) is stopped and started: while it is down
  the API must answer 503 with Retry-After, within 5 s of it being back it must serve again,
  without restarting Refloop, and every 201 answered (before, during, after) must be in the database;
- a private Redis is stopped (its data lost) and started: intake and reads go on, the outbox keeps
  the messages, sends resume;
- the SMTP server answers 4xx, then 5xx, then hangs: retries, then failed messages each with one
  staff task, and the worker is not stuck (later messages are sent).

Prints the figures (requests, answers by status, recovery time, rows checked) as JSON; exit 1 when
a promise is broken. One API process and one worker, as in `make run`.
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import bench.outreach_support as support
from bench.cluster import cluster, staff_token
from bench.outreach_support import _units
from integrations.email.sink import Inbox, free_port

RECOVERY_LIMIT_S = 5.0


class PrivatePostgres:
    """A throwaway cluster; as root, the server runs as the `postgres` system user (initdb refuses root)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="refloop-faults-pg-"))
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-w",
            "-l",
            str(self.dir / "log"),
            "start",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=100",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-w", "-m", "fast", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Stopped with its data gone: whatever waited in Redis is lost, as in a failover without persistence."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class FaultyInbox(Inbox):
    """The sink, able to hang before answering (a relay that accepts the connection and then stalls)."""

    hang_seconds: float = 0.0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.hang_seconds:
            await asyncio.sleep(self.hang_seconds)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Load:
    answers: list[tuple[float, str, int, str | None]] = field(default_factory=list)  # (t, kind, status, retry-after)
    created: list[str] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)


async def steady_load(
    client: httpx.AsyncClient, providers: list[str], load: Load, *, rate: float, stop: asyncio.Event, started: float
) -> None:
    n = 0
    pending: set[asyncio.Task] = set()

    async def one(i: int) -> None:
        kind = "create" if i % 2 == 0 else "read"
        try:
            if kind == "create":
                body = {
                    "patient": {"given_name": "Maria", "family_name": f"Fault{i}", "birth_date": "1968-04-12"},
                    "service_line": "cardiology",
                    "referral_source": "physician",
                    "referring_provider_id": providers[i % len(providers)],
                }
                response = await client.post("/v1/referrals", json=body)
                if response.status_code == 201:
                    load.created.append(response.json()["id"])
            else:
                response = await client.get("/v1/referrals", params={"limit": 5})
            load.answers.append(
                (time.monotonic() - started, kind, response.status_code, response.headers.get("retry-after"))
            )
        except httpx.HTTPError as exc:
            load.errors[type(exc).__name__] += 1

    while not stop.is_set():
        task = asyncio.create_task(one(n))
        pending.add(task)
        task.add_done_callback(pending.discard)
        n += 1
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*pending)


async def scalar(db_url: str, sql: str, **params):
    engine = create_async_engine(db_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).all()
    finally:
        await engine.dispose()


async def add_providers(db_url: str, count: int = 10) -> list[str]:
    from domain.providers.models import Provider

    engine = create_async_engine(db_url, pool_size=1)
    async with _units(engine)() as session:
        providers = [
            Provider(
                given_name="Anna",
                family_name=f"Reyes{i}",
                prefix="Dr.",
                credentials=["MD"],
                contact_points=[{"system": "email", "value": f"referrer{i}@clinic.example"}],
            )
            for i in range(count)
        ]
        session.add_all(providers)
        await session.flush()
        ids = [str(p.id) for p in providers]
    await engine.dispose()
    return ids


def window(load: Load, start: float, end: float, kind: str | None = None) -> Counter:
    return Counter(s for t, k, s, _ in load.answers if start <= t < end and (kind is None or k == kind))


async def run(*, rate: float, down: float, settle: float) -> dict:
    pg, redis = PrivatePostgres(), PrivateRedis()
    pg.start()
    redis.start()
    # Not start_sink: it swaps an inbox that is empty (so falsy, it has a length) for a plain one, and the
    # hang below would never happen.
    inbox = FaultyInbox()
    sink = Controller(inbox, hostname="127.0.0.1", port=free_port())
    sink.start()
    db_url = await support.fresh_database("refloop_faults", server=pg.url)
    providers = await add_providers(db_url)
    token = staff_token(db_url)
    load, stop, marks = Load(), asyncio.Event(), {}
    try:
        with cluster(
            db_url=db_url,
            redis_url=redis.url,
            smtp_port=sink.port,
            queue="faults:outbox",
            apis=1,
            workers=1,
            OUTBOX_RETRY_BASE_SECONDS="0.5",
            OUTBOX_SEND_TIMEOUT_SECONDS="2",
            OUTBOX_SEND_LEASE_SECONDS="5",
            OUTBOX_RELAY_LEASE_SECONDS="5",
        ) as running:
            client = httpx.AsyncClient(
                base_url=running.apis[0], headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            started = time.monotonic()
            now = lambda: time.monotonic() - started  # noqa: E731
            loader = asyncio.create_task(steady_load(client, providers, load, rate=rate, stop=stop, started=started))
            await asyncio.sleep(down)

            marks["pg_stop"] = now()
            await asyncio.to_thread(pg.stop)
            marks["pg_down"] = now()
            await asyncio.sleep(down)
            await asyncio.to_thread(pg.start)
            marks["pg_back"] = now()
            await asyncio.sleep(down)

            marks["redis_stop"] = now()
            await asyncio.to_thread(redis.stop)
            await asyncio.sleep(down)
            await asyncio.to_thread(redis.start)
            marks["redis_back"] = now()
            await asyncio.sleep(down)

            marks["smtp_4xx"] = now()
            inbox.refuse_with = "451 4.3.0 Try again later"
            await asyncio.sleep(down)
            marks["smtp_5xx"] = now()
            inbox.refuse_with = "554 5.7.1 Rejected"
            await asyncio.sleep(down)
            marks["smtp_hang"] = now()
            inbox.refuse_with = None
            inbox.hang_seconds = 10
            await asyncio.sleep(down)
            inbox.hang_seconds = 0
            marks["smtp_ok"] = now()
            smtp_ok_at = datetime.now(UTC)
            await asyncio.sleep(down)
            stop.set()
            await loader
            marks["load_end"] = now()
            await client.aclose()

            async def settled() -> dict:
                return dict(await scalar(db_url, "select status, count(*) from outbox_messages group by status"))

            deadline = time.monotonic() + settle
            counts = await settled()
            while counts.get("queued") and time.monotonic() < deadline:
                await asyncio.sleep(1)
                counts = await settled()
            worker_alive = all(p.poll() is None for p in running.workers)
    finally:
        stop.set()
        sink.stop()
        redis.stop()
    try:
        return await report(load, marks, db_url, inbox, counts, worker_alive, smtp_ok_at)
    finally:
        pg.remove()


async def report(
    load: Load, marks: dict, db_url: str, inbox: Inbox, counts: dict, worker_alive: bool, smtp_ok_at: datetime
) -> dict:
    stored = {str(r[0]) for r in await scalar(db_url, "select id from referrals")}
    missing = [i for i in load.created if i not in stored]
    after_back = [(t, s) for t, _, s, _ in load.answers if t >= marks["pg_back"]]
    first_ok = min((t for t, s in after_back if s < 500), default=None)
    last_fail = max((t for t, s in after_back if s >= 500 and t < marks["redis_stop"]), default=None)
    recovered_s = round((last_fail or first_ok or marks["pg_back"]) - marks["pg_back"], 2) if after_back else None
    five_hundreds = [(t, s, ra) for t, _, s, ra in load.answers if s >= 500]
    # Task descriptions are sealed, so a failed message is matched to its task by referral and recipient.
    failed = await scalar(
        db_url,
        """
        select count(*), (select count(*) from tasks t where t.type = 'outreach' and t.referral_id = m.referral_id
                          and t.provider_id = m.recipient_id)
        from outbox_messages m where m.status = 'failed' group by m.referral_id, m.recipient_id""",
    )
    failed_total = sum(n for n, _ in failed)
    failed_without_one_task = sum(n for n, tasks in failed if tasks != n)
    sent = {
        f"<{r[0]}@refloop.local>" for r in await scalar(db_url, "select id from outbox_messages where status = 'sent'")
    }
    late = await scalar(
        db_url,
        "select count(*) filter (where status = 'sent'), count(*) from outbox_messages where created_at >= :t",
        t=smtp_ok_at,
    )
    received = Counter(inbox.ids())
    figures = {
        "marks_s": {k: round(v, 2) for k, v in marks.items()},
        "requests": len(load.answers),
        "transport_errors": dict(load.errors),
        "answers_by_status": dict(Counter(s for _, _, s, _ in load.answers)),
        "while_pg_down": dict(window(load, marks["pg_down"], marks["pg_back"])),
        "pg_recovery_s": recovered_s,
        "five_xx_without_retry_after": sum(1 for _, s, ra in five_hundreds if s == 503 and not ra),
        "five_xx_other_than_503": sum(1 for _, s, _ in five_hundreds if s != 503),
        "while_redis_down": {
            k: dict(window(load, marks["redis_stop"], marks["redis_back"], k)) for k in ("create", "read")
        },
        "created_201": len(load.created),
        "rows_checked": len(load.created),
        "missing_rows": len(missing),
        "outbox": counts,
        "failed_messages": failed_total,
        "failed_without_exactly_one_task": failed_without_one_task,
        "sent_received": len(sent & set(received)),
        "sent_not_received": len(sent - set(received)),
        "repeats_same_id": sum(n - 1 for n in received.values() if n > 1),
        "created_after_smtp_restored": late[0][1],
        "of_which_sent": late[0][0],
        "worker_alive": worker_alive,
    }
    figures["ok"] = bool(
        not missing
        and figures["five_xx_other_than_503"] == 0
        and figures["five_xx_without_retry_after"] == 0
        and recovered_s is not None
        and recovered_s <= RECOVERY_LIMIT_S
        and worker_alive
        and not counts.get("queued")
        and failed_total > 0
        and failed_without_one_task == 0
        and not figures["sent_not_received"]
        and figures["while_pg_down"].get(503, 0) > 0
        and all(v.get(201, 0) + v.get(200, 0) > 0 for v in figures["while_redis_down"].values())
        and late[0][1] > 0
        and late[0][0] == late[0][1]
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20, help="requests per second (half creates, half reads)")
    parser.add_argument("--down", type=float, default=8, help="seconds each fault lasts (and each calm between)")
    parser.add_argument("--settle", type=float, default=90, help="seconds to wait for the outbox to drain at the end")
    args = parser.parse_args()
    figures = asyncio.run(run(rate=args.rate, down=args.down, settle=args.settle))
    print(json.dumps(figures, indent=2))
    sys.exit(0 if figures["ok"] else 1)


if __name__ == "__main__":
    main()
