"""What the site spider keeps per URL for the whole crawl stays a few bytes a URL (issue 17).

A real spider from a real Scrapy crawler (``scrapy.utils.test.get_crawler``), fed URLs the way
its ``parse`` does; memory measured with ``tracemalloc``.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from scrapy.utils.test import get_crawler

from spiders.site import SiteSpider

URLS = 20_000


def _spider(tmp_path: Path, **kwargs: object) -> SiteSpider:
    crawler = get_crawler(SiteSpider, {"CLEARCRAWL_OUTPUT_DIR": str(tmp_path)})
    spider = SiteSpider.from_crawler(crawler, seeds="http://a.test/", **kwargs)
    crawler.spider = spider
    return spider


def test_links_over_the_page_budget_cost_a_digest_each(tmp_path: Path) -> None:
    spider = _spider(tmp_path, max_pages=1)
    assert spider._request("http://a.test/") is not None  # the budget: one page
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(URLS):
        assert spider._request(f"http://a.test/p/{i}", depth=1) is None
    per_url = (tracemalloc.get_traced_memory()[0] - before) / URLS
    tracemalloc.stop()
    # each remembered once (journaled once), as an 8-byte digest in a flat table (~16-26
    # bytes), not a 41-byte bytes object in a set (~67)
    assert per_url < 40, per_url
    assert spider.crawler.stats.get_value("clearcrawl/spider/max_pages_reached") == URLS
    assert spider._request("http://a.test/p/7", depth=1) is None
    assert spider.crawler.stats.get_value("clearcrawl/spider/max_pages_reached") == URLS + 1
    assert len(spider._over_budget) == URLS
