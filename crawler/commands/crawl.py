"""``scrapy crawl``: Scrapy's command, with bad input reported as one line and exit code 2.

Scrapy's own command lets an exception raised while the crawl starts (a spider argument
missing, a ``CLEARCRAWL_*`` setting refused by :mod:`crawler.settingscheck` or a component's
``from_crawler``) escape as a logged traceback. Here it is collected, as ``clearcrawl crawl``
does, and printed as ``scrapy crawl SPIDER: error: MESSAGE``: a ``ValueError`` is bad input
(exit 2, as the README says), anything else a failed run (exit 1). A crawl none of whose seeds
could be fetched is a failed run too (exit 1), as with ``clearcrawl crawl``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse


def collect_failure(started: Any, failures: list[BaseException]) -> None:
    """Append the exception a crawl task or Deferred ends with to ``failures``.

    Retrieving it means neither asyncio nor Twisted logs it as unhandled.
    """
    if hasattr(started, "add_done_callback"):
        started.add_done_callback(
            lambda f: (
                failures.append(f.exception()) if not f.cancelled() and f.exception() else None
            )
        )
    elif hasattr(started, "addErrback"):
        started.addErrback(lambda failure: failures.append(failure.value))


class Command(ScrapyCrawlCommand):
    """``scrapy crawl SPIDER``: start failures as one line; bad input exits 2."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        spname = args[0]
        if self.crawler_process is None:  # set by scrapy.cmdline before run()
            raise UsageError("no crawler process")
        failures: list[BaseException] = []
        crawler = None
        try:
            crawler = self._create_crawler(spname)
            started = self.crawler_process.crawl(crawler, **opts.spargs)
        except Exception as exc:  # noqa: BLE001 - reported as one line below
            failures.append(exc)
        else:
            collect_failure(started, failures)
            self.crawler_process.start()
        if failures:
            first = failures[0]
            print(f"scrapy crawl {spname}: error: {first}", file=sys.stderr)
            self.exitcode = 2 if isinstance(first, ValueError) else 1
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif unreached := _unreached_seeds(crawler):
            print(
                f"scrapy crawl {spname}: error: no seed could be fetched: {unreached}",
                file=sys.stderr,
            )
            self.exitcode = 1


def _unreached_seeds(crawler: Any) -> str:
    """Name the seeds when none could be fetched (as ``clearcrawl crawl``: a failed run), else ''."""
    failed = dict(getattr(getattr(crawler, "spider", None), "seed_failures", None) or {})
    stats = getattr(crawler, "stats", None)
    if not failed or (stats is not None and stats.get_value("clearcrawl/seeds/reached")):
        return ""
    return "; ".join(f"{url} ({why})" for url, why in failed.items())
