"""A read's audit trail commits without waiting for the WAL flush; anything that writes more still waits."""

import uuid

from sqlalchemy import text

from domain.audit import trail as audit
from domain.shared.db import get_sessionmaker
from domain.tasks.models import Task


async def _written(session, *, touch: bool) -> tuple[str, int]:
    trail = audit.Trail(actor="user:test", actor_kind="user", request_id=uuid.uuid4().hex)
    session.info[audit.TRAIL_KEY] = trail
    audit.note(session, "referral.read", "referral", uuid.uuid4())
    if touch:
        session.add(Task(type="follow_up", title="write alongside the read"))
    await audit.write(session, trail, outcome="success", status=200)
    setting = (await session.execute(text("SHOW synchronous_commit"))).scalar_one()
    rows = (
        await session.execute(text("SELECT count(*) FROM audit_events WHERE request_id = :r"), {"r": trail.request_id})
    ).scalar_one()
    return setting, rows


async def test_a_read_only_trail_commits_asynchronously_and_is_still_written():
    async with get_sessionmaker()() as session:
        setting, rows = await _written(session, touch=False)
        await session.rollback()
    assert (setting, rows) == ("off", 1)


async def test_a_unit_that_writes_anything_else_keeps_the_synchronous_commit():
    async with get_sessionmaker()() as session:
        setting, rows = await _written(session, touch=True)
        await session.rollback()
    assert (setting, rows) == ("on", 1)
