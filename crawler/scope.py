"""``clearcrawl crawl``'s scope options: seeds file, sitemaps, per-origin cap, domain lists.

Kept apart from :mod:`crawler.cli.crawl` so that the command's core stays small (and usable by
other commands that run a crawl). Bad input raises ``ValueError`` with a one-line message, which
the command line reports as a usage error (exit 2). The options map
onto the site spider's arguments (``seeds_file``, ``sitemaps``, ``max_pages_per_origin``) and
onto the settings ``CLEARCRAWL_ALLOW_DOMAINS`` / ``CLEARCRAWL_DENY_DOMAINS``
(:mod:`crawler.middlewares.domains`); each is validated before anything starts (one line, exit 2).

Broad crawls. With ``--seeds-file``, or with at least :data:`BROAD_CRAWL_ORIGINS` distinct seed
origins, :data:`BROAD_CRAWL_SETTINGS` apply — Scrapy's own advice for crawling many domains
(docs/topics/broad-crawls.rst) — except those the user sets with ``-s``, which win.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

#: Distinct seed origins from which a crawl counts as broad (``--seeds-file`` always does).
BROAD_CRAWL_ORIGINS = 50

#: Scrapy's broad-crawl settings (docs/topics/broad-crawls.rst), where they do not weaken rights:
BROAD_CRAWL_SETTINGS: dict[str, str] = {
    # Dequeue from the origins with the fewest downloads in flight: load spread across origins
    # instead of one site's links filling the downloader ("Use the right SCHEDULER_PRIORITY_QUEUE").
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
    # "Increase concurrency": many origins at CONCURRENT_REQUESTS_PER_DOMAIN (2) each.
    "CONCURRENT_REQUESTS": "100",
    # "Increase Twisted IO thread pool maximum size": DNS lookups run in it.
    "REACTOR_THREADPOOL_MAXSIZE": "20",
    # DNS cache on, sized for tens of thousands of hosts (Scrapy's default holds 10,000).
    "DNSCACHE_ENABLED": "True",
    "DNSCACHE_SIZE": "100000",
    # "Disable cookies" (clearcrawl never sends them anyway: what an anonymous reader gets).
    "COOKIES_ENABLED": "False",
    # "Reduce download timeout" so slow hosts free their slots.
    "DOWNLOAD_TIMEOUT": "15",
    # "Disable retries" — but one retry stays: a robots.txt 5xx is a whole-site disallow
    # (RFC 9309 §2.3.1.4), so a transient error would refuse an entire origin.
    "RETRY_TIMES": "1",
    # Redirects stay on ("Disable redirects" does not apply): RFC 9309 §2.3.1.2 requires
    # following robots.txt redirects, and seeds move http -> https. The hop limit stays 5.
    "REDIRECT_MAX_TIMES": "5",
}


def _count(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}")
    return n


def add_scope_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--seeds-file``, ``--sitemaps``, ``--max-pages-per-origin`` and the domain lists."""
    p.add_argument(
        "--seeds-file",
        metavar="FILE",
        help="seed URLs, one per line ('-' = stdin; gzip accepted; '#' comments); read lazily",
    )
    p.add_argument(
        "--sitemaps",
        action="store_true",
        help="also crawl the pages listed in each origin's sitemaps (robots.txt, /sitemap.xml)",
    )
    p.add_argument(
        "--max-pages-per-origin",
        type=_count,
        default=None,
        metavar="N",
        help="request at most N page URLs per origin (0 = no limit)",
    )
    p.add_argument(
        "--allow-domains",
        metavar="LIST",
        help="crawl only these domains and their subdomains: a,b,c or @FILE (one per line)",
    )
    p.add_argument(
        "--deny-domains",
        metavar="LIST",
        help="never request these domains or their subdomains: a,b,c or @FILE (one per line)",
    )


def _domain_setting(value: str | None, flag: str) -> str | None:
    """Validate a domain list now (one-line error); ``@FILE`` made absolute for the record."""
    from crawler.middlewares.domains import load_domain_list

    if value is None:
        return None
    text = value.strip()
    if text.startswith("@"):
        text = "@" + str(Path(text[1:]).expanduser().resolve())
    try:
        load_domain_list(text, flag)
    except ValueError as exc:
        raise ValueError(str(exc)) from exc
    if load_domain_list(text, flag) is None:
        raise ValueError(f"{flag} needs at least one domain (a,b,c or @FILE)")
    return text


def _seeds_file(value: str | None) -> str | None:
    if value is None or value == "-":
        return value
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"--seeds-file {value}: no such file")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ValueError(f"--seeds-file {value}: {exc.strerror or exc}") from exc
    return str(path.resolve())


def scope_options(
    args: argparse.Namespace, settings: dict[str, Any], record: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate the scope options, put the domain lists into ``settings``; return spider args.

    ``record`` is ``DIR/job/crawl.json`` (on ``--resume``): options not given again are the
    recorded ones; the record is updated with what this run uses.
    """
    old = (record or {}).get("scope") or {}
    seeds_file = _seeds_file(args.seeds_file)
    if seeds_file is None and old.get("seeds_file") not in (None, "-"):
        seeds_file = _seeds_file(old["seeds_file"])
    per_origin = args.max_pages_per_origin
    if per_origin is None:
        per_origin = int(old.get("max_pages_per_origin") or 0)
    sitemaps = bool(args.sitemaps or old.get("sitemaps"))
    allow = _domain_setting(args.allow_domains or old.get("allow_domains"), "--allow-domains")
    deny = _domain_setting(args.deny_domains or old.get("deny_domains"), "--deny-domains")
    if allow is not None:
        settings.setdefault("CLEARCRAWL_ALLOW_DOMAINS", allow)
    if deny is not None:
        settings.setdefault("CLEARCRAWL_DENY_DOMAINS", deny)
    if record is not None:
        record["scope"] = {
            "seeds_file": seeds_file,
            "sitemaps": sitemaps,
            "max_pages_per_origin": per_origin,
            "allow_domains": allow,
            "deny_domains": deny,
        }
    spider_args: dict[str, Any] = {}
    if seeds_file:
        spider_args["seeds_file"] = seeds_file
    if sitemaps:
        spider_args["sitemaps"] = True
    if per_origin:
        spider_args["max_pages_per_origin"] = per_origin
    return spider_args


def apply_broad_crawl(
    seeds: list[str], spider_args: dict[str, Any], settings: dict[str, Any], *, quiet: bool
) -> dict[str, str]:
    """Add :data:`BROAD_CRAWL_SETTINGS` (not overriding ``-s``) when the crawl is broad.

    Returns the settings applied (recorded in ``job/crawl.json``), empty when not broad.
    """
    from filters.prefetch import origin_of_url

    broad = bool(spider_args.get("seeds_file"))
    if not broad:
        origins = {origin_of_url(u) for u in seeds}
        broad = len(origins) >= BROAD_CRAWL_ORIGINS
    if not broad:
        return {}
    applied = {k: v for k, v in BROAD_CRAWL_SETTINGS.items() if k not in settings}
    settings.update(applied)
    if not quiet:
        print(
            "clearcrawl: broad crawl (seeds file or many origins): Scrapy's broad-crawl settings "
            "apply (README, 'Broad crawls'); -s NAME=VALUE overrides any of them",
            file=sys.stderr,
        )
    return applied
