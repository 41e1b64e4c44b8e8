"""Revocation state is cached per process, yet a revocation made by another process takes effect at once:
it is published, and every process drops the cached answer when the message arrives."""

import asyncio
import time

from redis.asyncio import Redis

from domain.identity import limits, revocations
from tests.conftest import TEST_REDIS_URL


async def _status_within(client, seconds: float, wanted: int) -> tuple[int, float]:
    started = time.perf_counter()
    status = 0
    while time.perf_counter() - started < seconds:
        status = (await client.get("/v1/referrals", params={"limit": 1})).status_code
        if status == wanted:
            break
        await asyncio.sleep(0.01)
    return status, time.perf_counter() - started


async def test_a_user_revoked_by_another_process_is_refused_within_moments(client, admin_user):
    assert (await client.get("/v1/referrals", params={"limit": 1})).status_code == 200
    for _ in range(100):  # the subscription is up, so the answer above is now cached
        if revocations.cache.lookup((f"user:{admin_user.id}",)) is not None:
            break
        await asyncio.sleep(0.02)
        await client.get("/v1/referrals", params={"limit": 1})
    assert revocations.cache.lookup((f"user:{admin_user.id}",)) is False

    # What limits.revoke_marker does in another process: its own client, so this one's cache is not told directly.
    other = Redis.from_url(TEST_REDIS_URL)
    try:
        await other.set(f"{limits.PREFIX}revoked:user:{admin_user.id}", "1", ex=60)
        await other.publish(revocations.CHANNEL, f"user:{admin_user.id}")
        status, elapsed = await _status_within(client, 2.0, 401)
    finally:
        await other.delete(f"{limits.PREFIX}revoked:user:{admin_user.id}")
        await other.publish(revocations.CHANNEL, f"user:{admin_user.id}")
        await other.aclose()
    assert status == 401
    assert elapsed < 0.5, f"the revocation took {elapsed:.2f} s to reach this process"


async def test_a_revocation_in_this_process_applies_to_the_very_next_request(client, admin_user):
    assert (await client.get("/v1/referrals", params={"limit": 1})).status_code == 200
    await limits.revoke_marker(f"user:{admin_user.id}", ttl_seconds=60)
    try:
        assert (await client.get("/v1/referrals", params={"limit": 1})).status_code == 401
    finally:
        await limits.clear_marker(f"user:{admin_user.id}")
    assert (await client.get("/v1/referrals", params={"limit": 1})).status_code == 200


async def test_when_an_answer_expires_the_requests_waiting_on_it_share_one_redis_read(client, admin_user):
    names = (f"user:{admin_user.id}",)
    for _ in range(100):  # until the subscription is up and the answer cached
        await limits.any_revoked(*names)
        if revocations.cache.lookup(names) is not None:
            break
        await asyncio.sleep(0.02)
    assert revocations.cache.lookup(names) is False
    revocations.cache.drop()  # what the TTL does to every answer after a few seconds

    counter = Redis.from_url(TEST_REDIS_URL)
    try:
        before = (await counter.info("commandstats")).get("cmdstat_mget", {}).get("calls", 0)
        answers = await asyncio.gather(*(limits.any_revoked(*names) for _ in range(30)))
        after = (await counter.info("commandstats")).get("cmdstat_mget", {}).get("calls", 0)
    finally:
        await counter.aclose()
    assert answers == [False] * 30
    assert after - before == 1, f"{after - before} reads of the same markers for 30 requests"
    assert revocations.cache.lookup(names) is False  # and the shared answer is cached again


async def test_a_question_asked_before_a_revocation_is_not_shared_after_it(client, admin_user):
    names = (f"user:{admin_user.id}",)
    release = asyncio.Event()

    async def slow_read(asked: tuple[str, ...]) -> list[object]:
        await release.wait()
        return [None]  # what Redis held when this question was asked

    first = asyncio.create_task(revocations.cache.ask(names, slow_read))
    await asyncio.sleep(0)
    revocations.cache.drop(names[0])  # the revocation arrives while the question is out

    async def fresh_read(asked: tuple[str, ...]) -> list[object]:
        return [b"1"]

    assert await asyncio.wait_for(revocations.cache.ask(names, fresh_read), 2) == [b"1"]
    release.set()
    assert await first == [None]
