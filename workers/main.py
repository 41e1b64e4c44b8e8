"""arq worker settings: `refloop worker` (or `arq workers.main.WorkerSettings`)."""

from arq import cron, func
from arq.connections import RedisSettings

from domain.shared.settings import get_settings
from workers import outbox_relay
from workers.config import outbox_config
from workers.cron import daily_digests, referrer_check_ins
from workers.jobs.outreach import send_message
from workers.jobs.relationships import cooling_sweep, refresh_referrer_figures


async def ping(ctx: dict) -> str:
    return "pong"


async def startup(ctx: dict) -> None:
    await outbox_relay.start(ctx)


async def shutdown(ctx: dict) -> None:
    await outbox_relay.stop(ctx)


class WorkerSettings:
    functions = [ping, func(send_message, timeout=outbox_config().send_timeout_seconds + 10)]
    cron_jobs = [
        cron(daily_digests, hour={17}, minute={0}, run_at_startup=False, unique=True),
        cron(referrer_check_ins, hour={14}, minute={0}, run_at_startup=False, unique=True),
        # Relationships: the figures snapshot every 15 minutes, cooling once a day (then the snapshot).
        cron(refresh_referrer_figures, minute={7, 22, 37, 52}, run_at_startup=False, unique=True, timeout=600),
        cron(cooling_sweep, hour={5}, minute={30}, run_at_startup=False, unique=True, timeout=600),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis.url)
    queue_name = outbox_config().queue_name
    # arq's defaults poll every 0.5 s and cap throughput near 200 jobs/s (BENCH.md).
    poll_delay = 0.01
    max_jobs = outbox_config().max_jobs
    # Outcomes live in the outbox table; results in Redis would only cost writes.
    keep_result = 0
