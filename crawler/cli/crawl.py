"""``clearcrawl crawl``: seed URLs into WARC files and a decisions log (resumable).

Scrapy runs in-process (``AsyncCrawlerProcess``); flags map onto settings at ``cmdline``
priority and ``-s NAME=VALUE`` overrides any setting, as with ``scrapy crawl``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler import __version__
from crawler.cli.common import (
    Command,
    RunError,
    UsageError,
    _check_url,
    _load_grants,
    _load_policy,
    _nonneg,
    _parse_settings,
    _recover,
    settings_arg,
)
from crawler.scope import add_scope_arguments
from crawler.summary import (
    _interrupted_exit,
    _print_crawl_summary,
    _record_outcome,
    crawl_summary,
)


def _prepare_out(out: Path, *, resume: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    has_crawl = any((out / n).exists() for n in ("decisions.jsonl.gz", "decisions.jsonl", "warc"))
    if out.exists() and any(out.iterdir()) and not resume and has_crawl:
        raise UsageError(
            f"--out {out} already holds a crawl; use --resume to continue it or pick a new folder"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create --out {out}: {exc.strerror or exc}") from exc


def run_crawl(
    seeds: list[str],
    out: Path,
    *,
    max_pages: int = 0,
    max_depth: int = 0,
    policy_file: str | None = None,
    resume: bool = False,
    settings: dict[str, Any] | None = None,
    progress: bool = True,
    spider_args: dict[str, Any] | None = None,
    spider_cls: Any = None,
    after: Any = None,
) -> dict[str, Any]:
    """Crawl ``seeds`` into ``out``; return the crawl's stats.

    Interrupts: the first SIGINT/SIGTERM is Scrapy's graceful stop (requests in flight finish,
    every held capture is written, the WARC closed); the second stops at once
    (:func:`_forced_stop`). Either way the stats get ``clearcrawl/interrupted`` (``graceful`` or
    ``forced``) and ``clearcrawl/interrupt_signal``, and the caller reports an incomplete crawl.
    The stats also get ``clearcrawl/run/seconds`` and ``clearcrawl/run/warc_bytes``.
    ``spider_cls`` and ``after(crawler)`` (called once the crawl has stopped) are for
    ``clearcrawl worker`` (:mod:`crawler.cli.worker`).
    """
    import signal
    import time

    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.settings import Settings

    from crawler.commands.crawl import collect_failure
    from crawler.extensions.progress import warc_bytes_since, warc_names
    from spiders.site import SiteSpider

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.set("LOG_LEVEL", "WARNING", priority="cmdline")
    s.set("CLEARCRAWL_OUTPUT_DIR", str(out), priority="cmdline")
    if max_depth:
        s.set("DEPTH_LIMIT", max_depth, priority="cmdline")
    if policy_file:
        s.set("CLEARCRAWL_POLICY_FILE", policy_file, priority="cmdline")
    # Resume state (frontier journal, archive ledgers) is installed by crawler.addon.
    if resume:
        _recover(out, "resume")
    if progress:
        s.set("CLEARCRAWL_PROGRESS", True, priority="cmdline")
        s["EXTENSIONS"]["crawler.extensions.progress.ProgressExtension"] = 500
    for name, value in (settings or {}).items():
        s.set(name, value, priority="cmdline")
    interrupts: list[int] = []

    class Process(AsyncCrawlerProcess):
        # Scrapy's own handlers (graceful stop, then reactor stop), counted so the exit code
        # and the summary can say the crawl is incomplete.
        def _signal_shutdown(self, signum: int, frame: Any) -> None:
            interrupts.append(signum)
            super()._signal_shutdown(signum, frame)
            if progress:
                from twisted.internet import reactor

                reactor.callFromThread(_say_stopping)

        def _signal_kill(self, signum: int, frame: Any) -> None:
            interrupts.append(signum)
            super()._signal_kill(signum, frame)

    warc_before = warc_names(out / "warc")
    process = Process(s)
    crawler = process.create_crawler(spider_cls or SiteSpider)
    started = process.crawl(crawler, seeds=seeds, max_pages=max_pages, **(spider_args or {}))
    failures: list[BaseException] = []
    # A component that refuses its configuration raises inside the crawl task; Scrapy only logs
    # it and start() returns normally, so collect it here: a misconfigured crawl must not exit 0.
    collect_failure(started, failures)
    t0 = time.monotonic()
    process.start()
    if len(interrupts) > 1:
        _forced_stop(crawler)
    if after is not None:
        after(crawler)
    if failures and not interrupts:
        first = failures[0]
        if isinstance(first, ValueError):
            raise UsageError(str(first)) from first
        raise RunError(f"the crawl could not start: {type(first).__name__}: {first}") from first
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    stats["clearcrawl/run/seconds"] = round(time.monotonic() - t0, 3)
    stats["clearcrawl/run/warc_bytes"] = warc_bytes_since(out / "warc", warc_before)
    if interrupts:
        stats["clearcrawl/interrupted"] = "forced" if len(interrupts) > 1 else "graceful"
        stats["clearcrawl/interrupt_signal"] = signal.Signals(interrupts[0]).name
    stats_out = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in stats.items()}
    (out / "crawl-stats.json").write_text(
        json.dumps(stats_out, indent=2, sort_keys=True, default=str) + "\n"
    )
    if stats.get("clearcrawl/warc/error"):
        raise RunError(f"WARC writing failed: {stats['clearcrawl/warc/error']}")
    not_uploaded = int(stats.get("clearcrawl/s3/failed") or 0) + int(
        stats.get("clearcrawl/s3/pending") or 0
    )
    if interrupts:
        return stats  # incomplete either way; the resume hint covers uploads left over too
    if not_uploaded:
        raise RunError(
            f"{not_uploaded} WARC file(s) were not uploaded and verified; they stay in "
            f"{out / 'warc'} and are uploaded by the next `clearcrawl crawl --resume`"
        )
    reason = stats.get("finish_reason")
    if reason not in (None, "finished", "closespider_pagecount", "closespider_itemcount"):
        raise RunError(f"crawl stopped early: {reason}")
    failed_seeds = dict(getattr(crawler.spider, "seed_failures", None) or {})
    if failed_seeds and not stats.get("clearcrawl/seeds/reached"):
        shown = "; ".join(f"{url} ({why})" for url, why in list(failed_seeds.items())[:3])
        more = f" and {len(failed_seeds) - 3} more" if len(failed_seeds) > 3 else ""
        raise RunError(
            f"no seed could be fetched: {shown}{more} (each is recorded in the decisions log in {out})"
        )
    return stats


#: Seconds a forced stop waits for the WARC writer to write what is queued and close its file.
FORCED_STOP_WAIT_S = 10.0


def _say_stopping() -> None:
    print(
        "clearcrawl: stopping after the requests in flight; press Ctrl-C again to stop at once",
        file=sys.stderr,
        flush=True,
    )


def _forced_stop(crawler: Any) -> None:
    """Second interrupt: the reactor is stopped and no ``spider_closed`` will come.

    Scrapy stops the reactor at once, so the extensions' close hooks never run: close the WARC
    file ourselves (bounded wait), stop the progress display. Captures still held for their
    outlinks are dropped (their URLs are in the frontier journal; ``--resume`` fetches them).
    """
    from crawler.extensions.progress import ProgressExtension
    from crawler.extensions.warc import WarcWriterExtension

    for ext in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(ext, ProgressExtension):
            ext.stop()
    for ext in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(ext, WarcWriterExtension):
            closed = ext.abort(FORCED_STOP_WAIT_S)
            if crawler.stats is not None:
                crawler.stats.set_value("clearcrawl/warc/closed_at_forced_stop", closed)


def _crawl_plan(args: argparse.Namespace, out: Path, policy: Any, policy_file: str | None) -> None:
    """Reconcile the command line with ``DIR/job/crawl.json``; write the record for this run.

    A fresh crawl records its seeds, policy (label, digest, file), budget and store. ``--resume``
    then needs none of them: seeds, ``--max-pages``, ``--max-depth`` and ``--warc-store`` not
    given are the recorded ones. A different policy is refused (one folder, one policy: its
    decisions and WARC records would otherwise disagree). Seeds not in the record are refused
    unless ``--add-seeds`` says to add them (recorded). Sets ``args.seeds`` and the budget.
    """
    from crawler.recovery import RecoveryError, read_crawl_record, write_crawl_record

    seeds = [_check_url(u) for u in args.seeds]
    if args.add_seeds and not args.resume:
        raise UsageError("--add-seeds only applies with --resume")
    try:
        record = read_crawl_record(out) if args.resume else None
    except RecoveryError as exc:
        raise UsageError(str(exc)) from exc
    if record is None:
        if args.resume:  # a crawl from before crawl.json: its WARCs say which policy it ran
            _refuse_other_policy(out, _warcinfo_policy(out / "warc"), policy)
        if not seeds and not args.seeds_file:
            what = "no crawl to resume in" if args.resume else "no SEED_URL given for"
            raise UsageError(f"{what} {out}: give at least one SEED_URL (or --seeds-file)")
        record = {"seeds": [], "runs": []}
    else:
        _refuse_other_policy(out, record.get("policy") or {}, policy)
        known = {_seed_key(u) for u in record.get("seeds", [])}
        new = [u for u in seeds if _seed_key(u) not in known]
        if new and not args.add_seeds:
            raise UsageError(
                f"--resume: {new[0]} is not a seed of the crawl in {out}; omit the seeds to "
                "resume with the recorded ones, or pass --add-seeds to add it"
            )
        if args.max_pages is None:
            args.max_pages = int(record.get("max_pages") or 0)
        if args.max_depth is None:
            args.max_depth = int(record.get("max_depth") or 0)
        if args.warc_store is None:
            args.warc_store = record.get("warc_store")
    known = {_seed_key(u) for u in record["seeds"]}
    added = list(dict.fromkeys(u for u in seeds if _seed_key(u) not in known))
    record["seeds"] = [*record["seeds"], *added]
    record["policy"] = {
        "label": policy.label,
        "digest": policy.digest,
        "file": str(Path(policy_file).resolve()) if policy_file else None,
    }
    record["max_pages"] = args.max_pages or 0
    record["max_depth"] = args.max_depth or 0
    record["warc_store"] = args.warc_store or None
    runs = record.setdefault("runs", [])
    runs.append(
        {
            "resume": bool(args.resume),
            "seeds_added": added,
            "max_pages": args.max_pages or 0,
            "clearcrawl_version": __version__,
        }
    )
    try:
        write_crawl_record(out, record)
    except OSError as exc:
        raise UsageError(f"cannot write {out}/job/crawl.json: {exc.strerror or exc}") from exc
    args.seeds = record["seeds"]
    args.max_pages = args.max_pages or 0
    args.max_depth = args.max_depth or 0


def _seed_key(url: str) -> str:
    """Return the seed as compared on resume (scheme, host lower-cased; empty path = ``/``)."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    return f"{parts.scheme.lower()}://{netloc}{parts.path or '/'}" + (
        f"?{parts.query}" if parts.query else ""
    )


def _refuse_other_policy(out: Path, recorded: dict[str, Any], policy: Any) -> None:
    if recorded.get("digest") and recorded["digest"] != policy.digest:
        was = f" from {recorded['file']}" if recorded.get("file") else ""
        raise UsageError(
            f"--resume: the crawl in {out} runs policy {recorded.get('label')}{was} "
            f"({recorded['digest']}), this run has {policy.label} ({policy.digest}); "
            "pass the same --policy, or crawl into a new --out"
        )


def _warcinfo_policy(warc_dir: Path) -> dict[str, Any]:
    """Policy label and digest from the newest WARC's warcinfo ({} when there is none)."""
    from export import read_warcinfo

    files = sorted(
        p for p in warc_dir.glob("*.warc.gz*") if p.name.endswith((".warc.gz", ".warc.gz.open"))
    )
    for path in reversed(files):
        try:
            info = read_warcinfo(str(path))
            digest = info.get("clearcrawl-policy-digest")
            content = json.loads(info.get("clearcrawl-policy") or "{}")
        except Exception:  # unreadable: try the next file; with none, no check (as before)
            logging.getLogger(__name__).debug("no warcinfo in %s", path, exc_info=True)
            continue
        if digest:
            label = f"{content.get('name')}@{content.get('version')}" if content else "unknown"
            return {"digest": digest, "label": label}
    return {}


def _cmd_crawl(args: argparse.Namespace) -> int:
    if args.frontier:  # many workers, one crawl: push the seeds, then work (issue 13)
        from crawler.cli.common import run_fleet

        if args.resume or args.add_seeds:
            raise UsageError(
                "--resume/--add-seeds do not apply with --frontier: a worker always recovers "
                "its --out, and `clearcrawl seed` adds seeds to a running crawl"
            )
        return run_fleet(args, seeds=args.seeds, crawl=sys.modules[__name__])
    if args.crawl_id is not None:
        raise UsageError("--crawl-id only applies with --frontier")
    out = Path(args.out)
    settings = _parse_settings(args.set)
    policy_file = settings.get("CLEARCRAWL_POLICY_FILE") or args.policy
    policy = _load_policy(policy_file)  # validate before starting anything
    grants_file = settings.get("CLEARCRAWL_GRANTS_FILE") or args.grants
    _load_grants(grants_file)
    if grants_file:
        settings["CLEARCRAWL_GRANTS_FILE"] = str(Path(grants_file).resolve())
    for u in args.seeds:
        _check_url(u)
    if args.warc_store is not None and (
        not args.warc_store.startswith("s3://") or len(args.warc_store) <= 5
    ):
        raise UsageError(f"--warc-store must be s3://bucket[/prefix], got {args.warc_store!r}")
    _prepare_out(out, resume=args.resume)
    _crawl_plan(args, out, policy, policy_file)
    seeds = args.seeds
    spider_args = _scope(args, out, settings)
    if args.warc_store:
        settings["CLEARCRAWL_WARC_STORE"] = args.warc_store
    if args.s3_endpoint_url:
        settings["CLEARCRAWL_S3_ENDPOINT_URL"] = args.s3_endpoint_url
    stats = run_crawl(
        seeds,
        out,
        max_pages=args.max_pages,
        max_depth=args.max_depth,
        policy_file=args.policy,
        resume=args.resume,
        settings=settings,
        progress=not args.quiet,
        spider_args=spider_args,
    )
    summary = crawl_summary(stats)
    _record_outcome(out, stats)
    _print_crawl_summary(summary, out)
    return _interrupted_exit(summary, out)


def _scope(args: argparse.Namespace, out: Path, settings: dict[str, Any]) -> dict[str, Any]:
    """Scope options (:mod:`crawler.scope`) checked and recorded in ``job/crawl.json``."""
    from crawler.recovery import read_crawl_record, write_crawl_record
    from crawler.scope import apply_broad_crawl, scope_options

    record = read_crawl_record(out) or {}
    was_stdin = ((record.get("scope") or {}).get("seeds_file")) == "-"
    if args.resume and was_stdin and not args.seeds_file and not args.seeds:
        raise UsageError(
            f"--resume: the crawl in {out} was seeded from standard input; pipe the seeds again "
            "with --seeds-file - (seeds already archived are not fetched again)"
        )
    try:
        spider_args = scope_options(args, settings, record)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    applied = apply_broad_crawl(args.seeds, spider_args, settings, quiet=args.quiet)
    record["scope"]["broad_crawl_settings"] = applied
    write_crawl_record(out, record)
    return spider_args


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "seeds",
        nargs="*",
        metavar="SEED_URL",
        help="start URL(s); with --resume, omit them to use the crawl's recorded seeds",
    )
    p.add_argument("--out", required=True, help="output folder (warc/, decisions.jsonl.gz)")
    p.add_argument(
        "--max-pages",
        type=_nonneg,
        default=None,
        help="stop after N distinct page URLs (0 = no limit; --resume: the recorded budget)",
    )
    p.add_argument(
        "--max-depth",
        type=_nonneg,
        default=None,
        help="follow links at most N deep (0 = no limit; --resume: the recorded depth)",
    )
    p.add_argument("--policy", help="rights policy file (JSON or TOML)")
    p.add_argument(
        "--grants",
        metavar="FILE",
        help="licensed-source agreements (TOML or JSON): content they cover and permit is "
        "admitted, licence tokens are sent to their origin only",
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted crawl in --out")
    p.add_argument(
        "--add-seeds",
        action="store_true",
        help="with --resume: add SEED_URLs that are not the crawl's seeds (recorded)",
    )
    add_scope_arguments(p)
    p.add_argument("--warc-store", help="upload closed WARC files to s3://bucket/prefix")
    p.add_argument(
        "--s3-endpoint-url", help="S3-compatible endpoint (default: boto3's configuration)"
    )
    settings_arg(p)
    from crawler.cli.common import frontier_args, idle_exit_arg

    frontier_args(p, required=False)  # --frontier, --crawl-id: crawl as a fleet worker
    idle_exit_arg(p)


COMMAND = Command(
    "crawl", "crawl seed URLs into WARC files and a decisions log", _add_arguments, _cmd_crawl
)
