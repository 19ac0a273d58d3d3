"""The export re-evaluates robots.txt exactly as the crawl did (issue 11 item 2 follow-up).

Real crawls (the CLI in a subprocess) of ``tests/sites/ua-token-groups`` on 127.0.0.1, then a
real export. That robots.txt has three groups with different rules: ``MyBot`` refuses
``/a.html``, ``clearcrawl`` refuses ``/c.html``, ``*`` refuses ``/b.html``. The crawl applies
RFC 9309 §2.2.1 in full to the sent User-Agent's product token (its own group, else ``*``); the
export reads that token from the warcinfo and must reach the same verdict, with the same
reason and evidence, for every URL the crawl considered (fetched or not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import SiteServer
from export import SourceError
from export.run import crawl_tokens, export_tokens
from filters.tokens import honored_tokens
from tests.support.helpers import SITES, crawl, read_jsonl, run_cli

CONTACT = "(+mailto:x@example.org)"


def _entries(ds: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
        out += read_jsonl(ds / name)
    return out


@pytest.mark.parametrize(
    ("user_agent", "refused"),
    [
        # its own group: a.html; clearcrawl's own group: c.html; '*' binds nobody in full
        (f"MyBot/1.0 {CONTACT}", {"/a.html", "/c.html"}),
        # no group names NoGroupBot: it falls back to '*' (b.html), as the crawl applied it
        (f"NoGroupBot/1.0 {CONTACT}", {"/b.html", "/c.html"}),
    ],
)
def test_export_robots_verdict_matches_the_crawl(
    tmp_path: Path, user_agent: str, refused: set[str]
) -> None:
    out, ds = tmp_path / "crawl", tmp_path / "ds"
    with SiteServer(SITES / "ua-token-groups") as server:
        crawl(out, server.url + "/", extra=("-s", f"USER_AGENT={user_agent}"))
        requested = set(server.log.paths())
        base = server.url
    pages = {"/a.html", "/b.html", "/c.html", "/d.html"}
    assert requested & pages == pages - refused  # what the crawl refused was never requested
    proc = run_cli("export", str(out), "--out", str(ds), "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    entries = _entries(ds)
    by_path = {e["url"].removeprefix(base): e for e in entries}
    assert pages <= set(by_path)
    for entry in entries:
        robots = entry["robots"]
        if entry["decision"]["reasons"] == ["off-site"]:
            # a link to another origin (issue 11 item 11): recorded, never requested, so no
            # robots.txt was read for it, at crawl time or at export
            assert robots is None, entry["url"]
            continue
        assert robots is not None, entry["url"]
        assert robots["recheck_allowed"] == robots["recorded_allowed"], entry["url"]
        assert robots["matches_recorded"] is True, entry["url"]
        assert robots["recheck_reason"] == robots["recorded_reason"], entry["url"]
        assert robots["recheck_evidence"] == robots["recorded_evidence"], entry["url"]
    for path in refused:
        assert by_path[path]["robots"]["recheck_allowed"] is False
        assert "robots-disallowed" in by_path[path]["decision"]["reasons"]
    exported = {row["url"].removeprefix(base) for row in read_jsonl(ds / "manifest.jsonl.gz")}
    assert exported == pages - refused


def test_warc_files_recording_different_sent_tokens_are_refused(tmp_path: Path) -> None:
    # One export evaluates with one token list; two crawls addressed as different crawlers
    # cannot both be re-evaluated as they were, so the export refuses to mix them.
    with SiteServer(SITES / "ua-token-groups") as server:
        for name in ("MyBot", "OtherBot"):
            crawl(
                tmp_path / name,
                server.url + "/",
                extra=("-s", f"USER_AGENT={name}/1.0 {CONTACT}", "--max-pages", "1"),
            )
    files = [str(p) for p in sorted(tmp_path.glob("*/warc/*.warc.gz"))]
    assert len(files) == 2
    with pytest.raises(SourceError, match=r"MyBot.*OtherBot|OtherBot.*MyBot"):
        export_tokens(files)
    assert export_tokens(files[:1])[0] == "MyBot"
    assert export_tokens(files[1:])[0] == "OtherBot"


def test_crawl_tokens_keep_the_recorded_order() -> None:
    recorded = "MyBot, clearcrawl, Scrapy, GPTBot"
    info = {"clearcrawl-honoured-tokens": recorded, "http-header-user-agent": "MyBot/1.0 (+x)"}
    assert crawl_tokens(info) == ("MyBot", "clearcrawl", "Scrapy", "GPTBot")


def test_crawl_tokens_of_an_older_crawl_put_the_sent_token_first() -> None:
    # Recorded before the sent token was honoured: the defaults only, the User-Agent beside them.
    info = {
        "clearcrawl-honoured-tokens": "clearcrawl, Scrapy, GPTBot",
        "http-header-user-agent": "Mozilla/5.0 (compatible; MyBot/1.0; +mailto:x@example.org)",
    }
    assert crawl_tokens(info) == ("MyBot", "clearcrawl", "Scrapy", "GPTBot")


def test_crawl_tokens_without_a_record_are_the_defaults() -> None:
    assert crawl_tokens({}) == honored_tokens()


def test_defaults_a_crawl_did_not_honour_come_after_its_own_tokens(tmp_path: Path) -> None:
    # A narrowed AI list at crawl time: the export keeps the crawl's list as it was, then adds
    # the other default tokens (bound only by groups naming them: restrictions only).
    with SiteServer(SITES / "ua-token-groups") as server:
        crawl(
            tmp_path / "c",
            server.url + "/",
            extra=("-s", "CLEARCRAWL_AI_TOKENS=GPTBot", "--max-pages", "1"),
        )
    files = [str(p) for p in sorted(tmp_path.glob("c/warc/*.warc.gz"))]
    tokens = export_tokens(files)
    assert tokens[:3] == ("clearcrawl", "Scrapy", "GPTBot")
    assert set(tokens[3:]) == set(honored_tokens()) - set(tokens[:3])
