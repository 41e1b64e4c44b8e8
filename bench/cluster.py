"""Several Refloop processes on one PostgreSQL and one Redis: API servers (uvicorn) and arq workers,
as a deployment behind a load balancer runs them. Used by the multi-process test and bench/faults.py."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.outreach_support import ROOT, start_worker, stop, worker_env
from integrations.email.sink import free_port


@dataclass
class Cluster:
    db_url: str
    apis: list[str] = field(default_factory=list)
    api_procs: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def start_api(env: dict[str, str], port: int) -> subprocess.Popen:
    log = open(os.environ["BENCH_API_LOG"], "ab") if os.environ.get("BENCH_API_LOG") else subprocess.DEVNULL
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(base: str, *, path: str = "/healthz", seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer {path} within {seconds} s")


@contextmanager
def cluster(
    *, db_url: str, redis_url: str, smtp_port: int, queue: str, apis: int = 2, workers: int = 2, **extra: str
) -> Iterator[Cluster]:
    """`apis` uvicorn servers and `workers` arq workers; everything is stopped on the way out."""
    env = worker_env(db_url, redis_url, smtp_port, queue, DATABASE_POOL_SIZE="10", DATABASE_MAX_OVERFLOW="5", **extra)
    running = Cluster(db_url=db_url, env=env)
    try:
        for _ in range(apis):
            port = free_port()
            running.api_procs.append(start_api(env, port))
            running.apis.append(f"http://127.0.0.1:{port}")
        for _ in range(workers):
            running.workers.append(start_worker(env))
        for base in running.apis:
            wait_ready(base)
        yield running
    finally:
        for proc in running.api_procs + running.workers:
            stop(proc)


def staff_token(db_url: str, role: str = "admin") -> str:
    """A committed staff user of this role and an access token for it (signed with the processes' key)."""
    from domain.identity.tokens import issue

    user_id = uuid.uuid4()
    engine = create_engine(make_url(db_url).set(drivername="postgresql+psycopg2"))
    with engine.begin() as conn:
        conn.execute(
            text("insert into users (id, email, full_name, role, active) values (:id, :email, 'Cluster', :role, true)"),
            {"id": user_id, "email": f"cluster-{user_id.hex[:12]}@clinic.test", "role": role},
        )
    engine.dispose()
    token, _ = issue(
        subject=str(user_id), kind="user", lifetime=timedelta(hours=2), role=role, session_id=str(uuid.uuid4())
    )
    return token
