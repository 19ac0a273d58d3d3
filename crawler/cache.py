"""In-process caches of the policy-file machinery: expiring values, and one load per key.

Every policy file is fetched at most once per cache window (RFC 9309 §2.4 for robots.txt; the
same window for tdmrep.json, ai.txt, RSL licences and TDM policies), and a file many requests
need at once is fetched once while they wait. :class:`TtlCache` keeps the values;
:class:`SingleFlight` makes the concurrent callers of one key share one load.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values that expire ``max_age_s`` after they were stored.

    At most ``max_entries`` are kept (the oldest stored is dropped first), so a broad crawl's
    memory stays bounded; a dropped key is simply loaded again when needed.
    """

    def __init__(
        self,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 50_000,
    ) -> None:
        self.max_age_s = max_age_s
        self.clock = clock
        self.max_entries = max_entries
        self._items: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if self.clock() - item[0] >= self.max_age_s:
            del self._items[key]
            return None
        return item[1]

    def put(self, key: K, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (self.clock(), value)
        while len(self._items) > self.max_entries:
            del self._items[next(iter(self._items))]

    def discard(self, key: K) -> None:
        """Forget ``key`` now (its window is known to be over)."""
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class SingleFlight(Generic[K, V]):
    """One load per key at a time: a caller asking for a key being loaded awaits that load.

    A failed load fails every caller waiting on it (the policy files then fail closed for all
    of them alike) and is not remembered: the next caller loads again.
    """

    def __init__(self) -> None:
        self._pending: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        # Waiters retrieve a failure; without any, asyncio must not log it as unretrieved.
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending[key] = fut
        try:
            value = await load()
            fut.set_result(value)
            return value
        except BaseException as exc:
            fut.set_exception(exc)
            raise
        finally:
            del self._pending[key]
