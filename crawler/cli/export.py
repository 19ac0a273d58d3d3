"""``clearcrawl export``: a crawl's WARC files → dataset, rights manifest and card."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import (
    Command,
    UsageError,
    _check_writable_out,
    _load_grants,
    _load_policy,
    _positive,
    _s3_endpoint,
    _shard_size_arguments,
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
    from export.shard import parse_shard
    from export.warcread import ARCHIVE_SUFFIXES, LOOKED_FOR

    policy = _load_policy(args.policy)
    grants = _load_grants(args.grants)
    for src in [*args.source, *args.policy_warcs]:
        if not src.startswith("s3://") and not Path(src).exists():
            raise UsageError(f"{src} does not exist (looked for {LOOKED_FOR} files there)")
        if Path(src).is_file() and not src.endswith(ARCHIVE_SUFFIXES):
            raise UsageError(f"{src} is a file, not a crawl folder (or a .warc.gz file)")
    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    _s3_endpoint(args.s3_endpoint_url)
    fetcher = None
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
        if args.fetch_policies:
            from export.policyfetch import PolicyFetcher

            fetcher = PolicyFetcher(out)
        summary = run_export(
            args.source,
            out,
            policy_warcs=args.policy_warcs,
            policy_window_days=args.policy_window_days,
            fetch_policies=fetcher,
            shard=shard,
            policy=policy,
            grants=grants,
            markdown=args.markdown,
            workers=workers,
            shard_rows=args.shard_rows,
            shard_bytes=args.shard_mb * 1024 * 1024,
            pretty_name=args.name,
            progress=None if args.quiet else progress,
            report=not args.no_report,
        )
    except (SourceError, OutputError) as exc:
        raise UsageError(str(exc)) from exc
    finally:
        if shown[0]:
            print(file=sys.stderr, flush=True)
        if fetcher is not None:
            fetcher.close()
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
    for problem in summary.unreadable:
        print(f"  unreadable, skipped: {problem['file']} ({problem['error']})")
    if not summary.exported:
        print(f"  {empty_reason(summary)}")
    print(f"  dataset:   {out / 'data'} ({len(summary.shards)} shard(s))")
    print(f"  manifest:  {out / 'manifest.jsonl.gz'} (+ {out / 'manifest'})")
    print(f"  card:      {out / 'README.md'}")
    print(f"  excluded:  {out / 'excluded.jsonl.gz'}")
    if not args.no_report:
        print(f"  report:    {out / 'report.html'}  (open it in a browser; works offline)")
    print(f"  metadata:  {out / 'croissant.json'}, {out / 'training-data-summary.json'}")
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "source",
        metavar="DIR_OR_S3_URL",
        nargs="+",
        help="crawl folder(s), folder(s) of WARC/ARC files (any tool's), single files or s3:// "
        "prefixes: several make one dataset (e.g. the folders of a fleet's workers)",
    )
    p.add_argument(
        "--policy-warcs",
        nargs="+",
        default=[],
        metavar="DIR_OR_S3_URL",
        help="archives of site policy files (e.g. Common Crawl's robotstxt/ WARCs) for pages of "
        "archives clearcrawl did not write",
    )
    p.add_argument(
        "--policy-window-days",
        type=_positive,
        default=30,
        metavar="DAYS",
        help="an archived policy file counts for a page captured at most DAYS days from it "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--fetch-policies",
        action="store_true",
        help="fetch policy files no archive holds, now (archived beside the dataset and "
        "recorded as fetched at export time)",
    )
    p.add_argument(
        "--shard",
        metavar="I/N",
        help="export only shard I of N of the input (by WARC file); join with clearcrawl merge",
    )
    p.add_argument("--out", required=True, metavar="DATASET_DIR")
    p.add_argument("--policy", help="rights policy file (JSON or TOML)")
    p.add_argument(
        "--grants",
        metavar="FILE",
        help="licensed-source agreements (TOML or JSON), judged at each record's capture time",
    )
    p.add_argument(
        "--markdown", action="store_true", help="also keep a Markdown rendering of the text"
    )
    p.add_argument(
        "--workers",
        type=_positive,
        default=0,
        help="worker processes for extraction (default: number of cores)",
    )
    _shard_size_arguments(p)
    p.add_argument("--name", help="pretty name for the dataset card")
    p.add_argument("--s3-endpoint-url", help="S3-compatible endpoint for s3:// sources")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.add_argument(
        "--no-report", action="store_true", help="do not write report.html (the HTML rights report)"
    )


def empty_reason(summary: object) -> str:
    """Say why a dataset is empty: nothing assessable is not the same as nothing admitted."""
    pages = int(getattr(summary, "pages", 0))
    unknown = int(getattr(summary, "unassessed", 0))
    if pages == 0:
        return "no archived page was found in the input: the dataset is empty"
    if unknown >= pages:
        return (
            "nothing could be assessed: every page lacked the evidence a decision needs "
            "(see the reasons above and excluded.jsonl.gz); the dataset is empty"
        )
    return "no page passed the rights policy: the dataset is empty (see excluded.jsonl.gz)"


COMMAND = Command(
    "export",
    "turn a crawl's WARC files into a dataset with a rights manifest",
    _add_arguments,
    _cmd_export,
)
