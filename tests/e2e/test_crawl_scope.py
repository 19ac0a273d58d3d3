"""Integration: what a crawl does at its edges, each edge leaving a decision line (issue 11).

Two local servers are two origins (RFC 6454: scheme, host and port). The seed on origin A
redirects to origin B, as ``http://`` → ``https://`` or apex → ``www`` do on the web; B holds:

* a robots.txt that disallows ``/private/`` (B's own policy files must be fetched and obeyed);
* links to other origins (not followed, each recorded once as ``off-site``);
* a gzip bomb (small compressed, larger than ``DOWNLOAD_MAXSIZE`` once decompressed), a page
  whose ``Content-Length`` exceeds the cap and the same page streamed without a length (cut at
  the cap), each licensed CC BY so that deciding on the part received would admit it;
* a redirect chain one hop longer than ``REDIRECT_MAX_TIMES`` and a redirect loop.

The servers' access logs, the WARC files (read with warcio), ``decisions.jsonl``, the crawl's
stats and the export are checked against each other. Unreachable seeds make the run fail.
"""

from __future__ import annotations

import gzip
import json
import random
import socket
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.support.helpers import crawl, read_decisions, read_jsonl, run_cli

MAXSIZE = 200_000
CC_BY = (
    '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
    "This article is licensed under CC BY 4.0.</a>"
)
PROSE = (
    "<p>The harbour wall was rebuilt in the spring after the winter storms had taken two of its "
    "granite courses, and the ferry kept its timetable throughout the works.</p>\n"
)


def prose(n: int) -> str:
    """``n`` distinct paragraphs (extractors drop repeated ones)."""
    return "".join(
        f"<p>Entry {i}: the tide table for week {i} was posted at the pier, and {i * 7} boats "
        f"went out past the breakwater before the wind turned on day {i % 7}.</p>\n"
        for i in range(n)
    )


OFFSITE_A = "http://offsite.invalid/a.html"
OFFSITE_B = "http://offsite.invalid/b.html"
CC_URL = "https://creativecommons.org/licenses/by/4.0/"
HOPS = 8  # /hop0 -> /hop1 -> ... -> /hop8 -> /page.html; Scrapy follows 5 (REDIRECT_MAX_TIMES)


def page(title: str, body: str, links: list[str]) -> str:
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><main>"
        f"<h1>{title}</h1>{body}<ul>{anchors}</ul><footer>{CC_BY}</footer></main></body></html>"
    )


def write_origin_b(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "private").mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    links = [
        "/page.html",
        "/private/secret.html",
        "/bomb.html",
        "/big.html",
        "/stream-big.html",
        "/stream-noise.html",
        "/hop0",
        "/loop-a",
        OFFSITE_A,
    ]
    (root / "index.html").write_text(page("Origin B", prose(6), links))
    (root / "page.html").write_text(page("A page", prose(8), ["/", OFFSITE_A, OFFSITE_B]))
    (root / "private" / "secret.html").write_text(page("Secret", PROSE, []))
    # Licensed at the top, then more text than the cap: the first MAXSIZE bytes read as an
    # admissible CC BY page.
    big = page("Big", CC_BY + prose(3 * MAXSIZE // len(PROSE)), [])
    (root / "big.html").write_text(big)
    # Incompressible: over the cap on the wire (gzip, no length) and cut mid-stream.
    noise = "".join(random.Random(11).choices(string.ascii_letters + " ", k=3 * MAXSIZE))  # noqa: S311 - fixture text, not a secret
    (root / "noise.html").write_text(page("Noise", f"<p>{noise}</p>", []))
    bomb = gzip.compress(page("Bomb", PROSE + " " * (10 * MAXSIZE), []).encode(), mtime=0)
    assert len(bomb) < MAXSIZE // 10  # small on the wire, ten times the cap decompressed
    routes: dict[str, Any] = {
        "/bomb.html": {
            "body_hex": bomb.hex(),
            "headers": [["Content-Type", "text/html"], ["Content-Encoding", "gzip"]],
        },
        "/stream-big.html": {"file": "big.html", "chunked": True},
        "/stream-noise.html": {"file": "noise.html", "chunked": True, "gzip": True},
        "/loop-a": {"status": 302, "headers": [["Location", "/loop-b"]]},
        "/loop-b": {"status": 302, "headers": [["Location", "/loop-a"]]},
    }
    for i in range(HOPS + 1):
        nxt = f"/hop{i + 1}" if i < HOPS else "/page.html"
        routes[f"/hop{i}"] = {"status": 302, "headers": [["Location", nxt]]}
    (root / "_routes.json").write_text(json.dumps(routes))
    return root


@pytest.fixture(scope="module")
def scope_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("scope")
    server_b = SiteServer(write_origin_b(base / "b")).start()
    root_a = base / "a"
    root_a.mkdir()
    (root_a / "_routes.json").write_text(
        json.dumps({"/": {"status": 301, "headers": [["Location", server_b.url + "/"]]}})
    )
    server_a = SiteServer(root_a).start()
    try:
        out = base / "crawl"
        crawl(out, server_a.url + "/", extra=("-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}"))
        dataset = base / "dataset"
        export = run_cli("export", str(out), "--out", str(dataset))
        yield {"a": server_a, "b": server_b, "out": out, "dataset": dataset, "export": export}
    finally:
        server_a.stop()
        server_b.stop()


def decisions(out: Path) -> list[dict[str, Any]]:
    return read_decisions(out)


def lines_for(out: Path, url: str) -> list[dict[str, Any]]:
    return [d for d in decisions(out) if d["url"] == url]


def warc_records(out: Path) -> list[tuple[Any, bytes]]:
    found: list[tuple[Any, bytes]] = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            found.extend((rec, rec.raw_stream.read()) for rec in ArchiveIterator(fh))
    return found


def response_for(out: Path, url: str) -> tuple[Any, bytes]:
    (hit,) = [
        (rec, payload)
        for rec, payload in warc_records(out)
        if rec.rec_type == "response" and rec.rec_headers.get_header("WARC-Target-URI") == url
    ]
    return hit


# -- a seed's redirect into another origin ------------------------------------------------------
def test_seed_redirect_brings_its_target_origin_into_the_crawl(
    scope_crawl: dict[str, Any],
) -> None:
    a, b, out = scope_crawl["a"], scope_crawl["b"], scope_crawl["out"]
    (redirect,) = lines_for(out, a.url + "/")
    assert redirect["outcome"] == "redirect"
    assert redirect["target"] == b.url + "/"
    assert redirect["origin_added"] == b.url
    assert a.url + "/" in redirect["origin_added_because"]
    paths = b.log.paths()
    assert paths[0] == "/robots.txt"  # B's policy files come before any of its pages
    assert "/page.html" in paths  # B's links are followed: the crawl did not end at one page
    (index,) = lines_for(out, b.url + "/")
    assert index["outcome"] == "exported-candidate"


def test_added_origin_stays_in_scope_on_resume(scope_crawl: dict[str, Any]) -> None:
    from scrapy.utils.test import get_crawler

    from crawler.middlewares.prefetch import origin_of_url
    from spiders.site import ORIGINS_ADDED, SiteSpider

    a, b, out = scope_crawl["a"], scope_crawl["b"], scope_crawl["out"]
    assert (out / ORIGINS_ADDED).read_text().split() == [b.url]
    # A resumed crawl never sees the (archived) seed's redirect again.
    crawler = get_crawler(SiteSpider, {"CLEARCRAWL_OUTPUT_DIR": str(out)})
    spider = SiteSpider.from_crawler(crawler, seeds=a.url + "/")
    assert origin_of_url(b.url + "/page.html") in spider.origins


def test_target_origin_robots_txt_is_honoured(scope_crawl: dict[str, Any]) -> None:
    b, out = scope_crawl["b"], scope_crawl["out"]
    assert "/private/secret.html" not in b.log.paths()
    (rec,) = lines_for(out, b.url + "/private/secret.html")
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == ["robots-disallowed"]


# -- off-site links ----------------------------------------------------------------------------
def test_offsite_links_are_recorded_once_each(scope_crawl: dict[str, Any]) -> None:
    out = scope_crawl["out"]
    for url in (OFFSITE_A, OFFSITE_B, CC_URL):
        (rec,) = lines_for(out, url)  # OFFSITE_A and CC_URL are linked from several pages
        assert rec["outcome"] == "not-fetched"
        assert rec["reasons"] == ["off-site"]
        assert rec["found_on"].startswith(scope_crawl["b"].url)
    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["clearcrawl/offsite/recorded"] == 3
    assert stats["clearcrawl/excluded/off-site"] == 3


# -- oversize responses --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "stored"),
    [
        ("/bomb.html", "headers"),  # within the cap on the wire, over it decompressed
        ("/big.html", "headers"),  # Content-Length over the cap: stopped at the headers
        ("/stream-big.html", "part"),  # no length: what was received, up to the cap
        ("/stream-noise.html", "headers"),  # gzip cut at the cap, over it once decompressed
    ],
)
def test_oversize_response_is_archived_truncated_and_excluded(
    scope_crawl: dict[str, Any], path: str, stored: str
) -> None:
    url = scope_crawl["b"].url + path
    out = scope_crawl["out"]
    (rec,) = lines_for(out, url)
    assert rec["outcome"] == "excluded"
    assert rec["reasons"][0] == "too-large"
    assert rec["fetch"]["truncated"] == "length"
    warc, payload = response_for(out, url)
    assert warc.rec_headers.get_header("WARC-Truncated") == "length"
    assert warc.rec_headers.get_header("WARC-Record-ID") == rec["warc"]["response_record_id"]
    assert warc.http_headers.get_statuscode() == "200"
    if stored == "headers":
        assert payload == b""
    else:
        assert 0 < len(payload) <= MAXSIZE
        assert payload.startswith(b"<!doctype html>")
    if path == "/bomb.html":
        served = rec["fetch"]["too_large"]
        assert 0 < served["served_length"] < MAXSIZE
        assert served["served_payload_digest"].startswith("sha1:")


# -- redirect chains -----------------------------------------------------------------------------
def test_redirect_chain_over_the_limit_records_the_target_not_followed(
    scope_crawl: dict[str, Any],
) -> None:
    b, out = scope_crawl["b"], scope_crawl["out"]
    paths = b.log.paths()
    followed = [f"/hop{i}" for i in range(6)]  # the request and 5 redirects
    assert [p for p in paths if p.startswith("/hop")] == followed
    for p in followed:
        (rec,) = lines_for(out, b.url + p)
        assert rec["outcome"] == "redirect"
    (cut,) = lines_for(out, b.url + "/hop6")
    assert cut["outcome"] == "not-fetched"
    assert cut["reasons"] == ["redirect-limit"]
    assert cut["redirected_from"] == b.url + "/hop5"
    assert cut["redirect_chain"] == [b.url + p for p in followed]


def test_redirect_loop_ends_with_every_url_decided(scope_crawl: dict[str, Any]) -> None:
    b, out = scope_crawl["b"], scope_crawl["out"]
    assert b.log.paths().count("/loop-a") == 1
    for p in ("/loop-a", "/loop-b"):
        (rec,) = lines_for(out, b.url + p)
        assert rec["outcome"] == "redirect"


# -- everything adds up --------------------------------------------------------------------------
def test_every_requested_url_has_a_decision(scope_crawl: dict[str, Any]) -> None:
    decided = {d["url"] for d in decisions(scope_crawl["out"])}
    for name in ("a", "b"):
        server = scope_crawl[name]
        for path in server.log.paths():
            assert server.url + path in decided, f"{name}{path}"


def test_stats_decisions_and_warc_add_up(scope_crawl: dict[str, Any]) -> None:
    out = scope_crawl["out"]
    stats = json.loads((out / "crawl-stats.json").read_text())
    lines = decisions(out)
    outcomes = Counter(d["outcome"] for d in lines)
    for outcome in ("exported-candidate", "excluded", "not-fetched"):
        assert stats.get(f"clearcrawl/decision/{outcome}", 0) == outcomes[outcome], outcome
    policy_files = sum(v for k, v in stats.items() if k.startswith("clearcrawl/policyfile/"))
    assert policy_files == outcomes["policy-file"]
    assert stats["clearcrawl/fetch/redirect"] == outcomes["redirect"]
    captured = outcomes["exported-candidate"] + outcomes["excluded"]
    captured += outcomes["policy-file"] + outcomes["redirect"]
    assert stats["clearcrawl/warc/captures"] == captured
    records = Counter(rec.rec_type for rec, _ in warc_records(out))
    assert records["response"] + records["revisit"] == captured
    assert records["request"] == captured
    # one metadata record per decision line: the WARC alone explains every URL considered
    assert records["metadata"] == len(lines)
    reasons = Counter(r.split(":", 1)[0] for d in lines for r in d["reasons"])
    for reason in ("too-large", "off-site", "redirect-limit"):
        assert stats[f"clearcrawl/excluded/{reason}"] == reasons[reason], reason
    assert stats["clearcrawl/seeds/reached"] == 1


def test_export_keeps_truncated_pages_out(scope_crawl: dict[str, Any]) -> None:
    proc = scope_crawl["export"]
    assert proc.returncode == 0, proc.stderr
    b = scope_crawl["b"].url
    exported = {row["url"] for row in read_jsonl(scope_crawl["dataset"] / "manifest.jsonl.gz")}
    assert exported == {b + "/", b + "/page.html"}
    excluded = {e["url"]: e for e in read_jsonl(scope_crawl["dataset"] / "excluded.jsonl.gz")}
    for path in ("/bomb.html", "/big.html", "/stream-big.html", "/stream-noise.html"):
        assert "too-large" in excluded[b + path]["decision"]["reasons"], path
    refused = {e["url"]: e for e in read_jsonl(scope_crawl["dataset"] / "not-fetched.jsonl.gz")}
    assert refused[OFFSITE_A]["decision"]["reasons"] == ["off-site"]
    assert refused[b + "/hop6"]["decision"]["reasons"] == ["redirect-limit"]


# -- unreachable seeds ----------------------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_reachable_seed_is_a_failed_run(tmp_path: Path) -> None:
    seeds = [f"http://127.0.0.1:{closed_port()}/", f"http://127.0.0.1:{closed_port()}/x.html"]
    out = tmp_path / "crawl"
    proc = run_cli("crawl", *seeds, "--out", str(out), "--quiet", "-s", "RETRY_TIMES=0")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    ours = [line for line in proc.stderr.splitlines() if line.startswith("clearcrawl:")]
    assert len(ours) == 1, proc.stderr
    assert "no seed could be fetched" in ours[0]
    for seed in seeds:
        assert seed in ours[0]
        (rec,) = lines_for(out, seed)  # each failed seed is still recorded, with its evidence
        assert rec["outcome"] == "not-fetched"
        assert "ConnectionRefused" in rec["prefetch"]["robots"]["policy_file"]["error"]
    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["clearcrawl/seeds/unreachable"] == 2
    assert "clearcrawl/seeds/reached" not in stats


def test_one_reachable_seed_is_enough(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(page("Home", prose(3), []))
    with SiteServer(root) as server:
        dead = f"http://127.0.0.1:{closed_port()}/"
        out = tmp_path / "crawl"
        crawl(out, dead, server.url + "/", extra=("-s", "RETRY_TIMES=0"))
    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["clearcrawl/seeds/reached"] == 1
    assert stats["clearcrawl/seeds/unreachable"] == 1


# -- what the summary and the card call URLs not fetched -----------------------------------------
def test_crawl_summary_names_offsite_links_and_redirect_limits_apart_from_refusals(
    scope_crawl: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Off-site links and a redirect chain's cut are no refusals: the summary says what they are."""
    from crawler.summary import _print_crawl_summary, crawl_summary

    out = scope_crawl["out"]
    stats = json.loads((out / "crawl-stats.json").read_text())
    reasons = Counter(r.split(":", 1)[0] for d in decisions(out) for r in d["reasons"])
    summary = crawl_summary(stats)
    assert summary["offsite"] == reasons["off-site"] > 0
    assert summary["redirect_limit"] == reasons["redirect-limit"] > 0
    assert summary["refused"] == reasons["robots-disallowed"] > 0
    assert summary["refused"] + summary["offsite"] + summary["redirect_limit"] == (
        summary["not_fetched"] - summary["fetch_failed"]
    )
    _print_crawl_summary(summary, out)
    text = capsys.readouterr().out
    head = text.splitlines()[0]
    assert f"{summary['refused']} refused before fetching" in head, head
    assert f"{summary['offsite']} off-site links not followed" in head, head
    assert f"refused before fetching by robots-disallowed: {summary['refused']}" in text
    assert "refused by off-site" not in text, text
    assert "refused by redirect-limit" not in text, text
    assert "not followed: off-site" in text, text
    assert "not followed: redirect-limit" in text, text
    assert "excluded by too-large" in text, text


def test_card_does_not_call_offsite_links_refusals(scope_crawl: dict[str, Any]) -> None:
    """The card's not-fetched section and counts table name off-site links as not followed."""
    card = (scope_crawl["dataset"] / "README.md").read_text()
    refused = read_jsonl(scope_crawl["dataset"] / "not-fetched.jsonl.gz")
    kinds = Counter(e["decision"]["reasons"][0].split(":", 1)[0] for e in refused)
    assert kinds["off-site"] > 0
    assert kinds["redirect-limit"] > 0
    assert kinds["robots-disallowed"] > 0
    assert f"{len(refused)} URLs were refused before fetching" not in card
    assert f"{len(refused)} URLs were not fetched" in card
    assert f"{kinds['robots-disallowed']} refused before fetching by the rights checks" in card
    assert f"{kinds['off-site']} links to other origins, outside the crawl's scope" in card
    assert (
        f"| `off-site` | not followed (outside the crawl's scope) | {kinds['off-site']} |" in card
    )
    assert "| `redirect-limit` | not followed (redirect limit) |" in card
    assert "| `robots-disallowed` | refused before fetching |" in card
    header = next(line for line in card.splitlines() if line.startswith("| crawl's outcome"))
    assert "refused before fetching" not in header, header
    assert "not fetched" in header, header


def test_explain_does_not_call_an_offsite_link_refused(scope_crawl: dict[str, Any]) -> None:
    proc = run_cli("explain", str(scope_crawl["dataset"]), OFFSITE_A)
    assert proc.returncode == 0, proc.stderr
    assert "refused" not in proc.stdout.splitlines()[1], proc.stdout
    assert "NOT fetched" in proc.stdout, proc.stdout
    assert "outside the crawl" in proc.stdout, proc.stdout


def test_progress_counts_offsite_links_neither_as_refused_nor_against_the_budget(
    scope_crawl: dict[str, Any], tmp_path: Path
) -> None:
    """Off-site links are never requested: they are no refusal and spend no ``--max-pages``."""
    from scrapy.utils.test import get_crawler

    from crawler.extensions.progress import ProgressExtension, crawl_line
    from spiders.site import SiteSpider

    stats = json.loads((scope_crawl["out"] / "crawl-stats.json").read_text())
    crawler = get_crawler(
        SiteSpider, {"CLEARCRAWL_PROGRESS": True, "CLEARCRAWL_OUTPUT_DIR": str(tmp_path)}
    )
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    snap = ProgressExtension.from_crawler(crawler).snapshot()
    offsite = stats["clearcrawl/excluded/off-site"]
    assert offsite > 0
    not_fetched = stats["clearcrawl/decision/not-fetched"]
    limit = stats["clearcrawl/excluded/redirect-limit"]
    assert (
        snap.refused
        == not_fetched - offsite - limit
        == stats["clearcrawl/prefetch/robots-disallowed"]
    )
    assert snap.offsite == offsite
    assert snap.budget_used == snap.fetched + not_fetched - offsite
    assert f"{offsite} off-site not followed" in crawl_line(snap)


def test_card_counts_archived_redirects_apart_from_pages(scope_crawl: dict[str, Any]) -> None:
    """The crawl's summary counts redirects apart from pages; the card's exclusions agree."""
    stats = json.loads((scope_crawl["out"] / "crawl-stats.json").read_text())
    redirects = stats["clearcrawl/fetch/redirect"]
    assert redirects > 0
    excluded = read_jsonl(scope_crawl["dataset"] / "excluded.jsonl.gz")
    card = (scope_crawl["dataset"] / "README.md").read_text()
    assert (
        f"{len(excluded) - redirects} archived pages and {redirects} archived redirects" in card
    ), card


def test_card_names_the_decisions_log_as_written(scope_crawl: dict[str, Any]) -> None:
    card = (scope_crawl["dataset"] / "README.md").read_text()
    assert "`decisions.jsonl.gz`" in card
    assert "`decisions.jsonl`" not in card


def test_offsite_link_is_recorded_once_across_resume(tmp_path: Path) -> None:
    """A resumed crawl does not record again an off-site link an earlier run recorded."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(page("Index", prose(3), ["/p1.html", OFFSITE_A]))
    (root / "p1.html").write_text(page("One", prose(4), ["/p2.html", OFFSITE_A]))
    (root / "p2.html").write_text(page("Two", prose(5), [OFFSITE_A, OFFSITE_B]))
    server = SiteServer(root).start()
    try:
        out = tmp_path / "crawl"
        crawl(out, server.url + "/", extra=("--max-pages", "1"))
        assert len(lines_for(out, OFFSITE_A)) == 1
        proc = run_cli("crawl", "--out", str(out), "--resume", "--max-pages", "5", "--quiet")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    finally:
        server.stop()
    assert lines_for(out, server.url + "/p2.html")  # the resumed run went on
    assert len(lines_for(out, OFFSITE_A)) == 1
    assert len(lines_for(out, OFFSITE_B)) == 1
