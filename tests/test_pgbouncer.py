"""Behind PgBouncer in transaction mode, DATABASE_STATEMENT_CACHE_SIZE=0 is what keeps queries working.

A real PgBouncer (when installed) in front of the test server, two server connections shared by ten
clients: with asyncpg's default cache, numbered prepared statements collide between clients; with the
cache off and unique names, none does. docs/operations.md relies on this."""

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.embedded import free_port
from domain.shared import db
from domain.shared.settings import DatabaseSettings

PGBOUNCER = shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if Path(p).exists()), None)
pytestmark = pytest.mark.skipif(PGBOUNCER is None, reason="pgbouncer is not installed")


@pytest.fixture(scope="module")
def pgbouncer_url():
    server = make_url(os.environ["DATABASE_URL"])
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="refloop-pgbouncer-"))
    (workdir / "users.txt").write_text(f'"{server.username}" "{server.password or ""}"\n')
    (workdir / "pgbouncer.ini").write_text(f"""\
[databases]
* = host={server.host or "127.0.0.1"} port={server.port or 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir}/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
logfile = {workdir}/pgbouncer.log
""")
    command = [PGBOUNCER, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        user = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(workdir, user)
        for path in workdir.iterdir():
            shutil.chown(path, user)
        command[1:1] = ["-u", user]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process, workdir)
        yield server.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _wait_for_port(port: int, process: subprocess.Popen, workdir: Path) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = workdir / "pgbouncer.log"
            pytest.fail(f"pgbouncer exited: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("pgbouncer did not listen within 10 s")


async def _errors_through(url: str, statement_cache_size: int) -> list[str]:
    settings = DatabaseSettings(url=url, statement_cache_size=statement_cache_size, pool_size=10, max_overflow=0)
    engine = db._engine(settings.url, settings)
    errors: list[str] = []

    async def client(n: int) -> None:
        for i in range(20):
            try:
                async with engine.begin() as connection:
                    await connection.execute(
                        text("select count(*) from referrals where status = :s"), {"s": "received"}
                    )
                    await connection.execute(text("select cast(:n as int) + 1"), {"n": n * 100 + i})
            except Exception as exc:
                errors.append(str(exc).splitlines()[0])

    try:
        await asyncio.gather(*(client(n) for n in range(10)))
    finally:
        await engine.dispose()
    return errors


async def test_statement_cache_off_works_through_pgbouncer_in_transaction_mode(pgbouncer_url) -> None:
    assert await _errors_through(pgbouncer_url, 0) == []
