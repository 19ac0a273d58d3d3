"""A live ``check`` honours the full AI token list, and a pinned list, like a crawl (issue 15).

``tests/sites/ai-token-list`` on 127.0.0.1: its robots.txt refuses ``/page.html`` only to
``iaskspider/2.0`` and ``ExaBot``, tokens of ai.robots.txt's list clearcrawl did not honour
before; the access log proves the refused page is never requested.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from tests.support.helpers import SITES, run_cli


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer(SITES / "ai-token-list") as server:
        yield server


def test_check_refuses_for_a_listed_token_and_names_it(site: SiteServer, tmp_path: Path) -> None:
    proc = run_cli("check", site.url + "/page.html", site.url + "/open.html", timeout=60)
    assert proc.returncode == 0, proc.stderr
    refused, allowed = (json.loads(x) for x in proc.stdout.splitlines() if x.strip())
    assert refused["fetched"] is False
    assert refused["decision"]["reasons"] == ["robots-disallowed"]
    robots = refused["prefetch"]["robots"]
    assert robots["refused_tokens"] == ["ExaBot", "iaskspider"]  # honoured order
    assert robots["reason"].startswith("disallowed for ExaBot, iaskspider (named")
    assert allowed["fetched"] is True
    assert "/page.html" not in site.log.paths()
    # A pinned list without those tokens lets the page be fetched.
    pinned = tmp_path / "pinned.txt"
    pinned.write_text("GPTBot\n")
    proc = run_cli(
        "check", site.url + "/page.html", "-s", f"CLEARCRAWL_AI_TOKENS_FILE={pinned}", timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = (json.loads(x) for x in proc.stdout.splitlines() if x.strip())
    assert row["fetched"] is True
    assert "/page.html" in site.log.paths()
