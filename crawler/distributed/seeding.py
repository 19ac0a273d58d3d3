"""Seeds into the shared frontier, streamed: ``clearcrawl seed`` and ``crawl --frontier``.

Seeds are pushed as requests straight into the leased queue (no start-URL list a worker pops
destructively, see :mod:`crawler.distributed.spider`), in pipelined batches, with their origins
added to the crawl's scope. A seeds file is read line by line with the crawl's own reader (``-`` = stdin, gzip by
content), so ten million seeds cost one batch of memory, not the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request

from crawler.distributed.frontier import Frontier
from crawler.distributed.queue import encode, seed_dict, url_fp
from crawler.seeds import read_seeds
from filters.prefetch import origin_of_url, origin_url
from spiders.sitemaps import META_SITEMAP

BATCH = 1000
CODES = {1: "queued", 0: "known", 2: "over_budget", 3: "origin_cap"}


def is_seed_url(url: str) -> bool:
    """Return True for an absolute http(s) URL with a host and a valid port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def seed_urls(path: str) -> Iterator[str]:
    """Stream a seeds file's URLs with the crawl's own reader (:func:`crawler.seeds.read_seeds`).

    ``-`` is stdin, gzip is recognised by its content, blank and ``#`` lines are skipped, one
    line is held at a time. A line that is not a URL is passed on as read: :func:`push_seeds`
    counts it ``invalid``. Raises :class:`crawler.seeds.SeedsError` (an ``OSError``) when the
    file cannot be read.
    """
    for seed in read_seeds(path):
        yield seed.url if seed.url is not None else seed.text


def sitemap_dict(origin: str) -> dict[str, Any]:
    """Return the request dict of an origin's ``/sitemap.xml`` (``--sitemaps``).

    As the site spider's :meth:`spiders.sitemaps.SitemapMixin._origin_sitemap` makes it for a
    seed (callback ``parse_sitemap``; not counted against the per-origin cap).
    """
    url = origin + "/sitemap.xml"
    data = Request(url, meta={META_SITEMAP: True, "download_slot": origin}).to_dict()
    data["callback"] = "parse_sitemap"
    data["errback"] = "errback"
    return data


def push_seeds(frontier: Frontier, urls: Iterable[str], *, sitemaps: bool = False) -> Counter[str]:
    """Queue ``urls`` (fleet-deduplicated, within the budget); count the outcomes.

    With ``sitemaps`` (the crawl's ``--sitemaps``, recorded in its meta) each seed origin's
    ``/sitemap.xml`` is queued too, once for the fleet (same dedupe), counted ``sitemaps``; it
    does not count against the per-origin cap (as in the single-machine spider). Seeds in a
    denied (or not allowed) domain are queued like any seed: the worker that takes one refuses
    it before any request and records it once, with the list's digest, as a single-machine
    crawl records its seeds (:mod:`crawler.middlewares.domains`).

    Keys of the result: ``queued``, ``known`` (pending or done already), ``over_budget``,
    ``origin_cap`` (its origin's ``--max-pages-per-origin`` is spent: counted, not recorded in a
    decisions log, as no worker is at hand) and ``invalid`` (not an http(s) URL: skipped).
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
            origin = origin_url(origin_of_url(url))
            entries.append((fp, 0.0, encode(fp, seed_dict(url)), origin))
            origins.add(origin)
        frontier.add_origins(origins)
        for code in frontier.push_many(entries):
            counts[CODES[code]] += 1
        if sitemaps and origins:
            maps = []
            for origin in sorted(origins):
                data = sitemap_dict(origin)
                fp = url_fp(data["url"])
                maps.append((fp, 0.0, encode(fp, data), ""))
            counts["sitemaps"] += sum(1 for c in frontier.push_many(maps) if c == 1)
    deltas = {f"seeds/{k}": counts[k] for k in ("queued", "origin_cap") if counts[k]}
    frontier.incr_stats(deltas)
    return counts
