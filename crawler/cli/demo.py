"""``clearcrawl demo``: crawl, archive and export the bundled demo site (127.0.0.1)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from crawler.cli.common import (
    Command,
    UsageError,
    _parse_settings,
    settings_arg,
)
from crawler.cli.crawl import run_crawl
from crawler.summary import _interrupted_exit, _print_crawl_summary, crawl_summary


def _cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo.server import SiteServer
    from export import run_export

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    marker = out / ".clearcrawl-demo"
    if out.exists() and any(out.iterdir()) and not marker.exists():
        raise UsageError(f"--out {out} is not empty and not an earlier demo's folder; pick another")
    for sub in ("crawl", "dataset"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text("written by `clearcrawl demo`; safe to delete\n")
    crawl_dir, dataset_dir = out / "crawl", out / "dataset"
    with SiteServer() as server:
        print(f"demo: serving the bundled site at {server.url}/ (127.0.0.1, free port)")
        stats = run_crawl(
            [server.url + "/"],
            crawl_dir,
            max_pages=args.max_pages,
            settings=_parse_settings(args.set),
            progress=not args.quiet,
        )
        requested = len(server.log.paths())
    summary = crawl_summary(stats)
    _print_crawl_summary(summary, crawl_dir)
    print(f"  server saw {requested} requests; it is now shut down")
    if summary["interrupted"]:
        return _interrupted_exit(summary, crawl_dir)
    exp = run_export(crawl_dir, dataset_dir)
    print(f"export: {exp.exported} records exported of {exp.pages} archived pages")
    for spdx, n in sorted(exp.licenses.items()):
        print(f"  licence {spdx}: {n}")
    for reason, n in sorted(exp.excluded.items()):
        print(f"  excluded by {reason}: {n}")
    print(f"  dataset:   {dataset_dir / 'data'}  (datasets.load_dataset({str(dataset_dir)!r}))")
    print(f"  manifest:  {dataset_dir / 'manifest.jsonl.gz'}")
    print(f"  card:      {dataset_dir / 'README.md'}")
    print(f"  excluded:  {dataset_dir / 'excluded.jsonl.gz'}")
    print(f"  report:    {dataset_dir / 'report.html'}  (open it in a browser; works offline)")
    cli = _invoked_as()
    print("next (the clearcrawl command is in .venv/bin/, or `source .venv/bin/activate`):")
    print(f"  {cli} explain {dataset_dir} ID_OR_URL      # why a record is in or out")
    print(f"  {cli} verify {dataset_dir} --warc {crawl_dir / 'warc'}")
    print(f"  {cli} crawl https://example.org/ --out my-crawl -s CLEARCRAWL_CONTACT=mailto:YOU")
    return 0


def _invoked_as() -> str:
    """How to type this command again: the path of the console script when it is not on PATH."""
    argv0 = sys.argv[0] if sys.argv else ""
    if Path(argv0).name != "clearcrawl":
        return "clearcrawl"
    on_path = shutil.which("clearcrawl")
    if on_path is not None and Path(on_path).resolve() == Path(argv0).resolve():
        return "clearcrawl"
    return argv0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="clearcrawl-demo", help="output folder (default: %(default)s)")
    p.add_argument("--max-pages", type=int, default=0, help=argparse.SUPPRESS)
    settings_arg(p)


COMMAND = Command(
    "demo", "crawl, archive and export the bundled demo site", _add_arguments, _cmd_demo
)
