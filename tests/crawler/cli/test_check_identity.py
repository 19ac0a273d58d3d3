"""``clearcrawl check`` has the crawl's identity (issue 11 item 4 follow-up).

A live check sends the User-Agent a crawl with the same ``-s`` settings sends (the operator's
contact in it), and honours that crawl's tokens: the sent product token gets RFC 9309 §2.2.1
in full. Real CLI in a subprocess against ``tests/sites/ua-token`` on 127.0.0.1 (robots.txt:
``User-agent: MyBot`` / ``Disallow: /a.html``), the server recording every User-Agent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler import __version__
from crawler.demo.server import SiteServer
from tests.support.agentlog import DEFAULT_CONTACT_WARNING, AgentLog, _AgentHandler
from tests.support.helpers import SITES, run_cli


@pytest.fixture
def ua_site() -> Iterator[tuple[SiteServer, AgentLog]]:
    server = SiteServer(SITES / "ua-token")
    log = AgentLog()
    server._server.RequestHandlerClass = _AgentHandler  # records User-Agent, then serves
    server._server.agent_log = log  # type: ignore[attr-defined]
    with server:
        yield server, log


CUSTOM_UA = "MyBot/1.0 (+mailto:me@example.org)"


def _check(*args: str) -> tuple[list[dict[str, Any]], str]:
    proc = run_cli("check", *args, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()], proc.stderr


def test_check_sends_the_contact_in_the_user_agent(
    ua_site: tuple[SiteServer, AgentLog],
) -> None:
    server, agents = ua_site
    rows, stderr = _check(server.url + "/a.html", "-s", "CLEARCRAWL_CONTACT=mailto:ops@example.org")
    assert agents.agents() == {f"clearcrawl/{__version__} (+mailto:ops@example.org)"}
    assert "/robots.txt" in server.log.paths()  # policy files asked with the same identity
    (row,) = rows
    assert row["fetched"] is True  # the MyBot group does not bind clearcrawl
    assert DEFAULT_CONTACT_WARNING not in stderr


def test_check_with_the_default_contact_warns_like_crawl(
    ua_site: tuple[SiteServer, AgentLog],
) -> None:
    server, agents = ua_site
    _, stderr = _check(server.url + "/b.html")
    assert stderr.count(DEFAULT_CONTACT_WARNING) == 1
    assert agents.agents() == {
        f"clearcrawl/{__version__} (+https://github.com/clearcrawl/clearcrawl)"
    }


def test_check_honours_the_sent_user_agent_token(ua_site: tuple[SiteServer, AgentLog]) -> None:
    server, agents = ua_site
    rows, _ = _check(
        server.url + "/a.html", server.url + "/b.html", "-s", f"USER_AGENT={CUSTOM_UA}"
    )
    refused, allowed = rows
    assert agents.agents() == {CUSTOM_UA}
    assert refused["fetched"] is False
    assert refused["decision"]["reasons"] == ["robots-disallowed"]
    assert "MyBot" in json.dumps(refused["prefetch"]["robots"])
    assert "/a.html" not in server.log.paths()  # refused to MyBot, never requested
    assert allowed["fetched"] is True
    assert "/b.html" in server.log.paths()


def test_check_saved_page_honours_the_sent_token(tmp_path: Path) -> None:
    # A robots meta addressed to MyBot binds a check run as MyBot, and nobody else.
    page = (SITES / "ua-token" / "b.html").read_text(encoding="utf-8")
    saved = tmp_path / "p.html"
    saved.write_text(
        page.replace("<head>", '<head><meta name="MyBot" content="noai">'), encoding="utf-8"
    )
    (as_mybot,), _ = _check(str(saved), "-s", f"USER_AGENT={CUSTOM_UA}")
    (as_default,), stderr = _check(str(saved))
    assert as_mybot["optout"]["reserved"] is True
    assert as_mybot["decision"]["include"] is False
    assert as_default["optout"]["reserved"] is False
    assert as_default["decision"]["include"] is True
    assert DEFAULT_CONTACT_WARNING not in stderr  # nothing was fetched, nobody to contact


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("CLEARCRAWL_AI_TOKENS=", "CLEARCRAWL_AI_TOKENS is empty"),
        ("USER_AGENT=(compatible)", "has no product token"),
        ("CLEARCRAWL_CONTACT=", "CLEARCRAWL_CONTACT must be"),
        ("CLEARCRAWL_AI_TOKEN=GPTBot", "unknown setting CLEARCRAWL_AI_TOKEN"),
        ("NOEQUALS", "-s expects NAME=VALUE"),
    ],
)
def test_check_refuses_bad_identity_settings_before_fetching(
    ua_site: tuple[SiteServer, AgentLog], setting: str, message: str
) -> None:
    server, _ = ua_site
    proc = run_cli("check", server.url + "/b.html", "-s", setting, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("clearcrawl: error: ")
    assert message in lines[0]
    assert server.log.paths() == []
