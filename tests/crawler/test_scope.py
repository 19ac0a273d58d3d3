"""Broad-crawl defaults (crawler/scope.py): Scrapy's broad-crawl settings when many origins.

Issue 13: "the broad-crawl settings Scrapy documents for many origins (priority queue that
spreads load across origins, DNS cache, no per-request cookies) applied by default when there
are many seed origins" — and ``-s`` still wins.
"""

from __future__ import annotations

from crawler.scope import BROAD_CRAWL_ORIGINS, BROAD_CRAWL_SETTINGS, apply_broad_crawl


def seeds(origins: int, per_origin: int = 2) -> list[str]:
    return [f"https://h{i}.example/p{j}" for i in range(origins) for j in range(per_origin)]


def test_few_origins_are_not_a_broad_crawl() -> None:
    settings: dict[str, str] = {}
    assert apply_broad_crawl(seeds(BROAD_CRAWL_ORIGINS - 1), {}, settings, quiet=True) == {}
    assert settings == {}


def test_many_origins_get_scrapys_broad_crawl_settings() -> None:
    settings: dict[str, str] = {}
    applied = apply_broad_crawl(seeds(BROAD_CRAWL_ORIGINS), {}, settings, quiet=True)
    assert applied == BROAD_CRAWL_SETTINGS == settings
    assert settings["SCHEDULER_PRIORITY_QUEUE"] == "scrapy.pqueues.DownloaderAwarePriorityQueue"
    assert settings["COOKIES_ENABLED"] == "False"
    assert settings["DNSCACHE_ENABLED"] == "True"
    assert "REDIRECT_ENABLED" not in settings  # redirects stay on (RFC 9309 §2.3.1.2)


def test_a_seeds_file_is_always_broad_and_user_settings_win() -> None:
    settings = {"CONCURRENT_REQUESTS": "8"}
    applied = apply_broad_crawl([], {"seeds_file": "seeds.txt"}, settings, quiet=True)
    assert "CONCURRENT_REQUESTS" not in applied
    assert settings["CONCURRENT_REQUESTS"] == "8"
    assert settings["SCHEDULER_PRIORITY_QUEUE"] == "scrapy.pqueues.DownloaderAwarePriorityQueue"
