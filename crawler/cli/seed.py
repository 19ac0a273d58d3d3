"""``clearcrawl seed``: add seed URLs to a crawl on a shared frontier, running or not.

URLs from the command line or ``--seeds-file FILE`` (one per line, ``-`` = stdin, ``.gz``
accepted, streamed) are queued as requests, deduplicated against everything the fleet has
queued or archived, within the crawl's ``--max-pages``; their origins join the crawl's scope
(:mod:`crawler.distributed.seeding`). Running workers pick them up at their next poll.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli.common import (
    Command,
    RunError,
    UsageError,
    _check_url,
    connect_frontier,
    frontier_args,
    seed_line,
)


def _cmd_seed(args: argparse.Namespace) -> int:
    from crawler.distributed.frontier import FrontierUnavailable
    from crawler.distributed.seeding import push_seeds, seed_urls

    if bool(args.urls) == bool(args.seeds_file):
        raise UsageError("give seed URLs or --seeds-file FILE (one of the two)")
    for u in args.urls:
        _check_url(u)
    if args.seeds_file and args.seeds_file != "-" and not Path(args.seeds_file).is_file():
        raise UsageError(f"--seeds-file {args.seeds_file} does not exist")
    frontier = connect_frontier(args.frontier, args.crawl_id)
    try:
        maps = frontier.meta().get("sitemaps") == "1"  # the crawl's --sitemaps
        if args.urls:
            counts = push_seeds(frontier, args.urls, sitemaps=maps)
        else:
            counts = push_seeds(frontier, seed_urls(args.seeds_file), sitemaps=maps)
    except FrontierUnavailable as exc:
        raise RunError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot read --seeds-file: {exc.strerror or exc}") from exc
    finally:
        frontier.close()
    print(seed_line(counts))
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    frontier_args(p)
    p.add_argument("urls", nargs="*", metavar="URL", help="seed URL(s)")
    p.add_argument(
        "--seeds-file",
        metavar="FILE",
        help="one URL per line ('-' = stdin, .gz accepted); read as a stream",
    )


COMMAND = Command(
    "seed", "add seed URLs to a crawl on a shared frontier", _add_arguments, _cmd_seed
)
