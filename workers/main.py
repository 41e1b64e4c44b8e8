"""arq worker settings: `refloop worker` (or `python -m workers.main`)."""

import time
from collections.abc import Sequence

import structlog
from arq import cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function, get_kwargs

from api.logging import configure_logging
from domain.shared.settings import get_settings
from integrations import tracing
from workers import outbox_relay, telemetry
from workers.config import outbox_config
from workers.cron import daily_digests, referrer_check_ins, sla_sweep
from workers.jobs.analytics import compact_analytics_rollups, refresh_analytics_spreads
from workers.jobs.directory import rebuild_duplicate_queue, refresh_duplicate_queue
from workers.jobs.outreach import send_message
from workers.jobs.relationships import cooling_sweep, practice_reports, refresh_referrer_figures
from workers.resting import RestingWorker


@telemetry.observed
async def ping(ctx: dict) -> str:
    return "pong"


async def startup(ctx: dict) -> None:
    tracing.configure("refloop-worker")
    ctx["metrics_server"] = telemetry.serve_metrics()
    await outbox_relay.start(ctx)


async def shutdown(ctx: dict) -> None:
    await outbox_relay.stop(ctx)
    telemetry.stop_metrics(ctx.pop("metrics_server", None))
    tracing.shutdown()


class WorkerSettings:
    functions: Sequence[WorkerCoroutine | Function] = [
        ping,
        func(send_message, timeout=outbox_config().send_job_timeout_seconds),
    ]
    cron_jobs: Sequence[CronJob] | None = [
        cron(daily_digests, hour={17}, minute={0}, run_at_startup=False, unique=True),
        cron(referrer_check_ins, hour={14}, minute={0}, run_at_startup=False, unique=True),
        # Relationships: the figures snapshot every 15 minutes, cooling once a day (then the snapshot).
        cron(refresh_referrer_figures, minute={7, 22, 37, 52}, run_at_startup=False, unique=True, timeout=600),
        cron(cooling_sweep, hour={5}, minute={30}, run_at_startup=False, unique=True, timeout=600),
        # Hourly: the monthly practice reports go out from the month's first business day (idempotent).
        cron(practice_reports, minute={45}, run_at_startup=False, unique=True, timeout=600),
        # Directory: the duplicate queue's changed pairs every 5 minutes, every pair nightly.
        cron(refresh_duplicate_queue, minute=set(range(2, 60, 5)), run_at_startup=False, unique=True, timeout=600),
        cron(rebuild_duplicate_queue, hour={3}, minute={40}, run_at_startup=False, unique=True, timeout=1800),
        # Every minute: a breach is escalated within a minute of its due time.
        cron(sla_sweep, second={0}, run_at_startup=False, unique=True),
        # Every five minutes: the analytics rollups' deltas folded into one row per key.
        cron(compact_analytics_rollups, minute=set(range(4, 60, 5)), run_at_startup=False, unique=True, timeout=600),
        # Every minute: the spreads of days changed since, so the summary reads few days from the facts.
        cron(refresh_analytics_spreads, second={30}, run_at_startup=False, unique=True, timeout=600),
    ]
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis.url)
    queue_name = outbox_config().queue_name
    # arq's defaults poll every 0.5 s and cap throughput near 200 jobs/s (BENCH.md). This short
    # delay holds while jobs come; RestingWorker backs off when idle (workers/resting.py).
    poll_delay = 0.01
    max_jobs = outbox_config().max_jobs
    # Outcomes live in the outbox table; results in Redis would only cost writes.
    keep_result = 0


def create_worker(**overrides) -> RestingWorker:
    return RestingWorker(
        **{**get_kwargs(WorkerSettings), **overrides}, idle_poll_seconds=outbox_config().idle_poll_seconds
    )


def run(**overrides) -> None:
    """`refloop worker` and `python -m workers.main`: the resting worker, started again when it loses Redis
    (arq itself exits then). The outbox keeps every message meanwhile; the relay hands them out again."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    configure_logging(json=get_settings().log_json)
    log = structlog.get_logger()
    while True:
        try:
            create_worker(**overrides).run()
            return  # stopped by SIGINT or SIGTERM
        except (RedisConnectionError, RedisTimeout, OSError) as exc:
            log.warning("worker lost Redis; starting again", error=type(exc).__name__)
            time.sleep(1)


if __name__ == "__main__":
    run()
