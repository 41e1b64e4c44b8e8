"""What `refloop run` does around the API and the worker: find or start PostgreSQL and
Redis, prepare the database, and keep the two processes running until told to stop."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api import embedded
from domain.shared.settings import DatabaseSettings, RedisSettings, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATABASE = "refloop"
STOP_GRACE_SECONDS = 15.0


def resolve_database(data_dir: Path) -> str:
    """DATABASE_URL when set (environment or .env), else the embedded server keeping its
    data under `data_dir`, with the database `refloop` on it."""
    database = DatabaseSettings()
    if "url" in database.model_fields_set:
        return database.url
    server = make_url(normalise_database_url(embedded.start_postgres(data_dir)))
    return server.set(database=EMBEDDED_DATABASE).render_as_string(hide_password=False)


def resolve_redis(data_dir: Path) -> str:
    """REDIS_URL when set (environment or .env), else an embedded server under `data_dir`."""
    redis = RedisSettings()
    return redis.url if "url" in redis.model_fields_set else embedded.start_redis(data_dir)


def mail_catcher_port() -> int | None:
    """A free port for the development mail catcher, or None when mail has somewhere real to go
    (an SMTP host configured) or this is not a development install."""
    from domain.shared.settings import Settings, SmtpSettings

    if Settings().environment != "development" or "host" in SmtpSettings().model_fields_set:
        return None
    from integrations.email.sink import free_port

    return free_port()


def ensure_database(url: str) -> bool:
    """Create the database named in `url` when the server lacks it. True when created."""
    return asyncio.run(_ensure_database(normalise_database_url(url)))


async def _ensure_database(url: str) -> bool:
    target = make_url(url)
    name = target.database or "postgres"
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            found = await connection.scalar(text("select 1 from pg_database where datname = :n"), {"n": name})
            if found:
                return False
            quoted = name.replace('"', '""')
            await connection.execute(text(f'CREATE DATABASE "{quoted}"'))
            return True
    finally:
        await admin.dispose()


def alembic_config(url: str):
    from alembic.config import Config

    # A checkout has alembic.ini beside api/; an image runs from the directory holding it.
    candidates = [Path.cwd() / "alembic.ini", ROOT / "alembic.ini"]
    ini = next((path for path in candidates if path.exists()), candidates[-1])
    config = Config(str(ini))
    config.set_main_option("sqlalchemy.url", normalise_database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def has_referrals(url: str) -> bool:
    async def check() -> bool:
        engine = create_async_engine(normalise_database_url(url))
        try:
            async with engine.connect() as connection:
                return bool(await connection.scalar(text("select exists (select 1 from referrals)")))
        finally:
            await engine.dispose()

    return asyncio.run(check())


def child_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *args]


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor dies without stopping us (kill -9)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def supervise(commands: dict[str, list[str]], *, env: dict[str, str]) -> int:
    """Run the commands side by side until SIGINT/SIGTERM or until one of them exits,
    then stop all of them. 0 when stopped on request, else 1."""
    requested: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        requested.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            # Their own process group: a Ctrl-C reaches the supervisor only, which stops them once.
            children[name] = subprocess.Popen(
                command, env=env, cwd=os.getcwd(), process_group=0, preexec_fn=_die_with_parent
            )
        while not requested and all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
    finally:
        stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    crashed = [name for name, child in children.items() if child.returncode not in (0, -signal.SIGTERM)]
    if requested:
        return 0
    print(f"refloop: {', '.join(crashed) or 'a process'} stopped unexpectedly; stopping the rest", file=sys.stderr)
    return 1


def stop_children(children: dict[str, subprocess.Popen]) -> None:
    """SIGTERM (a graceful stop for uvicorn and arq), then SIGKILL after the grace period.
    Not SIGINT: a process started in the background inherits SIGINT ignored, and arq then
    never sees it."""
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def reindex(url: str, *, only_missing: bool = True, batch_size: int = 500) -> int:
    """Fill the referral search indexes (domain/referrals/reindex.py); the number of rows written."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from domain.referrals.reindex import reindex_batch

    async def run() -> int:
        engine = create_async_engine(normalise_database_url(url))
        total, after = 0, None
        try:
            while True:
                async with async_sessionmaker(engine)() as session, session.begin():
                    done, after = await reindex_batch(
                        session, after=after, batch_size=batch_size, only_missing=only_missing
                    )
                total += done
                if after is None:
                    return total
        finally:
            await engine.dispose()

    return asyncio.run(run())
