"""The WARC writer's revisit map (:class:`crawler.warcwriter.PayloadIndex`): the same LRU
decisions as an in-memory map, in a process that does not grow with the crawl (issue 17:
"flat from 10k to 100k pages")."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import OrderedDict

from crawler.warcwriter import PayloadIndex, sha1_b32


def test_revisit_map_remembers_exactly_what_an_lru_of_that_size_remembers() -> None:
    rng = random.Random(17)  # noqa: S311 - a reproducible sequence
    idx = PayloadIndex(50)
    model: OrderedDict[str, tuple[str, str, str]] = OrderedDict()
    evicted = 0
    digests = [sha1_b32(str(i).encode()) for i in range(120)] + ["md5:x", "sha1:not-base32"]
    for step in range(5000):
        digest = rng.choice(digests)
        if rng.random() < 0.6:
            got = idx.get(digest)
            want = model.get(digest)
            if want is not None:
                model.move_to_end(digest)
            assert got == want, step
        else:
            value = (f"http://e.org/{step}", f"2026-12-04T20:{step % 60:02d}:00Z", f"<urn:{step}>")
            idx.put(digest, value)
            model[digest] = value
            model.move_to_end(digest)
            while len(model) > 50:
                model.popitem(last=False)
                evicted += 1
        assert len(idx) == len(model)
    assert idx.evicted == evicted > 0
    assert [d for d in digests if idx.get(d) is not None] == [d for d in digests if d in model]


def test_revisit_map_of_100k_payloads_does_not_grow_the_process() -> None:
    # An in-memory map of 100,000 entries was ~29 MB of the writer process (the whole growth
    # of the writer from a 10k- to a 100k-page crawl); on disk, behind a 2 MiB page cache, the
    # process grows by a few MB at most.
    code = """
import sys
from crawler.warcwriter import PayloadIndex, sha1_b32

def rss_kb():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))

idx = PayloadIndex(100_000)
idx.put(sha1_b32(b"warm-up"), ("u", "d", "r"))  # the database and its module are loaded
digests = [sha1_b32(str(i).encode()) for i in range(100_000)]
before = rss_kb()
for i, d in enumerate(digests):
    idx.put(d, (f"http://127.0.0.1:8000/p/{i}", "2026-12-04T20:00:00.123456Z", f"<urn:uuid:{i:036d}>"))
assert idx.get(digests[-1]) is not None
print((rss_kb() - before) / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    grew_mb = float(out.stdout)
    assert grew_mb < 8, f"the revisit map grew the process by {grew_mb:.1f} MB for 100k payloads"
