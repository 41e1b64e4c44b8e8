"""A real uvicorn against the test database, for tests about concurrency.

Rows it commits are real, so the fixture empties the tables it touched afterwards.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def truncate_all(database_url: str) -> None:
    sync_url = make_url(database_url).set(drivername="postgresql+psycopg2")
    engine = create_engine(sync_url)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    # audit_events is append-only (the database refuses TRUNCATE); its rows carry no foreign keys.
                    # nucc_taxonomy_codes is reference data its migration fills: emptied, every code reads unknown.
                    "select tablename from pg_tables where schemaname = 'public'"
                    " and tablename not in ('alembic_version', 'audit_events', 'nucc_taxonomy_codes')"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            conn.execute(text("truncate " + ", ".join(f'"{t}"' for t in tables) + " cascade"))
    engine.dispose()


@contextmanager
def running_server() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ}
    proc = subprocess.Popen(
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
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("uvicorn did not start within 90 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        truncate_all(os.environ["DATABASE_URL"])


@pytest.fixture
def live_server() -> Iterator[str]:
    with running_server() as base:
        yield base


def staff_headers(role: str = "admin") -> dict[str, str]:
    """Authorization for a live server: a committed user of this role (removed by the server's cleanup)."""
    import uuid
    from datetime import timedelta

    from domain.identity.tokens import issue

    user_id = uuid.uuid4()
    sync_url = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg2")
    engine = create_engine(sync_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into users (id, email, full_name, role, active) values (:id, :email, 'Live Test', :role, true)"
            ),
            {"id": user_id, "email": f"live-{user_id.hex[:12]}@clinic.test", "role": role},
        )
    engine.dispose()
    token, _ = issue(
        subject=str(user_id), kind="user", lifetime=timedelta(minutes=15), role=role, session_id=str(uuid.uuid4())
    )
    return {"Authorization": f"Bearer {token}"}
