"""Demo data with imported history: cooling, trends and ROI have something to show on first start."""

import os
import time

from sqlalchemy import func, select, text

from domain.relationships.models import CoolingEpisode, ReferrerFigures, Touchpoint
from domain.tasks.models import Task
from seed.demo import load_demo
from tests import scratch_db
from tests.test_seed import NOW, _inconsistencies, _query


async def _facts(session) -> dict:
    liaison = (await session.execute(text("select id from users where email = 'liaison@refloop.local'"))).scalar_one()
    episodes = (await session.execute(select(CoolingEpisode).where(CoolingEpisode.closed_on.is_(None)))).scalars().all()
    tasks = [await session.get(Task, e.task_id) for e in episodes]
    return {
        "oldest": (await session.execute(text("select min(received_at) from referrals"))).scalar_one(),
        "imported": (
            await session.execute(text("select count(*) from referrals where source_system = 'import'"))
        ).scalar_one(),
        "liaison_alerts": sum(t.assignee_id == liaison for t in tasks),
        "segments": set((await session.execute(select(ReferrerFigures.segment))).scalars()),
        "tiers": set((await session.execute(select(ReferrerFigures.tier))).scalars()),
        "touchpoints": (await session.execute(select(func.count()).select_from(Touchpoint))).scalar_one(),
    }


def test_demo_history_comes_in_through_the_import_and_keeps_the_invariants():
    name = f"refloop_test_seed_history_{os.getpid()}"
    url = scratch_db.create_migrated(name)
    try:
        started = time.monotonic()
        counts = load_demo(url, seed=7, referrals=300, now=NOW, history_years=2)
        print(f"\ndemo with history: {time.monotonic() - started:.1f} s, {counts}")
        facts = _query(url, _facts)
        assert counts["history referrals"] == facts["imported"] >= 2 * 300
        assert (NOW - facts["oldest"]).days >= 3 * 365 - 7
        assert facts["liaison_alerts"] >= 1  # the demo liaison has a cooling referrer to open
        assert {"loyal", "occasional"} <= facts["segments"] and len(facts["tiers"] - {None}) >= 3
        assert facts["touchpoints"] > 0
        found = _query(url, _inconsistencies)
        assert found == dict.fromkeys(found, 0)
    finally:
        scratch_db.drop(name)
