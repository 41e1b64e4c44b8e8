"""`refloop create-user` and `refloop create-api-key` against the test database (real commits, cleaned up)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def _refloop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_create_user_and_api_key_from_the_command_line():
    engine = create_engine(make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg2"))
    email = f"cli-{uuid.uuid4().hex[:8]}@clinic.example"
    org_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text("insert into organizations (id, name, kind) values (:id, 'CLI partner', 'practice')"), {"id": org_id}
        )
    try:
        made = _refloop("create-user", "--email", email, "--password", "a long enough secret", "--role", "intake")
        assert made.returncode == 0, made.stderr
        short = _refloop("create-user", "--email", "x@y.example", "--password", "short", "--role", "intake")
        assert short.returncode == 2 and "--password" in short.stderr
        key = _refloop(
            "create-api-key", "--organization-id", str(org_id), "--name", "portal", "--scopes", "referrals:read"
        )
        assert key.returncode == 0, key.stderr
        secret = key.stdout.strip().splitlines()[-1]
        assert secret.startswith("rfk_")
        with engine.connect() as conn:
            role, hashed = conn.execute(
                text("select role, password_hash from users where email = :e"), {"e": email}
            ).one()
            scopes, stored = conn.execute(
                text("select scopes, secret_hash from api_keys where organization_id = :o"), {"o": org_id}
            ).one()
        assert role == "intake" and hashed.startswith("$argon2")
        assert scopes == ["referrals:read"] and secret not in stored
        with engine.connect() as conn:
            audited = conn.execute(
                text(
                    "select action, actor_kind, outcome from audit_events where actor like 'cli:%' "
                    "and action in ('user.create', 'api_key.create') and detail->>'operation' like 'cli-%'"
                )
            ).all()
        assert {(a, k, o) for a, k, o in audited} >= {
            ("user.create", "cli", "success"),
            ("api_key.create", "cli", "success"),
        }
    finally:
        with engine.begin() as conn:
            conn.execute(text("delete from api_keys where organization_id = :o"), {"o": org_id})
            conn.execute(text("delete from organizations where id = :o"), {"o": org_id})
            conn.execute(text("delete from users where email = :e"), {"e": email})
        engine.dispose()
