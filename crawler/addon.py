"""Installs clearcrawl's components at fixed priorities (the one place component order lives).

Order matters for rights:

* ``DomainListMiddleware`` (50) refuses hosts on ``--deny-domains`` (or off ``--allow-domains``)
  before the policy files are fetched, so a denied host gets no request at all.
* ``PolicyFilesMiddleware`` (100) replaces Scrapy's ``RobotsTxtMiddleware``: it fetches and
  evaluates robots.txt, tdmrep.json and ai.txt *before* a request is downloaded.
* ``ResponseRightsMiddleware`` (585) runs after ``HttpCompressionMiddleware`` (590) has decoded
  the body and before ``RetryMiddleware`` (550) swallows error responses, so every final
  response is decided on, including 4xx/5xx.
* ``ExchangeCaptureMiddleware`` (950) sits next to the downloader: it sees the request as sent
  and the response exactly as received (still content-encoded), which is what the WARC stores.
* Scrapy's ``HttpCompressionMiddleware`` (590), ``RedirectMiddleware`` (600) and
  ``MetaRefreshMiddleware`` (580) are replaced, at the same priorities, by subclasses that
  record what their size and redirect limits drop (:mod:`crawler.middlewares.limits`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import Settings

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.domains.DomainListMiddleware": 50,
    "crawler.middlewares.prefetch.PolicyFilesMiddleware": 100,
    "crawler.middlewares.rights.ResponseRightsMiddleware": 585,
    "crawler.middlewares.grants.LicenseTokenMiddleware": 570,
    "crawler.middlewares.capture.ExchangeCaptureMiddleware": 950,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.limits.RecordedHttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.limits.RecordedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.limits.RecordedMetaRefreshMiddleware": 580,
}
SPIDER_MIDDLEWARES = {
    # Journals each page's outlinks before its capture is archived, so a killed crawl resumes
    # without losing part of the site (crawler.recovery).
    "crawler.recovery.FrontierJournalMiddleware": 1,
}
EXTENSIONS = {
    "crawler.extensions.warc.WarcWriterExtension": 100,
    "crawler.extensions.decisions.DecisionLogExtension": 110,
    "crawler.extensions.crawldelay.CrawlDelayExtension": 120,
}


class ClearcrawlAddon:
    """Scrapy add-on: ``ADDONS = {"crawler.addon.ClearcrawlAddon": 0}``."""

    def update_settings(self, settings: Settings) -> None:
        # Refuse bad settings before any component reads them, and put the operator's contact
        # into the User-Agent actually sent (crawler.settingscheck; issue 11).
        from crawler.settingscheck import check_settings, settle_user_agent

        check_settings(settings)
        settle_user_agent(settings)
        for name, prio in DOWNLOADER_MIDDLEWARES.items():
            settings["DOWNLOADER_MIDDLEWARES"][name] = prio
        for name, prio in SPIDER_MIDDLEWARES.items():
            settings["SPIDER_MIDDLEWARES"][name] = prio
        for name, prio in EXTENSIONS.items():
            settings["EXTENSIONS"][name] = prio
        # Resume state is clearcrawl's own: the frontier journal and the archive's URL ledgers
        # (Scrapy's JOBDIR queue is written only on a clean close, its seen-file is buffered).
        settings.set("DUPEFILTER_CLASS", "crawler.recovery.ArchiveDupeFilter", priority="addon")
        # Never obey robots.txt twice, or through the non-RFC-conformant built-in.
        settings.set("ROBOTSTXT_OBEY", False, priority="addon")
