"""``clearcrawl verify``: re-read the WARC records a dataset points to, re-derive its rows."""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli.common import (
    Command,
    RunError,
    UsageError,
    _dataset_dir,
    _positive,
    _s3_endpoint,
)


def _cmd_verify(args: argparse.Namespace) -> int:
    from export import SourceError, VerifyError, default_workers, verify_dataset

    folder = _dataset_dir(args.dataset)
    if args.warc and not args.warc.startswith("s3://") and not Path(args.warc).exists():
        raise UsageError(f"--warc {args.warc} does not exist")
    _s3_endpoint(args.s3_endpoint_url)
    try:
        report = verify_dataset(
            folder,
            args.warc,
            workers=args.workers or default_workers(),
            sample=args.sample,
            limit=args.limit,
            seed=args.seed,
            policy_warcs=args.policy_warcs,
        )
    except (VerifyError, SourceError) as exc:
        raise UsageError(str(exc)) from exc
    for name, problem in report.files:
        print(f"CHANGED {name}: {problem}")
    for row_id, url, problem in report.mismatches:
        print(f"MISMATCH {row_id or '-'} {url or '-'}: {problem}")
    print(
        f"verify: {report.files_checked} file(s) checked against their recorded sha256; "
        f"{len(report.files)} changed"
    )
    if args.warc:
        print(
            f"verify: {report.checked} of {report.rows} rows re-derived from their WARC records; "
            f"{len(report.mismatches)} mismatch(es)"
        )
    if not report.ok:
        raise RunError(
            f"verify found {len(report.files)} changed file(s) and "
            f"{len(report.mismatches)} mismatch(es) in {folder}"
        )
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument(
        "--warc",
        metavar="DIR_OR_S3_URL",
        help="the crawl folder (or WARC folder, or s3:// prefix) the dataset came from; "
        "without it, only the files' sha256 are checked",
    )
    p.add_argument(
        "--policy-warcs",
        nargs="+",
        default=[],
        metavar="DIR_OR_S3_URL",
        help="the policy archives the export was given (--policy-warcs), if any",
    )
    p.add_argument(
        "--workers", type=_positive, default=0, help="worker processes (default: number of cores)"
    )
    p.add_argument("--sample", type=_positive, metavar="N", help="check N rows chosen at random")
    p.add_argument("--seed", type=int, default=0, help="seed for --sample (default: %(default)s)")
    p.add_argument("--limit", type=_positive, metavar="N", help="check only the first N rows")
    p.add_argument("--s3-endpoint-url", help="S3-compatible endpoint for s3:// sources")


COMMAND = Command(
    "verify",
    "check a dataset's files against their sha256, re-derive its rows from the WARC records",
    _add_arguments,
    _cmd_verify,
)
