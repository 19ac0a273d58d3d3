"""Seeds into the shared frontier, streamed: ``clearcrawl seed`` and ``crawl --frontier``.

Seeds are pushed as requests straight into the leased queue (no start-URL list a worker pops
destructively, see :mod:`crawler.distributed.spider`), in pipelined batches, with their origins
added to the crawl's scope. A seeds file is read line by line (``-`` = stdin, ``.gz``
decompressed on the fly), so ten million seeds cost one batch of memory, not the file.
"""

from __future__ import annotations

import gzip
import io
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from crawler.distributed.frontier import Frontier
from crawler.distributed.queue import encode, seed_dict, url_fp
from filters.prefetch import origin_of_url, origin_url

BATCH = 1000
CODES = {1: "queued", 0: "known", 2: "over_budget"}


def is_seed_url(url: str) -> bool:
    """Return True for an absolute http(s) URL with a host and a valid port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def open_seeds_file(path: str) -> IO[str]:
    """Open a seeds file for streaming: ``-`` is stdin, ``*.gz`` is gunzipped as it is read."""
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return Path(path).open(encoding="utf-8", errors="replace")


def iter_seed_lines(fh: IO[str]) -> Iterator[str]:
    """Non-blank, non-comment (``#``) lines, stripped."""
    for line in fh:
        url = line.strip()
        if url and not url.startswith("#"):
            yield url


def push_seeds(frontier: Frontier, urls: Iterable[str]) -> Counter[str]:
    """Queue ``urls`` (fleet-deduplicated, within the budget); count the outcomes.

    Keys of the result: ``queued``, ``known`` (pending or done already), ``over_budget`` and
    ``invalid`` (not an http(s) URL: skipped).
    """
    counts: Counter[str] = Counter()
    it = iter(urls)
    while batch := list(islice(it, BATCH)):
        entries = []
        origins = set()
        for url in batch:
            if not is_seed_url(url):
                counts["invalid"] += 1
                continue
            fp = url_fp(url)
            entries.append((fp, 0.0, encode(fp, seed_dict(url))))
            origins.add(origin_url(origin_of_url(url)))
        frontier.add_origins(origins)
        for code in frontier.push_many(entries):
            counts[CODES[code]] += 1
    if counts["queued"]:
        frontier.incr_stats({"seeds/queued": counts["queued"]})
    return counts
