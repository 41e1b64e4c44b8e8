"""A worker killed with SIGKILL mid-batch loses nothing; a repeat carries the same Message-ID.

The full-size run (1,000 messages, 8 kills) is `python -m bench.outreach_crash`; this is the
same procedure, smaller, so it fits in the suite.
"""

from bench.outreach_crash import run
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
