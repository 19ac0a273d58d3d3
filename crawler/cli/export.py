"""``clearcrawl export``: a crawl's WARC files → dataset, rights manifest and card."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import (
    Command,
    UsageError,
    _check_writable_out,
    _load_policy,
    _positive,
    _s3_endpoint,
)


def _cmd_export(args: argparse.Namespace) -> int:
    import time

    from crawler.extensions.progress import (
        PLAIN_INTERVAL_S,
        export_line,
        format_bytes,
        format_duration,
        per_second,
    )
    from export import OutputError, SourceError, default_workers, run_export

    policy = _load_policy(args.policy)
    for src in args.source:
        if not src.startswith("s3://") and not Path(src).exists():
            raise UsageError(f"{src} does not exist")
        if Path(src).is_file() and not src.endswith((".warc.gz", ".warc")):
            raise UsageError(f"{src} is a file, not a crawl folder (or a .warc.gz file)")
    src = args.source[0] if len(args.source) == 1 else args.source
    _s3_endpoint(args.s3_endpoint_url)
    out = Path(args.out)
    _check_writable_out(out)
    workers = args.workers or default_workers()
    tty = sys.stderr.isatty()
    t0 = time.monotonic()
    last = [t0]
    shown = [False]

    def progress(captures: int, done_bytes: int, total: int) -> None:
        # One redrawn line on a terminal, a plain line every 15 s otherwise (as the crawl).
        now = time.monotonic()
        if now - last[0] < (0.5 if tty else PLAIN_INTERVAL_S):
            return
        last[0] = now
        line = export_line(captures, done_bytes, total, now - t0)
        if tty:
            shown[0] = True
            print(f"\r\x1b[K{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    try:
        summary = run_export(
            src,
            out,
            policy=policy,
            markdown=args.markdown,
            workers=workers,
            shard_rows=args.shard_rows,
            shard_bytes=args.shard_mb * 1024 * 1024,
            pretty_name=args.name,
            progress=None if args.quiet else progress,
        )
    except (SourceError, OutputError) as exc:
        raise UsageError(str(exc)) from exc
    finally:
        if shown[0]:
            print(file=sys.stderr, flush=True)
    seconds = time.monotonic() - t0
    warc_bytes = sum(int(src.get("bytes", 0)) for src in summary.sources)
    print(
        f"export: {summary.pages} archived pages read from {summary.warc_files} WARC file(s) "
        f"with {workers} worker(s); {summary.exported} exported, {summary.excluded_pages} "
        f"excluded ({summary.duplicates} duplicates), {summary.not_fetched_urls} URLs not fetched"
    )
    print(
        f"  took {format_duration(seconds)}: {per_second(summary.pages, seconds):.2f} pages/s, "
        f"{format_bytes(warc_bytes)} of WARC read "
        f"({format_bytes(per_second(warc_bytes, seconds))}/s)"
    )
    for spdx, n in sorted(summary.licenses.items()):
        print(f"  licence {spdx}: {n}")
    for reason, n in sorted(summary.excluded.items()):
        print(f"  excluded by {reason}: {n}")
    if not summary.exported:
        print("  no page passed the rights policy: the dataset is empty (see excluded.jsonl.gz)")
    print(f"  dataset:   {out / 'data'} ({len(summary.shards)} shard(s))")
    print(f"  manifest:  {out / 'manifest.jsonl.gz'} (+ {out / 'manifest'})")
    print(f"  card:      {out / 'README.md'}")
    print(f"  excluded:  {out / 'excluded.jsonl.gz'}")
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "source",
        metavar="DIR_OR_S3_URL",
        nargs="+",
        help="crawl folder(s), WARC file(s) or s3:// prefix(es): several make one dataset "
        "(e.g. the folders of a fleet's workers)",
    )
    p.add_argument("--out", required=True, metavar="DATASET_DIR")
    p.add_argument("--policy", help="rights policy file (JSON or TOML)")
    p.add_argument(
        "--markdown", action="store_true", help="also keep a Markdown rendering of the text"
    )
    p.add_argument(
        "--workers",
        type=_positive,
        default=0,
        help="worker processes for extraction (default: number of cores)",
    )
    p.add_argument(
        "--shard-rows",
        type=_positive,
        default=100_000,
        metavar="N",
        help="at most N rows per Parquet shard (default: %(default)s)",
    )
    p.add_argument(
        "--shard-mb",
        type=_positive,
        default=256,
        metavar="MB",
        help="at most MB megabytes of row content per shard (default: %(default)s)",
    )
    p.add_argument("--name", help="pretty name for the dataset card")
    p.add_argument("--s3-endpoint-url", help="S3-compatible endpoint for s3:// sources")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")


COMMAND = Command(
    "export",
    "turn a crawl's WARC files into a dataset with a rights manifest",
    _add_arguments,
    _cmd_export,
)
