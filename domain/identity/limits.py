"""Counters that must outlive a rolled-back request, kept in Redis.

Failed logins raise, so the request's transaction rolls back; a counter in
PostgreSQL would need its own transaction per attempt. Redis gives atomic
INCR with expiry (windows decay by themselves) and keeps the login path off
row locks. Losing Redis resets the counters, which only lifts a temporary lock.

While Redis is unreachable, the checks that guard every request (revocation markers, the partner
rate limit, login pacing) let the request through and log it, so intake and reads go on; what
must not be skipped (a SMART assertion's jti seen once, recording a revocation) fails with 503.
"""

import hashlib
import time
from collections.abc import Awaitable, Callable
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar, cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout

from domain.identity import revocations
from domain.identity.errors import AccountLocked, RateLimited, TooManyAttempts
from domain.shared.settings import get_settings

PREFIX = "refloop:"
# Per account: after SLOW_AFTER failures each try must wait (doubling, capped);
# after LOCK_AFTER failures within the window the account is locked for LOCK_SECONDS.
FAILURE_WINDOW_SECONDS = 15 * 60
SLOW_AFTER = 5
LOCK_AFTER = 10
LOCK_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 60


P = ParamSpec("P")
R = TypeVar("R")
log = structlog.get_logger()
REDIS_DOWN = (RedisConnectionError, RedisTimeout)


def open_without_redis(default: R) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """A check that answers `default` (lets the request through) when Redis cannot be reached."""

    def wrap(check: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @wraps(check)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await check(*args, **kwargs)
            except REDIS_DOWN as exc:
                log.warning("redis unreachable, check skipped", check=check.__name__, error=type(exc).__name__)
                return default

        return guarded

    return wrap


@lru_cache
def redis() -> Redis:
    # cast: redis-py leaves from_url unannotated.
    return cast(Redis, Redis.from_url(get_settings().redis.url, socket_timeout=2, socket_connect_timeout=2))


def _account(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]


@open_without_redis(None)
async def check_login_allowed(email: str) -> None:
    account = _account(email)
    pipe = redis().pipeline(transaction=False)
    pipe.ttl(f"{PREFIX}login:lock:{account}")
    pipe.ttl(f"{PREFIX}login:wait:{account}")
    lock_ttl, wait_ttl = await pipe.execute()
    if lock_ttl and lock_ttl > 0:
        raise AccountLocked(
            f"Too many failed logins: this account is locked for {lock_ttl // 60 + 1} more minute(s). "
            "An administrator can also unlock it.",
            retry_after=lock_ttl,
        )
    if wait_ttl and wait_ttl > 0:
        raise TooManyAttempts(
            f"Too many failed logins for this account; wait {wait_ttl} second(s) before trying again.",
            retry_after=wait_ttl,
        )


async def locked(emails: list[str]) -> set[str]:
    """Which of these accounts a run of failed logins has locked right now."""
    if not emails:
        return set()
    values = await redis().mget([f"{PREFIX}login:lock:{_account(e)}" for e in emails])
    return {email for email, value in zip(emails, values, strict=False) if value is not None}


@open_without_redis(None)
async def record_login_failure(email: str) -> None:
    account = _account(email)
    key = f"{PREFIX}login:fail:{account}"
    pipe = redis().pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, FAILURE_WINDOW_SECONDS, nx=True)
    failures, _ = await pipe.execute()
    if failures >= LOCK_AFTER:
        await redis().set(f"{PREFIX}login:lock:{account}", "1", ex=LOCK_SECONDS)
        await redis().delete(key)
    elif failures >= SLOW_AFTER:
        delay = min(MAX_DELAY_SECONDS, 2 ** (failures - SLOW_AFTER + 1))
        await redis().set(f"{PREFIX}login:wait:{account}", "1", ex=delay)


@open_without_redis(None)
async def clear_login_failures(email: str) -> None:
    account = _account(email)
    await redis().delete(
        f"{PREFIX}login:fail:{account}", f"{PREFIX}login:wait:{account}", f"{PREFIX}login:lock:{account}"
    )


@open_without_redis(None)
async def rate_limit(bucket: str, *, limit: int, window_seconds: int) -> None:
    """Fixed-window limit: at most `limit` calls per window for this bucket, else 429 with Retry-After."""
    window = int(time.time()) // window_seconds
    key = f"{PREFIX}rate:{bucket}:{window}"
    pipe = redis().pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, window_seconds + 1)
    count, _ = await pipe.execute()
    if count > limit:
        retry_after = window_seconds - int(time.time()) % window_seconds
        raise RateLimited(
            f"More than {limit} requests in {window_seconds} s for this key; slow down.", retry_after=retry_after
        )


async def claim_once(namespace: str, value: str, *, ttl_seconds: int) -> bool:
    """True the first time `value` is seen in `namespace` (kept until `ttl_seconds` pass)."""
    return bool(await redis().set(f"{PREFIX}{namespace}:{value}", "1", ex=max(1, ttl_seconds), nx=True))


async def revoke_marker(name: str, *, ttl_seconds: int) -> None:
    await redis().set(f"{PREFIX}revoked:{name}", "1", ex=max(1, ttl_seconds))
    await _announce(name)


@open_without_redis(False)
async def any_revoked(*names: str) -> bool:
    """Answered from the per-process cache while its invalidation channel is live (revocations.py)."""
    revocations.cache.ensure_listening(get_settings().redis.url)
    cached = revocations.cache.lookup(names)
    if cached is not None:
        return cached
    values = await revocations.cache.ask(names, _read_markers)
    return any(v is not None for v in values)


async def _read_markers(names: tuple[str, ...]) -> list[object]:
    return cast(list[object], await redis().mget([f"{PREFIX}revoked:{name}" for name in names]))


async def clear_marker(name: str) -> None:
    await redis().delete(f"{PREFIX}revoked:{name}")
    await _announce(name)


async def _announce(name: str) -> None:
    # This process forgets at once; the others when the message reaches them.
    revocations.cache.drop(name)
    await redis().publish(revocations.CHANNEL, name)
