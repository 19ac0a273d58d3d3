"""A fleet worker's progress line: its own numbers, then the whole fleet's.

:class:`~crawler.extensions.progress.ProgressExtension` shows one process's crawl (its budget is
the spider's ``max_pages``, its queue Scrapy's scheduler). A fleet worker appends what the
heartbeat last read from Redis (:meth:`crawler.distributed.fleet.FleetWorker.beat`): workers
alive, URLs done, the shared queue and what is in flight, the fleet's pages/s, and with a crawl
budget (``--max-pages``) the share done and an ETA. Same display rules: one redrawn line on a
terminal, a plain line every 15 s otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.distributed.fleet import fleet_of
from crawler.extensions.progress import ProgressExtension, format_duration

if TYPE_CHECKING:
    from crawler.distributed.frontier import FleetCounts


def fleet_line(c: FleetCounts) -> str:
    """Return the fleet part of the progress line (also ``clearcrawl status``'s numbers)."""
    alive = [w for w in c.workers if w.get("alive")]
    rate = sum(float(w.get("pages_per_s") or 0) for w in alive)
    budget = int(c.meta.get("max_pages") or 0)
    parts = [f"fleet: {len(alive)} worker(s), {c.done} done"]
    if budget:
        left = max(0, budget - c.done)
        eta = "ETA ?" if rate <= 0 else f"ETA {format_duration(left / rate)}"
        parts[0] += f" of {budget} ({100 * min(c.done, budget) / budget:.0f}%) {eta}"
    parts.append(f"queue {c.queued}+{c.in_flight} in flight")
    parts.append(f"{rate:.1f} pages/s")
    return ", ".join(parts)


class FleetProgressExtension(ProgressExtension):
    """:class:`ProgressExtension` with the fleet's totals appended (module docstring)."""

    def _line(self) -> str:
        line = super()._line()
        counts: Any = fleet_of(self.crawler).last_counts
        return line if counts is None else f"{line} | {fleet_line(counts)}"
