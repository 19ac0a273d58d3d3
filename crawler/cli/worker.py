"""``clearcrawl worker``: join a crawl on a shared Redis frontier (any number, any machine).

A worker takes requests from the frontier under a lease, fetches them through the same rights
layer as ``clearcrawl crawl``, writes its own WARC files (named with its worker id) and
decisions log into ``--out``, and acknowledges each URL once its record is written
(:mod:`crawler.distributed`; the shared parts are in :mod:`crawler.cli.common`). Per-worker
options: ``--policy`` (must be the crawl's: another digest is refused in one line naming both),
``--grants``,
``--warc-store``, ``--s3-endpoint-url``, ``-s NAME=VALUE``, ``-q``, ``--idle-exit``.

The crawl's scope is the crawl's, not the worker's: its ``--max-depth``, ``--max-pages``,
``--max-pages-per-origin``, ``--sitemaps`` and domain lists come from the crawl's meta in Redis
(:func:`crawler.cli.common.claim_crawl`). ``--allow-domains`` / ``--deny-domains`` (or ``-s
CLEARCRAWL_*_DOMAINS``) on a worker are a check only: a list whose sha256 differs from the
crawl's is refused in one line naming both digests; without them the worker applies the
crawl's lists.
"""

from __future__ import annotations

import argparse

from crawler.cli import crawl
from crawler.cli.common import Command, frontier_args, idle_exit_arg, run_fleet, settings_arg


def _cmd_worker(args: argparse.Namespace) -> int:
    return run_fleet(args, crawl=crawl)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    frontier_args(p)
    p.add_argument("--out", required=True, help="this worker's folder (warc/, decisions.jsonl.gz)")
    p.add_argument("--policy", help="rights policy file (JSON or TOML); must be the crawl's")
    p.add_argument(
        "--grants",
        metavar="FILE",
        help="licensed-source agreements (TOML or JSON) this worker holds (see crawl --grants)",
    )
    p.add_argument("--warc-store", help="upload closed WARC files to s3://bucket/prefix")
    p.add_argument(
        "--s3-endpoint-url", help="S3-compatible endpoint (default: boto3's configuration)"
    )
    for kind in ("allow", "deny"):
        p.add_argument(
            f"--{kind}-domains",
            metavar="LIST",
            help=f"must be the crawl's {kind} list (a,b,c or @FILE); without it the worker "
            "applies the crawl's",
        )
    idle_exit_arg(p)
    settings_arg(p)


COMMAND = Command(
    "worker",
    "join a crawl on a shared Redis frontier as one more worker",
    _add_arguments,
    _cmd_worker,
)
