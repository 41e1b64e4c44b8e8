"""Start and stop the servers under test (the app and the bare ceiling), and log the bench user in."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/refloop_bench"
BENCH_EMAIL = "bench@bench.refloop.local"
BENCH_PASSWORD = "bench-only-password-not-a-secret-42"


def bench_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def stop(self) -> None:
        """SIGTERM to the uvicorn parent (it stops its workers), SIGKILL to the group we started if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        # whatever of the group we started is still there (a worker, a stuck parent) goes too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        # One login per server start must outlast every run against it.
        "SECURITY_ACCESS_TOKEN_MINUTES": "180",
        # Production's log format (one JSON access line per request), not the coloured console one.
        "REFLOOP_LOG_JSON": os.environ.get("REFLOOP_LOG_JSON", "true"),
        "PYTHONPATH": str(ROOT),
    }


def start(name: str, *, workers: int, results: Path) -> Server:
    target = ["api.main:create_app", "--factory"] if name == "app" else ["bench.bare:app"]
    port = free_port()
    log_path = results / f"server-{name}.log"
    log = open(log_path, "ab")
    if os.environ.get("BENCH_SHARED_SOCKET"):
        # Before bench/spread.py: uvicorn's workers sharing one socket (to compare with older figures).
        launcher = ["uvicorn", *target, "--no-access-log", "--log-level", "warning"]
    else:
        launcher = ["bench.spread", *target]
    process = subprocess.Popen(
        [sys.executable, "-m", *launcher, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=server_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(name, process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server exited with {process.returncode}; see {log_path}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                # Every worker has to be up, not just the first one to answer.
                time.sleep(1.5)
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"{name} server did not answer /healthz within 240 s; see {log_path}")


def needs_auth(server: Server) -> bool:
    return httpx.get(f"{server.base_url}/v1/referrals", params={"limit": 1}, timeout=30).status_code == 401


async def ensure_bench_user() -> None:
    """An admin in the benchmark database, written through the identity models (so new columns get their defaults)."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    import domain.models  # noqa: F401  (every table on the metadata: users point at organizations)
    from domain.identity.enums import Role
    from domain.identity.models import User
    from domain.identity.passwords import hash_password

    engine = create_async_engine(bench_database_url().replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with AsyncSession(engine) as session, session.begin():
            user = (await session.execute(select(User).where(User.email == BENCH_EMAIL))).scalar_one_or_none()
            if user is None:
                session.add(
                    User(
                        email=BENCH_EMAIL,
                        full_name="Benchmark",
                        role=Role.admin,
                        password_hash=hash_password(BENCH_PASSWORD),
                        active=True,
                    )
                )
            else:
                user.password_hash, user.active, user.role = hash_password(BENCH_PASSWORD), True, Role.admin
    finally:
        await engine.dispose()


def login(server: Server) -> str:
    response = httpx.post(
        f"{server.base_url}/v1/auth/token", data={"username": BENCH_EMAIL, "password": BENCH_PASSWORD}, timeout=30
    )
    if response.status_code != 200:
        raise RuntimeError(f"bench login failed: {response.status_code} {response.text[:300]}")
    return response.json()["access_token"]
