"""spiders/digestset.py: a compact set of 8-byte digests behaves as a Python set of them."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from crawler.digestset import DigestSet


def key(i: int) -> bytes:
    return hashlib.blake2b(str(i).encode(), digest_size=8).digest()


def test_membership_and_length_through_growth() -> None:
    members = DigestSet()
    for i in range(0, 20_000, 2):
        members.add(key(i))
        members.add(key(i))  # twice: counted once
    assert len(members) == 10_000
    assert all(key(i) in members for i in range(0, 20_000, 2))
    assert not any(key(i) in members for i in range(1, 20_000, 2))
    assert members.nbytes <= 24 * len(members) + 8 * 1024


def test_zero_digest_and_non_bytes() -> None:
    members = DigestSet([bytes(8)])
    assert bytes(8) in members
    assert len(members) == 1
    assert "x" not in members


@given(st.lists(st.binary(min_size=8, max_size=8)), st.lists(st.binary(min_size=8, max_size=8)))
def test_agrees_with_a_python_set(added: list[bytes], probes: list[bytes]) -> None:
    members = DigestSet(added)
    reference = {d if any(d) else bytes(8) for d in added}
    assert len(members) == len(reference)
    for d in added + probes:
        assert (d in members) == (d in reference or (not any(d) and bytes(8) in reference))
