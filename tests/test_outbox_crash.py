"""A worker killed with SIGKILL mid-batch loses nothing; a repeat carries the same Message-ID.

The full-size run (1,000 messages, 8 kills) is `python -m bench.outreach_crash`; this is the
same procedure, smaller, so it fits in the suite.
"""

import subprocess
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.outreach_crash import run
from bench.outreach_support import ROOT, fresh_database
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL


async def test_killed_worker_loses_no_message_and_repeats_keep_their_id():
    # Named after this run's test database: parallel suite runs must not share workers or rows.
    name = TEST_DATABASE_URL.rsplit("/", 1)[-1] + "_crash"
    result = await run(messages=150, kills=3, seconds=90, redis_url=TEST_REDIS_URL, seed=5, name=name)
    assert len(result["kills_at_s"]) == 3
    assert result["outbox"] == {"sent": 150}
    assert result["missing"] == 0 and result["unexpected"] == 0, result
    assert result["distinct_ids"] == 150
    # The only repeats possible are sends cut between the server's "250" and our record of it.
    assert result["received"] == 150 + result["repeats"]


async def test_the_benches_batch_queues_in_a_process_of_its_own():
    # `python -m bench.outreach_crash` and bench/outreach_cpu.py queue their batch in a fresh interpreter,
    # where only what the bench imports is on the metadata (the suite's process has every table).
    name = TEST_DATABASE_URL.rsplit("/", 1)[-1] + "_batch"
    url = await fresh_database(name)
    script = f"import asyncio; from bench.outreach_support import queue_batch; asyncio.run(queue_batch({url!r}, 5))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            queued = (await connection.execute(text("SELECT count(*) FROM outbox_messages"))).scalar_one()
    finally:
        await engine.dispose()
    assert queued == 5
