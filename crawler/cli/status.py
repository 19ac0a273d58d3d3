"""``clearcrawl status``: the whole fleet's progress, read from the shared frontier.

Queue length, requests in flight (leased), the budget, pages fetched (every HTTP response, policy
files included), archived and decided by outcome and reason, and each worker with its rate and
whether it is alive (heartbeat younger than three beats). With ``--max-pages`` set on the crawl,
an ETA from the fleet's rate. ``--json`` prints the same numbers as one JSON object.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from crawler.cli.common import Command, RunError, connect_frontier, frontier_args


def status_lines(c: Any, url: str) -> list[str]:
    """Plain lines (no terminal control) for :class:`~crawler.distributed.frontier.FleetCounts`."""
    from crawler.extensions.progress import format_duration

    st = c.stats
    meta = c.meta
    budget = int(meta.get("max_pages") or 0)
    alive = [w for w in c.workers if w.get("alive")]
    rate = sum(float(w.get("pages_per_s") or 0) for w in alive)
    lines = [
        f"crawl {url}: policy {meta.get('policy_label', '?')} ({meta.get('policy_digest', '?')})",
        f"  frontier: {c.queued} queued, {c.in_flight} in flight, {c.done} done; "
        f"{c.accepted} URLs accepted" + (f" of a budget of {budget}" if budget else ""),
        f"  fetched:  {st.get('fetched', 0)} responses ("
        + ", ".join(
            f"{k.split('/', 1)[1]} {v}" for k, v in sorted(st.items()) if k.startswith("fetched/")
        )
        + f"); archived {st.get('archived', 0)} records; decided {st.get('decided', 0)}",
    ]
    outcomes = {k.split("/", 1)[1]: v for k, v in st.items() if k.startswith("decided/")}
    if outcomes:
        lines.append("  decided:  " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    for k, v in sorted(st.items()):
        if k.startswith("reason/"):
            lines.append(f"  reason {k.split('/', 1)[1]}: {v}")
    lines.append(
        f"  workers:  {len(alive)} alive of {len(c.workers)}; {rate:.2f} pages/s for the fleet"
    )
    if budget and rate > 0:
        left = max(0, budget - c.done)
        lines.append(f"  ETA:      {format_duration(left / rate)} for {left} more")
    for w in c.workers:
        state = "alive" if w.get("alive") else ("stopped" if w.get("stopped") else "gone")
        lines.append(
            f"    {w['id']}: {state}, {w.get('fetched', 0)} fetched, "
            f"{float(w.get('pages_per_s') or 0):.2f} pages/s, {w.get('held', 0)} held, "
            f"out {w.get('out', '')}"
        )
    return lines


def _cmd_status(args: argparse.Namespace) -> int:
    from crawler.distributed.frontier import FrontierUnavailable, redacted

    frontier = connect_frontier(args.frontier, args.crawl_id)
    try:
        counts = frontier.counts()
    except FrontierUnavailable as exc:
        raise RunError(str(exc)) from exc
    finally:
        frontier.close()
    if args.json:
        print(json.dumps({"crawl_id": frontier.crawl_id, **counts.to_json()}, sort_keys=True))
        return 0
    for line in status_lines(counts, f"{redacted(args.frontier)} ({frontier.crawl_id})"):
        print(line)
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    frontier_args(p)
    p.add_argument("--json", action="store_true", help="one JSON object instead of lines")


COMMAND = Command(
    "status", "show a shared-frontier crawl's progress, fleet-wide", _add_arguments, _cmd_status
)
