"""``clearcrawl report``: a release's rights as one self-contained, offline HTML file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from crawler.cli.common import Command, UsageError, _dataset_dir


def _cmd_report(args: argparse.Namespace) -> int:
    from export import record_checksums, write_report

    folder = _dataset_dir(args.dataset)
    crawl = Path(args.crawl) if args.crawl else None
    if crawl is not None and not (crawl / "crawl-stats.json").is_file():
        raise UsageError(f"--crawl {args.crawl} holds no crawl-stats.json; is it a crawl folder?")
    out = Path(args.out) if args.out else folder / "report.html"
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name such as report.html")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    path, facts = write_report(folder, out, crawl_dir=crawl)
    if path.resolve() == (folder / "report.html").resolve() and _lists_checksums(folder):
        record_checksums(folder)  # the release's own report changed: list its new sha256
    totals = facts.totals
    print(f"report: {path} ({path.stat().st_size} bytes; open it in a browser, works offline)")
    print(
        f"  {totals['considered']} URLs considered: {totals['exported']} exported, "
        f"{totals['excluded']} excluded, {totals['refused']} refused before fetching, "
        f"{totals['not-followed']} not followed, {totals['policy-files']} policy files"
    )
    bad = [r for r in facts.reconciliation if r[1] != r[3]]
    for name, mine, where, theirs in bad:
        print(f"  warning: {name} counted {mine}, but {where} says {theirs}")
    return 0


def _lists_checksums(folder: Path) -> bool:
    """Whether the release records its files' sha256 (earlier exports do not)."""
    try:
        info = json.loads((folder / "export-info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and isinstance(info.get("files"), dict)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument("--out", metavar="FILE.html", help="default: DATASET_DIR/report.html")
    p.add_argument(
        "--crawl",
        metavar="CRAWL_DIR",
        help="the crawl folder, to reconcile the totals with its crawl-stats.json",
    )


COMMAND = Command(
    "report",
    "write a release's rights report: one offline HTML file (totals, charts, every record)",
    _add_arguments,
    _cmd_report,
)
