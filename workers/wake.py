"""Wakes this process's resting arq workers when the relay has just handed out jobs."""

import asyncio

_events: set[asyncio.Event] = set()


def register(event: asyncio.Event) -> None:
    _events.add(event)


def unregister(event: asyncio.Event) -> None:
    _events.discard(event)


def wake_workers() -> None:
    for event in _events:
        event.set()
