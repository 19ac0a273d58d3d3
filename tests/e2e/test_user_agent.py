"""The User-Agent a crawl actually sends, and the tokens it honours (issue 11 items 2 and 4).

Real crawls (the CLI in a subprocess) of ``tests/sites/ua-token`` on 127.0.0.1; the server
records the ``User-Agent`` header of every request it receives. Its robots.txt has one group,
``User-agent: MyBot`` / ``Disallow: /a.html``: it binds a crawl whose User-Agent's product
token is ``MyBot`` and nobody else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler import __version__
from crawler.demo.server import SiteServer
from export.warcread import read_warcinfo
from tests.support.agentlog import DEFAULT_CONTACT_WARNING, AgentLog, _AgentHandler
from tests.support.helpers import SITES, crawl, decisions_by_path, read_jsonl, run_cli

CUSTOM_UA = "MyBot/1.0 (+mailto:me@example.org)"


@pytest.fixture
def ua_site() -> Iterator[tuple[SiteServer, AgentLog]]:
    server = SiteServer(SITES / "ua-token")
    log = AgentLog()
    server._server.RequestHandlerClass = _AgentHandler  # records User-Agent, then serves
    server._server.agent_log = log  # type: ignore[attr-defined]
    with server:
        yield server, log


def _warcinfo(out: Path) -> dict[str, str]:
    files = sorted((out / "warc").glob("*.warc.gz"))
    assert files
    return read_warcinfo(str(files[0]))


def _crawl(server: SiteServer, out: Path, *settings: str) -> str:
    extra: list[str] = []
    for s in settings:
        extra += ["-s", s]
    return crawl(out, server.url + "/", extra=tuple(extra)).stderr


def test_custom_user_agent_product_token_is_honoured(
    ua_site: tuple[SiteServer, AgentLog], tmp_path: Path
) -> None:
    server, agents = ua_site
    out = tmp_path / "crawl"
    _crawl(server, out, f"USER_AGENT={CUSTOM_UA}")
    assert agents.agents() == {CUSTOM_UA}  # the header actually sent
    requested = server.log.paths()
    assert "/b.html" in requested
    assert "/a.html" not in requested  # refused to MyBot, never requested
    (rec,) = decisions_by_path(out)["/a.html"]
    assert rec["outcome"] == "not-fetched"
    assert "robots-disallowed" in rec["reasons"]
    assert "MyBot" in json.dumps(rec)
    info = _warcinfo(out)
    honoured = [t.strip() for t in info["clearcrawl-honoured-tokens"].split(",")]
    assert honoured[0] == "MyBot"  # applied in full (RFC 9309 §2.2.1)
    assert {"clearcrawl", "Scrapy", "GPTBot"} <= set(honoured)
    assert info["http-header-user-agent"] == CUSTOM_UA
    assert info["operator"] == "mailto:me@example.org"  # the UA lends its contact
    ds = tmp_path / "ds"
    proc = run_cli("export", str(out), "--out", str(ds), "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    urls = {row["url"] for row in read_jsonl(ds / "manifest.jsonl.gz")}
    assert server.url + "/b.html" in urls
    assert server.url + "/a.html" not in urls


def test_default_user_agent_is_not_bound_by_another_bots_group(
    ua_site: tuple[SiteServer, AgentLog], tmp_path: Path
) -> None:
    # The same site, clearcrawl's own User-Agent: the MyBot group says nothing to it, so the
    # test above can only pass because the sent token is honoured.
    server, _ = ua_site
    _crawl(server, tmp_path / "crawl", "CLEARCRAWL_CONTACT=mailto:ops@example.org")
    assert "/a.html" in server.log.paths()


def test_contact_reaches_the_user_agent_sent(
    ua_site: tuple[SiteServer, AgentLog], tmp_path: Path
) -> None:
    server, agents = ua_site
    out = tmp_path / "crawl"
    stderr = _crawl(server, out, "CLEARCRAWL_CONTACT=mailto:ops@example.org")
    expected = f"clearcrawl/{__version__} (+mailto:ops@example.org)"
    assert agents.agents() == {expected}
    info = _warcinfo(out)
    assert info["http-header-user-agent"] == expected
    assert info["operator"] == "mailto:ops@example.org"
    assert DEFAULT_CONTACT_WARNING not in stderr


def test_default_contact_is_warned_about_once(
    ua_site: tuple[SiteServer, AgentLog], tmp_path: Path
) -> None:
    server, agents = ua_site
    stderr = _crawl(server, tmp_path / "crawl")
    assert stderr.count(DEFAULT_CONTACT_WARNING) == 1
    assert agents.agents() == {
        f"clearcrawl/{__version__} (+https://github.com/clearcrawl/clearcrawl)"
    }


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("CLEARCRAWL_AI_TOKENS=", "CLEARCRAWL_AI_TOKENS is empty"),
        ("CLEARCRAWL_AI_TOKENS=   ", "CLEARCRAWL_AI_TOKENS is empty"),
        ("CLEARCRAWL_AI_TOKENS= , ,", "CLEARCRAWL_AI_TOKENS is empty"),
        ("CLEARCRAWL_AI_TOKENS=GPTBot/1.0", "invalid product token(s) ['GPTBot/1.0']"),
        ("CLEARCRAWL_AI_TOKENS=GPT Bot,CCBot", "invalid product token(s) ['GPT Bot']"),
        ("CLEARCRAWL_AI_TOKENS=*", "invalid product token(s) ['*']"),
        ("USER_AGENT=", "USER_AGENT '' has no product token"),
        ("USER_AGENT=(compatible)", "has no product token"),
        ("CLEARCRAWL_CONTACT=", "CLEARCRAWL_CONTACT must be"),
    ],
)
def test_rights_identity_settings_refused_at_start(
    ua_site: tuple[SiteServer, AgentLog],
    tmp_path: Path,
    setting: str,
    message: str,
) -> None:
    server, _ = ua_site
    out = tmp_path / "crawl"
    proc = run_cli("crawl", server.url + "/", "--out", str(out), "--quiet", "-s", setting)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("clearcrawl: error: ")
    assert message in lines[0]
    assert server.log.paths() == []  # nothing was fetched, not even robots.txt
    assert not list(out.glob("warc/*.warc.gz"))
