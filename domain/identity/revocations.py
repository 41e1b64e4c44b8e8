"""A short per-process cache of token revocation state, invalidated through Redis pub/sub.

Every authenticated request asks whether its user, session family or EHR client has been
revoked. Asking Redis each time costs a round trip; this cache answers from memory for up to
TTL_SECONDS, and only while a pub/sub subscription is live: each revoke or clear publishes the
marker's name, and every process drops it from its cache when the message arrives (the process
that revokes drops it at once, before it answers). Without a live subscription nothing is cached.
What a lost message could leave stale is bounded by the TTL.

When an answer expires, every request in flight misses at once; one of them asks Redis and the
others wait for that answer (`ask`), rather than each opening its own round trip.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from redis.asyncio import Redis

log = structlog.get_logger()

CHANNEL = "refloop:revocations"
TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


class RevocationCache:
    def __init__(self) -> None:
        self._values: dict[str, tuple[bool, float]] = {}
        # Bumped by every drop: an answer Redis gave before a drop is not stored after it.
        self.generation = 0
        self._live = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # names -> (generation when asked, the question in flight)
        self._asking: dict[tuple[str, ...], tuple[int, asyncio.Task[list[object]]]] = {}

    def lookup(self, names: tuple[str, ...]) -> bool | None:
        """True/False when every name is cached and fresh; None when Redis must be asked."""
        if not self._live:
            return None
        now = time.monotonic()
        revoked = False
        for name in names:
            hit = self._values.get(name)
            if hit is None or now - hit[1] > TTL_SECONDS:
                return None
            revoked = revoked or hit[0]
        return revoked

    def store(self, names: tuple[str, ...], values: list[object], *, asked_at: float, generation: int) -> None:
        if not self._live or generation != self.generation:
            return
        if len(self._values) > MAX_ENTRIES:
            self._values.clear()
        for name, value in zip(names, values, strict=True):
            self._values[name] = (value is not None, asked_at)

    async def ask(
        self, names: tuple[str, ...], read: Callable[[tuple[str, ...]], Coroutine[Any, Any, list[object]]]
    ) -> list[object]:
        """The markers' values, read once for every request that asks for the same names meanwhile.

        A question asked before a drop is not shared after it: the drop may be the very revocation."""
        loop = asyncio.get_running_loop()
        flight = self._asking.get(names)
        if flight is None or flight[0] != self.generation or flight[1].get_loop() is not loop:
            asked_at, generation = time.monotonic(), self.generation
            flight = (generation, loop.create_task(read(names)))
            self._asking[names] = flight
            flight[1].add_done_callback(lambda task: self._landed(names, flight, asked_at))
        return await asyncio.shield(flight[1])

    def _landed(
        self, names: tuple[str, ...], flight: tuple[int, "asyncio.Task[list[object]]"], asked_at: float
    ) -> None:
        if self._asking.get(names) is flight:
            del self._asking[names]
        generation, task = flight
        if not task.cancelled() and task.exception() is None:
            self.store(names, task.result(), asked_at=asked_at, generation=generation)

    def drop(self, name: str | None = None) -> None:
        self.generation += 1
        if name is None:
            self._values.clear()
        else:
            self._values.pop(name, None)

    def ensure_listening(self, url: str) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        self._live, self._loop = False, loop
        self._task = loop.create_task(self._listen(url))

    async def _listen(self, url: str) -> None:
        # Its own client: a subscription waits on its socket for as long as nothing is revoked,
        # which the request client's read timeout would take for a dead server.
        redis = Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        while True:
            pubsub = redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                # Anything revoked before the subscription took hold is asked of Redis afresh.
                self.drop()
                self._live = True
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.drop(message["data"].decode())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("revocation channel lost; asking Redis on every request until it is back", exc_info=True)
            finally:
                self._live = False
                self.drop()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(1)


cache = RevocationCache()
