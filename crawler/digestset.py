"""A set of 8-byte URL digests in one flat array: ~16 bytes per member instead of ~75.

The site spider remembers every URL it requested (and every off-site or over-cap URL it
recorded) as an 8-byte BLAKE2b digest, and the dupefilter (:mod:`crawler.recovery`) every
request fingerprint (its first 8 bytes), for as long as the crawl runs. In a Python ``set`` each
member costs a 41-byte ``bytes`` object plus its slot (about 75 bytes); a crawl seeded with ten
million URLs would spend most of a gigabyte on it. :class:`DigestSet` keeps the digests as
unsigned 64-bit integers in an ``array('Q')`` with open addressing (linear probing, at most 2/3
full, doubled when it would be fuller): 12–24 bytes per member, measured by
``benchmarks/seeds_memory.py``.

Digests are uniformly distributed, so their low bits index the table directly. The value 0
marks an empty slot; a digest that is all zero bytes is stored as 1 (one more chance in 2^64 of
a collision, which at worst leaves one URL unrequested — the same failure mode as the digest
itself, never an admission).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable


class DigestSet:
    """Membership of 8-byte digests (``in``, ``add``, ``len``), in one array."""

    __slots__ = ("_len", "_mask", "_slots")

    def __init__(self, digests: Iterable[bytes] = ()) -> None:
        self._slots = array("Q", bytes(8 * 1024))
        self._mask = 1023
        self._len = 0
        for digest in digests:
            self.add(digest)

    @staticmethod
    def _value(digest: bytes) -> int:
        return int.from_bytes(digest[:8], "little") or 1

    def __contains__(self, digest: object) -> bool:
        if not isinstance(digest, bytes):
            return False
        value = self._value(digest)
        slots, mask = self._slots, self._mask
        i = value & mask
        while True:
            found = slots[i]
            if found == value:
                return True
            if not found:
                return False
            i = (i + 1) & mask

    def add(self, digest: bytes) -> None:
        """Add ``digest`` (its first 8 bytes)."""
        if 3 * (self._len + 1) > 2 * (self._mask + 1):
            self._grow()
        if self._insert(self._value(digest)):
            self._len += 1

    def _insert(self, value: int) -> bool:
        slots, mask = self._slots, self._mask
        i = value & mask
        while True:
            found = slots[i]
            if found == value:
                return False
            if not found:
                slots[i] = value
                return True
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._mask = 2 * len(old) - 1
        for value in old:
            if value:
                self._insert(value)

    def __len__(self) -> int:
        return self._len

    @property
    def nbytes(self) -> int:
        """Bytes of the table (what the set costs beyond a few dozen bytes of object)."""
        return self._slots.itemsize * len(self._slots)
