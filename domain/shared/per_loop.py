"""Objects that belong to one event loop (HTTP and SMTP clients, locks): one per loop and key.

Held weakly by the loop itself, so a finished loop's objects go with it and a new loop, even one
given the same id, never receives them (tests and workers run several loops in one process)."""

import asyncio
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def for_this_loop(key: Hashable, make: Callable[[], T]) -> T:
    values = _by_loop.setdefault(asyncio.get_running_loop(), {})
    if key not in values:
        values[key] = make()
    # cast: each key is only ever made by one `make`, so its value has that type.
    return cast(T, values[key])
