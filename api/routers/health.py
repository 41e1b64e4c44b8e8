import asyncio

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from sqlalchemy import func, select, text

from api.deps import Session
from api.metrics import OUTBOX_DUE, OUTBOX_OLDEST_AGE, OUTBOX_SCHEDULED, REFERRALS_BY_STATUS, registry
from domain.outreach import delivery
from domain.referrals.models import Referral
from domain.shared.db import get_engine
from domain.shared.settings import get_settings

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database_ok() -> bool:
    try:
        async with get_engine().connect() as connection:
            await connection.execute(text("select 1"))
        return True
    except Exception:
        return False


async def _redis_ok() -> bool:
    client = Redis.from_url(get_settings().redis.url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


@router.get("/readyz", summary="PostgreSQL and Redis are reachable", responses={503: {"description": "Not ready"}})
async def readyz(response: Response) -> dict[str, str]:
    database, redis = await asyncio.gather(_database_ok(), _redis_ok())
    if not (database and redis):
        response.status_code = 503
    return {"database": "ok" if database else "unreachable", "redis": "ok" if redis else "unreachable"}


_outbox_channels: set[str] = set()


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(session: Session) -> Response:
    rows = await session.execute(select(Referral.status, func.count()).group_by(Referral.status))
    for status, count in rows:
        REFERRALS_BY_STATUS.labels(status).set(count)
    backlog = {line.channel: line for line in await delivery.backlog(session)}
    # A channel whose queue has emptied reads 0, not the last figure it had.
    _outbox_channels.update(backlog)
    for channel in _outbox_channels:
        line = backlog.get(channel) or delivery.Backlog(channel, 0, 0, 0.0)
        OUTBOX_DUE.labels(channel).set(line.due)
        OUTBOX_SCHEDULED.labels(channel).set(line.scheduled)
        OUTBOX_OLDEST_AGE.labels(channel).set(line.oldest_due_age_seconds)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
