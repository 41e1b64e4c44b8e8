"""Faults under load, smaller than `python -m bench.faults` (same procedure, shorter outages):
PostgreSQL restarted, Redis stopped and started, the SMTP server answering 4xx, 5xx and hanging."""

import shutil

import pytest

from bench.faults import RECOVERY_LIMIT_S, run

pytestmark = pytest.mark.skipif(
    not (shutil.which("pg_ctl") and shutil.which("initdb") and shutil.which("redis-server")),
    reason="needs PostgreSQL's server binaries and redis-server",
)


async def test_outages_answer_503_then_recover_and_lose_nothing():
    figures = await run(rate=8, down=4, settle=90)
    # PostgreSQL down: 503 with Retry-After, nothing else; back within the limit without a restart.
    assert figures["while_pg_down"].get(503, 0) > 0, figures
    assert figures["five_xx_other_than_503"] == 0 and figures["five_xx_without_retry_after"] == 0, figures
    assert figures["pg_recovery_s"] is not None and figures["pg_recovery_s"] <= RECOVERY_LIMIT_S, figures
    # Every 201 answered is a row.
    assert figures["created_201"] > 0 and figures["missing_rows"] == 0, figures
    # Redis down: creates and reads still answered.
    assert all(v.get(201, 0) + v.get(200, 0) > 0 for v in figures["while_redis_down"].values()), figures
    # SMTP refusing and hanging: nothing left queued, each failure has one task, later mail goes out.
    assert not figures["outbox"].get("queued") and figures["failed_messages"] > 0, figures
    assert figures["failed_without_exactly_one_task"] == 0 and figures["sent_not_received"] == 0, figures
    assert figures["created_after_smtp_restored"] == figures["of_which_sent"] > 0, figures
    assert figures["worker_alive"] and figures["ok"], figures
