""":func:`export.schema.to_json` turns dataclasses, tuples and dicts into JSON values.

Its plain-type shortcut (exact types first) must give what the ``isinstance`` tests give for
subclasses too: a reason is a ``StrEnum``, a flag may be a ``bool``, a pair a ``NamedTuple``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import NamedTuple

from export.schema import to_json


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 2


class Pair(NamedTuple):
    a: int
    b: str


@dataclass(frozen=True)
class Inner:
    reason: Colour
    level: Level
    flag: bool
    pair: Pair
    none: None = None


@dataclass
class Outer:
    inner: Inner
    items: list[Inner] = field(default_factory=list)
    by_key: dict[object, object] = field(default_factory=dict)
    number: float = 1.5


def test_nested_values_convert_and_subclasses_stay() -> None:
    inner = Inner(Colour.RED, Level.HIGH, True, Pair(1, "x"))
    value = to_json(Outer(inner, [inner], {1: (inner, "s"), "k": [Pair(2, "y")]}))
    assert value == {
        "inner": {"reason": "red", "level": 2, "flag": True, "pair": [1, "x"], "none": None},
        "items": [{"reason": "red", "level": 2, "flag": True, "pair": [1, "x"], "none": None}],
        "by_key": {
            "1": [{"reason": "red", "level": 2, "flag": True, "pair": [1, "x"], "none": None}, "s"],
            "k": [[2, "y"]],
        },
        "number": 1.5,
    }
    assert type(value["inner"]["reason"]) is Colour  # kept as it is, as before
    assert type(value["inner"]["flag"]) is bool
    assert json.dumps(value, sort_keys=True)  # a JSON value


def test_plain_values_are_returned_as_they_are() -> None:
    for plain in ("s", 3, 2.5, False, None, Colour.RED, Level.HIGH):
        assert to_json(plain) is plain
