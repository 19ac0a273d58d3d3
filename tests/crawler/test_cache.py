"""The policy-file caches: values expire after their window; concurrent loads of a key share one."""

from __future__ import annotations

import asyncio

import pytest

from crawler.cache import SingleFlight, TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_value_expires_at_the_end_of_its_window() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(10, clock)
    cache.put("a", 1)
    clock.now = 9.99
    assert cache.get("a") == 1
    clock.now = 10
    assert cache.get("a") is None
    assert len(cache) == 0


def test_oldest_stored_is_dropped_first_and_a_put_refreshes() -> None:
    cache: TtlCache[str, int] = TtlCache(10, Clock(), max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)  # now the newest
    cache.put("c", 4)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (3, 4)
    cache.discard("a")
    assert cache.get("a") is None


def test_concurrent_callers_share_one_load_and_a_failure_is_not_remembered() -> None:
    flight: SingleFlight[str, int] = SingleFlight()
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return loads

    async def failing() -> int:
        await asyncio.sleep(0.01)
        raise OSError("unreachable")

    async def scenario() -> None:
        assert await asyncio.gather(*(flight.run("k", load) for _ in range(5))) == [1] * 5
        results = await asyncio.gather(
            *(flight.run("bad", failing) for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, OSError) for r in results)
        assert await flight.run("k", load) == 2  # nothing memoised: the next caller loads again

    asyncio.run(scenario())
    assert loads == 2


@pytest.mark.parametrize("max_age", [0.0])
def test_a_zero_window_keeps_nothing(max_age: float) -> None:
    cache: TtlCache[str, int] = TtlCache(max_age, Clock())
    cache.put("a", 1)
    assert cache.get("a") is None
