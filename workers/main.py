"""arq worker settings: `refloop worker` (or `arq workers.main.WorkerSettings`)."""

from arq.connections import RedisSettings

from domain.shared.settings import get_settings


async def ping(ctx: dict) -> str:
    return "pong"


class WorkerSettings:
    functions = [ping]
    redis_settings = RedisSettings.from_dsn(get_settings().redis.url)
    # arq's defaults poll every 0.5 s and cap throughput near 200 jobs/s (BENCH.md).
    poll_delay = 0.01
    max_jobs = 100
