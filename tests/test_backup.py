"""`refloop backup` and `refloop restore`, as an operator runs them: the restored database answers with the
same referral and its patient block reads back; the dump holds neither the keys nor a readable patient name."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from domain.referrals import service as referrals
from domain.referrals.models import Referral
from domain.referrals.schemas import ReferralCreate
from domain.shared.db import unit_of_work
from domain.shared.settings import get_settings
from tests.conftest import TEST_DATABASE_URL
from tests.factories import referral_payload

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not all(map(__import__("shutil").which, ("pg_dump", "pg_restore", "psql"))),
    reason="needs the PostgreSQL client tools",
)


def refloop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": TEST_DATABASE_URL},
        timeout=300,
    )


@pytest.fixture
async def restored_url(connection_engine):
    name = f"refloop_restore_{uuid.uuid4().hex[:8]}"
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    async with connection_engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.usefixtures("committed")
async def test_a_restored_backup_reads_a_referrals_patient_back(tmp_path, restored_url):
    async with unit_of_work() as session:
        payload = referral_payload(
            patient={
                "given_name": "Hedwig",
                "family_name": "Quarantotto",
                "birth_date": "1961-02-03",
                "mrn": "MRN-BACKUP-1",
            }
        )
        created = (
            await referrals.create_referral(session, data=ReferralCreate.model_validate(payload), actor="test")
        ).referral

    dump = tmp_path / "refloop.dump"
    made = refloop("backup", str(dump))
    assert made.returncode == 0, made.stderr
    content = dump.read_bytes()
    assert b"Quarantotto" not in content  # sealed, not in plain text
    for secret in (get_settings().security.encryption_keys.split(":", 1)[1], get_settings().security.blind_index_key):
        assert secret.encode() not in content

    loaded = refloop("restore", str(dump), "--database-url", restored_url)
    assert loaded.returncode == 0, loaded.stderr
    engine = create_async_engine(restored_url)
    try:
        async with AsyncSession(engine) as session:
            referral = await session.get(Referral, created.id)
            assert referral is not None and referral.status == created.status
            assert referral.patient["family_name"] == "Quarantotto" and referral.patient["mrn"] == "MRN-BACKUP-1"
    finally:
        await engine.dispose()

    again = refloop("restore", str(dump), "--database-url", restored_url)
    assert again.returncode == 1 and "already holds" in again.stderr  # nothing present is overwritten


def test_restoring_a_missing_file_says_so(tmp_path):
    result = refloop("restore", str(tmp_path / "nothing.dump"), "--database-url", TEST_DATABASE_URL)
    assert result.returncode == 1 and "No backup file" in result.stderr
