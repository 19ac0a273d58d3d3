"""``ordered_map`` raises the young-generation threshold for its loop only, and frees as before."""

from __future__ import annotations

import gc

import pytest

from export.parallel import GEN0_THRESHOLD, ordered_map


def test_the_loop_collects_young_objects_less_often_and_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []

    def record(x: int) -> int:
        seen.append(gc.get_threshold())
        return x * 2

    assert list(ordered_map(record, range(3), workers=1)) == [0, 2, 4]
    assert seen == [(max(before[0], GEN0_THRESHOLD), *before[1:])] * 3
    assert gc.get_threshold() == before


def test_thresholds_come_back_when_the_loop_fails() -> None:
    before = gc.get_threshold()

    def boom(x: int) -> int:
        raise RuntimeError(x)

    with pytest.raises(RuntimeError):
        list(ordered_map(boom, range(2), workers=1))
    assert gc.get_threshold() == before


def test_cyclic_garbage_made_in_the_loop_is_still_collected() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    def make(x: int) -> int:
        Node()  # unreachable at once: only the cyclic collector frees it
        return x

    list(ordered_map(make, range(10), workers=1))
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o) is Node]
