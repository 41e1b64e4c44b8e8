"""Lookups on the session's asyncpg connection: a lock lands in the caller's transaction, a plain read opens none."""

import uuid

from domain.referrals.duplicate_repository import DuplicateRepository
from domain.shared.db import driver_connection, get_sessionmaker

_TRY_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 7))"


async def test_a_patient_lock_is_held_until_the_intake_commits_even_as_its_first_statement():
    key = f"driver-connection-{uuid.uuid4()}"
    async with get_sessionmaker()() as intake, get_sessionmaker()() as other:
        await DuplicateRepository(intake).lock_patient([key])
        watcher = await driver_connection(other)
        held = not await watcher.fetchval(_TRY_LOCK, f"referral-patient:{key}")
        await other.rollback()
        await intake.commit()
        watcher = await driver_connection(other)
        free_after_commit = await watcher.fetchval(_TRY_LOCK, f"referral-patient:{key}")
        await other.rollback()
    assert (held, free_after_commit) == (True, True)


async def test_a_plain_read_sees_committed_rows_without_opening_a_transaction():
    async with get_sessionmaker()() as session:
        driver = await driver_connection(session, read=True)
        answer = await driver.fetchval("SELECT 41 + 1")
        opened = driver.is_in_transaction()
        await session.rollback()
    assert (answer, opened) == (42, False)
