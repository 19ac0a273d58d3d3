"""The ``clearcrawl`` command: demo, crawl, export, check (and the reviewer's tools).

``main(argv=None) -> int`` so tests call it in-process. Exit codes: 0 success, 1 failed run,
2 usage error. Errors are one line on stderr, never a traceback for a user error. Scrapy runs
in-process (``AsyncCrawlerProcess``); flags map onto settings at ``cmdline`` priority and
``-s NAME=VALUE`` overrides any setting, as with ``scrapy crawl``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from crawler import __version__


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


class RunError(Exception):
    """The run failed for a reason outside the user's input: one line, exit code 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# --- helpers ------------------------------------------------------------------------------
def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not an http(s) URL with a host: {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise UsageError(f"bad port in URL {url!r}") from exc
    return url


def _parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        if not name:
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        out[name] = value
    return out


def _load_policy(path: str | None) -> Any:
    from filters.policy import DEFAULT_POLICY, Policy, PolicyError

    if not path:
        return DEFAULT_POLICY
    try:
        return Policy.from_file(path)
    except PolicyError as exc:
        raise UsageError(str(exc)) from exc


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


# --- crawl --------------------------------------------------------------------------------
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
) -> dict[str, Any]:
    """Crawl ``seeds`` into ``out``; return the crawl's stats.

    Interrupts: the first SIGINT/SIGTERM is Scrapy's graceful stop (requests in flight finish,
    every held capture is written, the WARC closed); the second stops at once
    (:func:`_forced_stop`). Either way the stats get ``clearcrawl/interrupted`` (``graceful`` or
    ``forced``) and ``clearcrawl/interrupt_signal``, and the caller reports an incomplete crawl.
    The stats also get ``clearcrawl/run/seconds`` and ``clearcrawl/run/warc_bytes``.
    """
    import signal
    import time

    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.settings import Settings

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
        from crawler.recovery import RecoveryError, recover_warc_dir

        try:
            recovered = recover_warc_dir(out / "warc")
        except RecoveryError as exc:
            raise RunError(str(exc)) from exc
        if recovered:
            print(
                f"resume: closed {len(recovered)} WARC file(s) an interrupted crawl left open",
                file=sys.stderr,
            )
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
    crawler = process.create_crawler(SiteSpider)
    started = process.crawl(crawler, seeds=seeds, max_pages=max_pages)
    failures: list[BaseException] = []
    # A component that refuses its configuration raises inside the crawl task; Scrapy only logs
    # it and start() returns normally, so collect it here: a misconfigured crawl must not exit 0.
    if hasattr(started, "add_done_callback"):
        started.add_done_callback(
            lambda f: (
                failures.append(f.exception()) if not f.cancelled() and f.exception() else None
            )
        )
    elif hasattr(started, "addErrback"):
        started.addErrback(lambda failure: failures.append(failure.value))
    t0 = time.monotonic()
    process.start()
    if len(interrupts) > 1:
        _forced_stop(crawler)
    if failures and not interrupts:
        exc = failures[0]
        if isinstance(exc, ValueError):
            raise UsageError(str(exc)) from exc
        raise RunError(f"the crawl could not start: {type(exc).__name__}: {exc}") from exc
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


def crawl_summary(stats: dict[str, Any]) -> dict[str, Any]:
    """Return the crawl's headline numbers from its ``clearcrawl/*`` stats (they add up)."""
    g = stats.get
    candidates = g("clearcrawl/decision/exported-candidate", 0)
    excluded = g("clearcrawl/decision/excluded", 0)
    not_fetched = g("clearcrawl/decision/not-fetched", 0)
    # Per-reason counters only (``.../<reason>/<detail>`` keys would count a URL twice).
    excluded_by = {
        k.split("/", 2)[2]: v
        for k, v in stats.items()
        if k.startswith("clearcrawl/excluded/") and k.count("/") == 2
    }
    refused_by = {
        k.split("/", 2)[2]: v
        for k, v in stats.items()
        if k.startswith("clearcrawl/prefetch/") and k.count("/") == 2
    }
    # Not-fetched URLs that were not refused: links to other origins (outside the crawl's scope,
    # never requested), redirect targets past REDIRECT_MAX_TIMES, and fetches that failed.
    offsite = excluded_by.pop("off-site", 0)
    redirect_limit = excluded_by.pop("redirect-limit", 0)
    fetch_failed = excluded_by.pop("fetch-error", 0)
    reasons = {**excluded_by, **refused_by}
    policy_files = sum(v for k, v in stats.items() if k.startswith("clearcrawl/policyfile/"))
    redirects = g("clearcrawl/fetch/redirect", 0)
    captures = g("clearcrawl/warc/captures", 0)
    return {
        "urls_seen": candidates + excluded + not_fetched,
        "fetched": candidates + excluded,
        "not_fetched": not_fetched,
        "refused": max(0, not_fetched - offsite - redirect_limit - fetch_failed),
        "offsite": offsite,
        "redirect_limit": redirect_limit,
        "fetch_failed": fetch_failed,
        "archived": captures,
        "archived_pages": captures - policy_files - redirects,
        "archived_policy_files": policy_files,
        "archived_redirects": redirects,
        "bodies_withheld": g("clearcrawl/warc/bodies_withheld", 0),
        "exported_candidates": candidates,
        "excluded": excluded,
        "reasons": dict(sorted(reasons.items())),
        "excluded_by": dict(sorted(excluded_by.items())),
        "refused_by": dict(sorted(refused_by.items())),
        "seconds": float(g("clearcrawl/run/seconds", 0.0)),
        "warc_bytes": int(g("clearcrawl/run/warc_bytes", 0)),
        "interrupted": g("clearcrawl/interrupted"),
        "interrupt_signal": g("clearcrawl/interrupt_signal"),
    }


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
        if not seeds:
            what = "no crawl to resume in" if args.resume else "no SEED_URL given for"
            raise UsageError(f"{what} {out}: give at least one SEED_URL")
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
    from export.warcread import read_warcinfo

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
    out = Path(args.out)
    settings = _parse_settings(args.set)
    policy_file = settings.get("CLEARCRAWL_POLICY_FILE") or args.policy
    policy = _load_policy(policy_file)  # validate before starting anything
    for u in args.seeds:
        _check_url(u)
    if args.warc_store is not None and (
        not args.warc_store.startswith("s3://") or len(args.warc_store) <= 5
    ):
        raise UsageError(f"--warc-store must be s3://bucket[/prefix], got {args.warc_store!r}")
    _prepare_out(out, resume=args.resume)
    _crawl_plan(args, out, policy, policy_file)
    seeds = args.seeds
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
    )
    summary = crawl_summary(stats)
    _record_outcome(out, stats)
    _print_crawl_summary(summary, out)
    return _interrupted_exit(summary, out)


def _record_outcome(out: Path, stats: dict[str, Any]) -> None:
    """Note in ``DIR/job/crawl.json`` how this run ended (a reviewer sees an incomplete crawl)."""
    from crawler.recovery import RecoveryError, read_crawl_record, write_crawl_record

    try:
        record = read_crawl_record(out)
        if record and record.get("runs"):
            record["runs"][-1]["outcome"] = (
                f"interrupted-{stats['clearcrawl/interrupted']}"
                if stats.get("clearcrawl/interrupted")
                else str(stats.get("finish_reason") or "finished")
            )
            write_crawl_record(out, record)
    except (OSError, RecoveryError):  # the crawl itself is done; the note is a convenience
        logging.getLogger(__name__).warning("could not update %s/job/crawl.json", out)


def _interrupted_exit(summary: dict[str, Any], out: Path) -> int:
    """Say how an interrupted crawl stopped and how to resume; 0, or 128 + signal (130: Ctrl-C)."""
    import shlex
    import signal

    if not summary["interrupted"]:
        return 0
    name = summary["interrupt_signal"] or "SIGINT"
    warc_dir = out / "warc"
    left_open = sorted(warc_dir.glob("*.warc.gz.open")) if warc_dir.is_dir() else []
    if summary["interrupted"] == "graceful":
        how = f"stopped by {name} after the requests in flight; WARC files closed"
    elif left_open:
        how = (
            f"stopped at once by a second {name}; {left_open[0].name} is left open and --resume "
            "cuts it after its last complete capture"
        )
    else:
        how = f"stopped at once by a second {name}; WARC files closed"
    print(f"  incomplete: {how}; pages not archived yet are fetched by --resume")
    print(f"  interrupted — resume with: clearcrawl crawl --out {shlex.quote(str(out))} --resume")
    return 128 + int(getattr(signal, name, signal.SIGINT))


def _print_crawl_summary(summary: dict[str, Any], out: Path) -> None:
    from crawler.extensions.progress import format_bytes, format_duration, per_second

    not_fetched = [f"{summary['refused']} refused before fetching"]
    for key, what in (
        ("offsite", "off-site links not followed"),
        ("redirect_limit", "redirect targets past the limit"),
        ("fetch_failed", "fetches failed"),
    ):
        if summary[key]:
            not_fetched.append(f"{summary[key]} {what}")
    print(
        f"crawl: {summary['urls_seen']} URLs seen: {summary['fetched']} fetched, "
        + ", ".join(not_fetched)
    )
    seconds = summary["seconds"]
    print(
        f"  took {format_duration(seconds)}: "
        f"{per_second(summary['fetched'], seconds):.2f} pages/s, "
        f"{format_bytes(summary['warc_bytes'])} of WARC written ({summary['warc_bytes']} bytes)"
    )
    print(
        f"  archived: {summary['archived_pages']} pages ({summary['bodies_withheld']} with the "
        f"body withheld for an opt-out), {summary['archived_policy_files']} policy files, "
        f"{summary['archived_redirects']} redirects"
    )
    print(
        f"  decided:  {summary['exported_candidates']} export candidates, "
        f"{summary['excluded']} excluded"
    )
    for reason, n in summary["excluded_by"].items():
        print(f"  excluded by {reason}: {n}")
    for reason, n in summary["refused_by"].items():
        print(f"  refused before fetching by {reason}: {n}")
    if summary["offsite"]:
        print(
            f"  not followed: off-site (links to other origins, outside the crawl's scope): "
            f"{summary['offsite']}"
        )
    if summary["redirect_limit"]:
        print(f"  not followed: redirect-limit (REDIRECT_MAX_TIMES): {summary['redirect_limit']}")
    if summary["fetch_failed"]:
        print(f"  fetch failed: {summary['fetch_failed']}")
    print(f"  WARC files:     {out / 'warc'}")
    print(f"  decisions log:  {out / 'decisions.jsonl.gz'}")


# --- export -------------------------------------------------------------------------------
def _check_writable_out(out: Path) -> None:
    """Bad ``--out`` (under a file, not writable) is bad input: one line, exit 2."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".clearcrawl-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {n}")
    return n


def _s3_endpoint(url: str | None) -> None:
    # export.s3source reads the endpoint from the environment (worker processes inherit it).
    if url:
        import os

        os.environ["CLEARCRAWL_S3_ENDPOINT_URL"] = url


def _cmd_export(args: argparse.Namespace) -> int:
    import time

    from crawler.extensions.progress import (
        PLAIN_INTERVAL_S,
        export_line,
        format_bytes,
        format_duration,
        per_second,
    )
    from export.parallel import default_workers
    from export.run import OutputError, run_export
    from export.warcread import SourceError

    policy = _load_policy(args.policy)
    src = args.source
    if not src.startswith("s3://") and not Path(src).exists():
        raise UsageError(f"{src} does not exist")
    if Path(src).is_file() and not src.endswith((".warc.gz", ".warc")):
        raise UsageError(f"{src} is a file, not a crawl folder (or a .warc.gz file)")
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


# --- explain / verify / publish -------------------------------------------------------------
def _dataset_dir(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"{path} is not a folder")
    if not any((folder / n).exists() for n in ("manifest.jsonl.gz", "manifest.jsonl")):
        raise UsageError(f"{path} holds no manifest.jsonl.gz; is it a clearcrawl export?")
    return folder


def _cmd_explain(args: argparse.Namespace) -> int:
    from export.explain import (
        NoMatchError,
        explain_entry,
        find_entries,
        find_row,
        release_policies,
    )

    folder = _dataset_dir(args.dataset)
    policies = release_policies(folder)
    try:
        found = find_entries(folder, args.key)
    except NoMatchError as exc:
        raise UsageError(str(exc)) from exc
    for i, (file, meaning, entry) in enumerate(found):
        if args.json:
            print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
            continue
        row = find_row(folder, entry["id"]) if file == "manifest.jsonl.gz" else None
        if i:
            print("-" * 72)
        print(explain_entry(file, meaning, entry, row, policies), end="")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from export.parallel import default_workers
    from export.verify import VerifyError, verify_dataset
    from export.warcread import SourceError

    folder = _dataset_dir(args.dataset)
    if not args.warc.startswith("s3://") and not Path(args.warc).exists():
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
        )
    except (VerifyError, SourceError) as exc:
        raise UsageError(str(exc)) from exc
    for row_id, url, problem in report.mismatches:
        print(f"MISMATCH {row_id or '-'} {url or '-'}: {problem}")
    print(
        f"verify: {report.checked} of {report.rows} rows re-derived from their WARC records; "
        f"{len(report.mismatches)} mismatch(es)"
    )
    if not report.ok:
        raise RunError(f"verify found {len(report.mismatches)} mismatch(es) in {folder}")
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from export.publish import PublishError, check_repo_id, planned_files, upload
    from export.validate import validate_dataset

    try:
        repo_id = check_repo_id(args.repo_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    folder = _dataset_dir(args.dataset)
    result = validate_dataset(folder)
    if not result.ok:
        more = len(result.problems) - 1 + result.suppressed
        tail = f" (and {more} more problem(s))" if more else ""
        raise UsageError(f"refusing to publish {folder}: {result.problems[0]}{tail}")
    files = planned_files(folder)
    total = sum(f.size for f in files)
    print(
        f"publish: {repo_id} (dataset repo): {len(files)} files, {total} bytes; "
        f"{result.rows} rows, manifest and card valid"
    )
    for f in files:
        print(f"  {f.path}  {f.size}  sha256:{f.sha256}")
    if args.dry_run:
        print("publish: dry run, nothing uploaded")
        return 0
    try:
        url = upload(folder, repo_id, private=args.private, commit_message=args.message)
    except PublishError as exc:
        raise RunError(str(exc)) from exc
    print(f"publish: uploaded to {url}")
    return 0


# --- check --------------------------------------------------------------------------------
def _read_saved_page(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UsageError(f"{path} is not a valid gzip file: {exc}") from exc
    return data


def _check_one(
    label: dict[str, str],
    url: str,
    headers: Any,
    body: bytes,
    status: int,
    policy: Any,
    tokens: tuple[str, ...],
) -> dict[str, Any]:
    from export.derive import decide_page  # the export's own decision, text step included
    from filters._html import ParsedPage

    page = ParsedPage(url, headers, body, status)
    d = decide_page(page, policy=policy, tokens=tokens)
    return {**label, **d.check_fields(), "notes": list(d.assessment.notes)}


def _check_identity(pairs: Sequence[str], *, warn: bool) -> tuple[Any, str, tuple[str, ...]]:
    """Return the settings, User-Agent and honoured tokens a crawl with ``-s pairs`` would use.

    The same path as ``crawl`` (issue 11): the project's settings, ``-s`` on top, refused when
    bad (:func:`crawler.settingscheck.check_settings`), the contact put into the User-Agent
    (:func:`crawler.settingscheck.settle_user_agent`) and the tokens read as the crawl's
    components read them (:func:`crawler.policyconf.load_tokens`). ``warn``: whether a default
    contact is warned about (only when something is fetched).
    """
    from scrapy.settings import Settings

    from crawler.policyconf import load_tokens
    from crawler.settingscheck import check_settings, settle_user_agent
    from crawler.settingscheck import logger as settings_logger

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    for name, value in _parse_settings(pairs).items():
        s.set(name, value, priority="cmdline")

    held: list[logging.LogRecord] = []

    def hold(record: logging.LogRecord) -> bool:
        held.append(record)
        return False

    settings_logger.addFilter(hold)  # the warning comes after every refusal, as crawl's does
    try:
        check_settings(s)
        settle_user_agent(s)
        tokens = load_tokens(s)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        settings_logger.removeFilter(hold)
    if warn:  # saved pages only: nobody is contacted, so the contact warning would be noise
        for record in held:
            settings_logger.handle(record)
    return s, str(s.get("USER_AGENT")), tokens


def _cmd_check(args: argparse.Namespace) -> int:
    jobs: list[tuple[str, str]] = []
    for item in args.inputs:
        if item.startswith(("http://", "https://")):
            jobs.append(("url", _check_url(item)))
            continue
        p = Path(item)
        if p.is_dir():
            files = sorted(
                f for f in p.iterdir() if f.name.endswith((".html", ".htm", ".html.gz", ".htm.gz"))
            )
            if not files:
                raise UsageError(f"{p} holds no .html or .html.gz files")
            jobs.extend(("file", str(f)) for f in files)
        elif p.is_file():
            jobs.append(("file", str(p)))
        elif "://" in item:
            raise UsageError(f"not an http(s) URL: {item!r}")
        else:
            raise UsageError(f"{item} does not exist")
    if args.url:
        _check_url(args.url)
    settings, user_agent, tokens = _check_identity(
        args.set, warn=any(kind == "url" for kind, _ in jobs)
    )
    policy = _load_policy(args.policy or settings.get("CLEARCRAWL_POLICY_FILE"))
    origins: dict[str, Any] = {}  # policy files fetched once per origin
    for kind, target in jobs:
        if kind == "url":
            from crawler.livecheck import check_live

            result = check_live(target, policy, tokens, origins, user_agent=user_agent)
        else:
            body = _read_saved_page(Path(target))
            url = args.url or ""
            result = _check_one({"file": target}, url, None, body, 200, policy, tokens)
        print(json.dumps(result, ensure_ascii=False, sort_keys=False), flush=True)
    return 0


# --- demo ---------------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo.server import SiteServer
    from export.run import run_export

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


# --- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """Build the argparse tree of every subcommand (tests render each one's ``--help``)."""
    parser = _Parser(
        prog="clearcrawl", description="Collect web text for AI training with the rights cleared."
    )
    parser.add_argument("--version", action="version", version=f"clearcrawl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def settings_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-s",
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="override a Scrapy/clearcrawl setting (repeatable)",
        )
        p.add_argument("-q", "--quiet", action="store_true", help="no progress display")

    p = sub.add_parser("demo", help="crawl, archive and export the bundled demo site")
    p.add_argument("--out", default="clearcrawl-demo", help="output folder (default: %(default)s)")
    p.add_argument("--max-pages", type=int, default=0, help=argparse.SUPPRESS)
    settings_arg(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("crawl", help="crawl seed URLs into WARC files and a decisions log")
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
    p.add_argument("--resume", action="store_true", help="continue an interrupted crawl in --out")
    p.add_argument(
        "--add-seeds",
        action="store_true",
        help="with --resume: add SEED_URLs that are not the crawl's seeds (recorded)",
    )
    p.add_argument("--warc-store", help="upload closed WARC files to s3://bucket/prefix")
    p.add_argument(
        "--s3-endpoint-url", help="S3-compatible endpoint (default: boto3's configuration)"
    )
    settings_arg(p)
    p.set_defaults(func=_cmd_crawl)

    p = sub.add_parser(
        "export", help="turn a crawl's WARC files into a dataset with a rights manifest"
    )
    p.add_argument("source", metavar="DIR_OR_S3_URL")
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
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser(
        "explain", help="say in plain language why a record is in (or out of) a dataset"
    )
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument("key", metavar="ID_OR_URL")
    p.add_argument("--json", action="store_true", help="print the manifest entries as JSON")
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser(
        "verify", help="re-read the WARC records a dataset points to and re-derive its rows"
    )
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument(
        "--warc",
        required=True,
        metavar="DIR_OR_S3_URL",
        help="the crawl folder (or WARC folder, or s3:// prefix) the dataset came from",
    )
    p.add_argument(
        "--workers", type=_positive, default=0, help="worker processes (default: number of cores)"
    )
    p.add_argument("--sample", type=_positive, metavar="N", help="check N rows chosen at random")
    p.add_argument("--seed", type=int, default=0, help="seed for --sample (default: %(default)s)")
    p.add_argument("--limit", type=_positive, metavar="N", help="check only the first N rows")
    p.add_argument("--s3-endpoint-url", help="S3-compatible endpoint for s3:// sources")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("publish", help="upload a validated dataset folder to the Hugging Face Hub")
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument("--repo-id", required=True, metavar="ORG/NAME")
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--message", help="commit message")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and list the files (size, sha256) without uploading",
    )
    p.set_defaults(func=_cmd_publish)

    p = sub.add_parser(
        "check", help="show licence, paywall and opt-out findings for saved pages or a URL"
    )
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--url", help="the original URL of the saved page(s)")
    p.add_argument("--policy", help="rights policy file (JSON or TOML)")
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting as for crawl (USER_AGENT, CLEARCRAWL_CONTACT, CLEARCRAWL_AI_TOKENS, ...): "
        "check sends the User-Agent and honours the tokens that crawl would (repeatable)",
    )
    p.set_defaults(func=_cmd_check)
    return parser


def _nonneg(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {n}")
    return n


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``clearcrawl`` command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"clearcrawl: error: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"clearcrawl: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clearcrawl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected failure: one line, details only with -v logging
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"clearcrawl: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
