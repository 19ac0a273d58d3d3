"""Issue 11 item 1 end to end: a non-rule record does not end a robots.txt group (RFC 9309
§2.2.4), checked through ``clearcrawl check`` against a real local server.

``tests/sites/robots-grouping/robots.txt`` is the issue's repro: ``User-agent: CCBot`` /
``Crawl-delay: 1`` / blank / ``User-agent: SomeOtherBot`` / ``Disallow: /``. It is one group,
so CCBot (an honoured token) may fetch nothing, and the page must be refused unrequested.
"""

from __future__ import annotations

import json

from tests.support.helpers import run_cli


def test_check_refuses_a_page_whose_group_continues_past_a_crawl_delay(site_server) -> None:
    server = site_server("robots-grouping")
    proc = run_cli("check", server.url + "/page.html", timeout=60)
    assert proc.returncode == 0, proc.stderr
    (row,) = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert row["fetched"] is False
    assert row["decision"]["include"] is False
    assert "robots-disallowed" in row["decision"]["reasons"]
    assert row["prefetch"]["robots"]["allowed"] is False
    assert "CCBot" in json.dumps(row["prefetch"]["robots"])
    assert "/page.html" not in server.log.paths()
    assert "/robots.txt" in server.log.paths()
