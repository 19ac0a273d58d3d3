"""A Bloom filter over Redis strings (``SETBIT``/``GETBIT``), for the fleet's done-set at scale.

Why not an exact set: a Redis set of 20-byte fingerprints costs about 60-90 bytes per member
(``benchmarks/distributed.py`` measures it), so a billion archived URLs would need ~80 GB of
RAM. A Bloom filter (Bloom 1970, https://doi.org/10.1145/362686.362692) needs
``-n·ln p / (ln 2)²`` bits for ``n`` items at false-positive rate ``p``: 1.2 GB for a billion
URLs at p = 0.1 %. RedisBloom (``BF.ADD``) is not part of the Redis server Debian ships, so the
filter is built on plain strings; the bit positions are computed here from the request
fingerprint (SHA-1, uniform) by double hashing (Kirsch & Mitzenmacher 2006), and the Lua
scripts in :mod:`crawler.distributed.frontier` read and set them atomically with the enqueue.

A false positive makes the frontier believe a new URL was already archived: the page is skipped
(never fetched, never exported). It never admits anything, so it cannot break a rights rule.
A Redis string holds at most 2³² bits (512 MB), so a large filter is split into several keys;
the fingerprint's first four bytes pick the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Bits per Redis string key (256 MiB, under the 512 MB string limit).
MAX_BITS_PER_KEY = 1 << 31


@dataclass(frozen=True, slots=True)
class BloomSpec:
    """Size of a Bloom filter: ``keys`` strings of ``bits_per_key`` bits, ``hashes`` probes."""

    capacity: int
    error_rate: float
    keys: int
    bits_per_key: int
    hashes: int

    @classmethod
    def for_capacity(cls, capacity: int, error_rate: float) -> BloomSpec:
        """Return the smallest filter holding ``capacity`` items at ``error_rate`` false positives."""
        if capacity <= 0:
            raise ValueError("Bloom filter capacity must be > 0")
        if not 0 < error_rate < 1:
            raise ValueError("Bloom filter error rate must be between 0 and 1")
        bits = math.ceil(-capacity * math.log(error_rate) / (math.log(2) ** 2))
        hashes = max(1, round(bits / capacity * math.log(2)))
        keys = max(1, math.ceil(bits / MAX_BITS_PER_KEY))
        return cls(capacity, error_rate, keys, math.ceil(bits / keys), hashes)

    @property
    def total_bytes(self) -> int:
        return self.keys * math.ceil(self.bits_per_key / 8)

    def expected_error_rate(self, items: int) -> float:
        """False-positive rate after ``items`` insertions: ``(1 - e^(-k·n/m))^k``."""
        m = self.keys * self.bits_per_key
        return float((1 - math.exp(-self.hashes * items / m)) ** self.hashes)

    def locate(self, fingerprint: bytes) -> tuple[int, list[int]]:
        """Return (key index, bit positions) of ``fingerprint`` (at least 20 bytes)."""
        if len(fingerprint) < 20:
            raise ValueError("a Bloom filter needs a 20-byte fingerprint")
        key = int.from_bytes(fingerprint[:4], "big") % self.keys
        h1 = int.from_bytes(fingerprint[4:12], "big")
        h2 = int.from_bytes(fingerprint[12:20], "big") | 1
        m = self.bits_per_key
        return key, [(h1 + i * h2) % m for i in range(self.hashes)]
