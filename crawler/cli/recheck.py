"""``clearcrawl recheck``: which records of a dataset would be refused by today's policy files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import Command, UsageError, _dataset_dir, settings_arg


def _cmd_recheck(args: argparse.Namespace) -> int:
    from crawler.cli.check import _check_identity
    from crawler.recheck import dataset_tokens, recheck_dataset

    folder = _dataset_dir(args.dataset)
    out = Path(args.out) if args.out else None
    if out is not None and out.resolve() == folder.resolve():
        raise UsageError("--out must be a new folder, not the dataset being rechecked")
    if out is not None and out.exists() and any(out.iterdir()):
        raise UsageError(f"--out {out} exists and is not empty")
    _settings, user_agent, crawl_tokens = _check_identity(args.set, warn=True)
    tokens = dataset_tokens(folder) or crawl_tokens

    def progress(origins: int, base: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(
                f"\rrecheck: {origins} origin(s), now {base}"[:100].ljust(100),
                end="",
                file=sys.stderr,
                flush=True,
            )

    result = recheck_dataset(folder, user_agent=user_agent, tokens=tokens, progress=progress)
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    s = result.summary()
    print(
        f"rechecked {s['records']} record(s) on {s['origins']} origin(s) at {s['checked_at']}: "
        f"{s['withdrawn']} would be refused today"
    )
    for reason, n in s["withdrawn_by_reason"].items():
        print(f"  {n:6d}  {reason}")
    if s["still_allowed_with_changed_policy_files"]:
        print(
            f"  {s['still_allowed_with_changed_policy_files']} record(s) still allowed, "
            "under changed policy files"
        )
    for w in result.withdrawn[: args.show]:
        print(f"  withdrawn: {w['url']}  ({', '.join(w['new']['reasons'])})")
    if len(result.withdrawn) > args.show:
        print(f"  … and {len(result.withdrawn) - args.show} more (see the report)")
    print(f"report: {folder / result.report}")
    print(f"policy files archived: {folder / result.warc}")
    if out is not None:
        from export.revise import write_revision

        written = write_revision(
            folder,
            out,
            result.withdrawn,
            checked_at=result.checked_at,
            report=result.report,
            warc=result.warc,
        )
        print(f"new dataset version without the withdrawn records: {out} ({written} records)")
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument(
        "--out",
        metavar="NEW_DATASET_DIR",
        help="write a new dataset version without the withdrawn records (with a changelog)",
    )
    p.add_argument("--show", type=int, default=20, help="withdrawn records listed (default 20)")
    settings_arg(p)  # -s as for crawl (the User-Agent a crawl would send), -q


COMMAND = Command(
    "recheck",
    "re-fetch a dataset's policy files and list the records that would be refused today",
    _add_arguments,
    _cmd_recheck,
)
