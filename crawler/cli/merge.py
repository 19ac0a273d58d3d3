"""``clearcrawl merge``: join the outputs of ``clearcrawl export --shard I/N`` into one dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli.common import (
    Command,
    UsageError,
    _check_writable_out,
    _shard_size_arguments,
)


def _cmd_merge(args: argparse.Namespace) -> int:
    from export.errors import SourceError
    from export.merge import MergeError, merge_shards, refuse_missing
    from export.run import OutputError

    out = Path(args.out)
    _check_writable_out(out)
    try:
        refuse_missing(args.shards)
        summary = merge_shards(
            args.shards,
            out,
            shard_rows=args.shard_rows,
            shard_bytes=args.shard_mb * 1024 * 1024,
            report=not args.no_report,
        )
    except (MergeError, SourceError, OutputError) as exc:
        raise UsageError(str(exc)) from exc
    print(
        f"merge: {len(args.shards)} shard(s) joined; {summary.pages} archived pages, "
        f"{summary.exported} exported, {summary.excluded_pages} excluded "
        f"({summary.duplicates} duplicates)"
    )
    print(f"  dataset:   {out / 'data'} ({len(summary.shards)} shard(s))")
    print(f"  manifest:  {out / 'manifest.jsonl.gz'}")
    print(f"  card:      {out / 'README.md'}")
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shards", nargs="+", metavar="SHARD_DIR", help="the --out of each shard")
    p.add_argument("--out", required=True, metavar="DATASET_DIR")
    _shard_size_arguments(p)
    p.add_argument("--no-report", action="store_true", help="do not write report.html (as export)")


COMMAND = Command(
    "merge",
    "join the outputs of `export --shard I/N` into one dataset (one manifest, one card)",
    _add_arguments,
    _cmd_merge,
)
