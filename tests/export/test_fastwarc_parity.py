"""FastWARC splits the records, warcio is the reference: both must give the same captures.

The export reads WARCs with FastWARC where it can (``export.warcread._read_records_fast``) and
with warcio where it cannot. Every capture, every damage report and the file digest must be
exactly those of the warcio-only reading, on archives clearcrawl wrote, on archives other tools
wrote (the committed foreign fixtures), and on damaged copies of both: cut anywhere, bytes
flipped, garbage between records or after the last one.
"""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import pytest

from export.policyarchive import PolicyCapture, PolicyIndex
from export.warcdamage import Damage
from export.warcread import Capture, HashingReader, iter_captures, list_warcs, open_warc

FOREIGN = Path(__file__).resolve().parents[1] / "fixtures" / "foreign"
#: damaged copies made of each file (cut short, one byte flipped)
CUTS, FLIPS = int(os.environ.get("PARITY_CUTS", "40")), int(os.environ.get("PARITY_FLIPS", "40"))


def read(path: Path, *, fast: bool) -> tuple[list[Capture], list[Damage], str, int]:
    damages: list[Damage] = []
    reader = HashingReader(open_warc(str(path)))
    captures = list(iter_captures(str(path), reader=reader, on_damage=damages.append, fast=fast))
    return captures, damages, reader.sha256.hexdigest(), reader.bytes_read


def where(damage: Damage) -> tuple[str, str, int, int | None]:
    return damage.file, damage.kind, damage.offset, damage.resumed_at


def assert_same(path: Path) -> None:
    fast = read(path, fast=True)
    slow = read(path, fast=False)
    # Where and what kind of damage must agree. The detail of a corrupt gzip member may not:
    # warcio words it after where its 16 KiB read blocks happen to fall from where it began
    # reading (a flipped byte in the first block of a member reads as "not gzip", later as
    # garbage), and the fast path hands over to warcio at a record, not at the file's start.
    assert [where(d) for d in fast[1]] == [where(d) for d in slow[1]], f"{path.name}: damage"
    assert fast[2:] == slow[2:], f"{path.name}: digest or bytes read differ"
    assert len(fast[0]) == len(slow[0]), f"{path.name}: {len(fast[0])} vs {len(slow[0])}"
    data = path.read_bytes()
    for a, b in zip(fast[0], slow[0], strict=True):
        if b.record_id.encode() not in data:
            # read as ARC (an .arc file, or junk warcio takes for an ARC header): warcio's
            # arc2warc makes up a new record id at every reading
            a.record_id = b.record_id = ""
        assert a == b, f"{path.name}: capture of {b.url} at {b.offset} differs"


def scan(path: Path, *, fast: bool) -> tuple[list[PolicyCapture], list[str], int]:
    """Index one file as ``PolicyIndex.scan`` does, or with warcio alone."""
    index = PolicyIndex()
    if fast:
        index.scan(str(path), "policy-archive")
    else:
        for capture in index._scan_warcio(str(path), "policy-archive"):
            index.add(capture)
    entries = [pc for captures in index._by_url.values() for pc in captures]
    return entries, index.problems, index.located


def assert_same_scan(path: Path) -> None:
    """The policy-file index of a file is the same read either way (``PolicyIndex.scan``)."""
    fast, slow = scan(path, fast=True), scan(path, fast=False)
    data = path.read_bytes()
    for a, b in zip(fast[0], slow[0], strict=False):
        if b.record_id.encode() not in data:
            a = PolicyCapture(**{**_fields(a), "record_id": ""})
            b = PolicyCapture(**{**_fields(b), "record_id": ""})
        assert a == b, f"{path.name}: index entry of {b.url} differs"
    assert len(fast[0]) == len(slow[0]), path.name
    assert fast[2] == slow[2], path.name
    # a damage message's wording may differ (see assert_same), not whether there is one
    assert len(fast[1]) == len(slow[1]), f"{path.name}: {fast[1]} vs {slow[1]}"


def _fields(pc: PolicyCapture) -> dict[str, object]:
    return {name: getattr(pc, name) for name in PolicyCapture.__dataclass_fields__}


def foreign_files() -> list[Path]:
    return sorted(
        p for p in FOREIGN.rglob("*") if (p.is_file() and ".warc" in p.name) or ".arc" in p.name
    )


@pytest.mark.parametrize("path", foreign_files(), ids=lambda p: p.name)
def test_foreign_archives_read_the_same(path: Path) -> None:
    assert_same(path)
    assert_same_scan(path)


def test_clearcrawl_archives_read_the_same(demo_crawl: Path) -> None:
    files = list_warcs(demo_crawl)
    assert files
    for name in files:
        assert_same(Path(name))
        assert_same_scan(Path(name))
    # and the fast path did the work: every record but each file's last came from FastWARC
    captures, *_ = read(Path(files[0]), fast=True)
    assert sum(c.metadata is not None for c in captures) > 1


def _members(data: bytes) -> list[int]:
    """Start offsets of the gzip members of a per-record gzip WARC."""
    starts, pos = [], 0
    while pos < len(data):
        starts.append(pos)
        d = gzip.zlib.decompressobj(31)  # type: ignore[attr-defined]
        d.decompress(data[pos:])
        pos = len(data) - len(d.unused_data)
    return starts


def _damaged_copies(data: bytes, starts: list[int], rng: random.Random) -> list[tuple[str, bytes]]:
    cuts = sorted(rng.sample(range(1, len(data)), min(CUTS, len(data) - 1)))
    copies = [(f"cut{cut}", data[:cut]) for cut in cuts]
    for pos in sorted(rng.sample(range(len(data)), min(FLIPS, len(data)))):
        flipped = bytearray(data)
        flipped[pos] ^= 0xFF
        copies.append((f"flip{pos}", bytes(flipped)))
    copies.extend((f"junk{s}", data[:s] + b"garbage\r\n" + data[s:]) for s in starts[1:6])
    copies.append(("trailing", data + b"\x00\x00junk after the last record\r\n"))
    return copies


@pytest.mark.slow
def test_damaged_copies_read_the_same(demo_crawl: Path, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("PARITY_SEED", "14")))  # noqa: S311 - a fixed sample of damage, not a secret
    gz = Path(list_warcs(demo_crawl)[0])
    plain = FOREIGN / "warcio" / "example.warc"
    foreign_gz = FOREIGN / "warcio" / "example.warc.gz"
    originals = [
        (gz, _members(gz.read_bytes())),
        (plain, [0]),
        (foreign_gz, _members(foreign_gz.read_bytes())),
    ]
    for source, starts in originals:
        data = source.read_bytes()
        suffix = ".warc.gz" if source.name.endswith(".gz") else ".warc"
        for label, copy in _damaged_copies(data, starts, rng):
            path = tmp_path / f"{source.name.split('.')[0]}-{label}{suffix}"
            path.write_bytes(copy)
            assert_same(path)
            assert_same_scan(path)
