"""A crawl's closing account: its headline numbers from the ``clearcrawl/*`` stats, printed.

``clearcrawl crawl``, ``clearcrawl demo`` and every fleet worker end with the same summary: URLs
seen, fetched and not fetched (refused by the rights checks, apart from off-site links, redirect
limits, failed fetches and scope limits, which are not refusals), what was archived, how it was
decided, and, for an interrupted run, how it stopped and how to resume (exit 128 + signal).
The numbers come only from the crawl's stats, which add up by construction
(:class:`crawler.recorder.DecisionRecorder` counts every decision once).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from filters.reasons import Reason


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
    offsite = excluded_by.pop(Reason.OFF_SITE, 0)
    redirect_limit = excluded_by.pop(Reason.REDIRECT_LIMIT, 0)
    fetch_failed = excluded_by.pop(Reason.FETCH_ERROR, 0)
    # Scope limits (--seeds-file lines that are no URL, --max-pages-per-origin): not refusals.
    invalid_seeds = excluded_by.pop(Reason.INVALID_SEED, 0)
    origin_cap = excluded_by.pop(Reason.ORIGIN_PAGE_CAP, 0)
    reasons = {**excluded_by, **refused_by}
    policy_files = sum(v for k, v in stats.items() if k.startswith("clearcrawl/policyfile/"))
    redirects = g("clearcrawl/fetch/redirect", 0)
    captures = g("clearcrawl/warc/captures", 0)
    return {
        "urls_seen": candidates + excluded + not_fetched,
        "fetched": candidates + excluded,
        "not_fetched": not_fetched,
        "refused": max(
            0, not_fetched - offsite - redirect_limit - fetch_failed - invalid_seeds - origin_cap
        ),
        "invalid_seeds": invalid_seeds,
        "origin_cap": origin_cap,
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


def print_crawl_summary(summary: dict[str, Any], out: Path) -> None:
    """Print the crawl's headline numbers (also what a fleet worker prints when it ends)."""
    _print_crawl_summary(summary, out)


def _print_crawl_summary(summary: dict[str, Any], out: Path) -> None:
    from crawler.extensions.progress import format_bytes, format_duration, per_second

    not_fetched = [f"{summary['refused']} refused before fetching"]
    for key, what in (
        ("offsite", "off-site links not followed"),
        ("redirect_limit", "redirect targets past the limit"),
        ("fetch_failed", "fetches failed"),
        ("invalid_seeds", "seeds-file lines that are not URLs"),
        ("origin_cap", "over --max-pages-per-origin"),
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
