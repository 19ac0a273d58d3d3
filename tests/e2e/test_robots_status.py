"""RFC 9309 §2.3.1 fetch outcomes, proven with real crawls of servers on 127.0.0.1.

One crawl (the real CLI, one subprocess) covers every status case: each case is its own origin
(own port), so each gets its own robots.txt. The servers' access logs show what was requested;
``decisions.jsonl.gz`` shows why. A second, small crawl shows the cache window expiring (a cached
robots.txt is re-fetched; a failed one is retried, and still refuses).

Choices documented in :mod:`filters.robots`: 401/403 refuse (conservative deviation from
§2.3.1.3); 429 like 5xx; more than five redirects, and redirect loops, are "unreachable".
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import SiteServer
from crawler.middlewares.prefetch import OriginCache, origin_of_url, origin_url
from tests.support.helpers import crawl, decisions_by_path

INDEX = b"<html><body><a href='/page.html'>p</a> <a href='/blocked.html'>b</a></body></html>"
PAGE = b"<html><body><p>A page.</p></body></html>"
BIG_HEAD = b"User-agent: *\nDisallow: /blocked.html\n"


def big_robots() -> bytes:
    pad = b"# " + b"p" * 97 + b"\n"
    body = BIG_HEAD + pad * (600_000 // len(pad))
    assert len(body) > 512_000
    return body + b"Disallow: /page.html\n"  # after the 512,000-byte limit: ignored


def chain(n: int, final: dict[str, Any]) -> dict[str, Any]:
    """``/robots.txt`` redirecting ``n`` times (/h1 … /hn), then ``final`` at /hn."""
    routes: dict[str, Any] = {}
    prev = "/robots.txt"
    for i in range(1, n + 1):
        routes[prev] = {"status": 301, "headers": [["Location", f"/h{i}"]]}
        prev = f"/h{i}"
    routes[prev] = final
    return routes


RULES = {
    "body": "User-agent: *\nDisallow: /blocked.html\n",
    "headers": [["Content-Type", "text/plain"]],
}

#: case -> (routes, page fetched?, robots reason class for refused seeds)
CASES: dict[str, tuple[dict[str, Any], bool, str]] = {
    "200-rules": ({"/robots.txt": RULES}, True, ""),
    "404": ({"/robots.txt": {"status": 404, "body": "User-agent: *\nDisallow: /\n"}}, True, ""),
    "410": ({"/robots.txt": {"status": 410}}, True, ""),
    "401": ({"/robots.txt": {"status": 401}}, False, "robots-refused"),
    "403": ({"/robots.txt": {"status": 403}}, False, "robots-refused"),
    "429": ({"/robots.txt": {"status": 429}}, False, "robots-unreachable"),
    "500": ({"/robots.txt": {"status": 500}}, False, "robots-unreachable"),
    "503": (
        {"/robots.txt": {"status": 503, "body": "User-agent: *\nAllow: /\n"}},
        False,
        "robots-unreachable",
    ),
    "timeout": ({"/robots.txt": {**RULES, "delay": 2.5}}, False, "robots-unreachable"),
    "redirect-5-hops": (chain(5, RULES), True, ""),
    "redirect-6-hops": (
        chain(6, {"body": "User-agent: *\nAllow: /\n"}),
        False,
        "robots-unreachable",
    ),
    "redirect-loop": (
        {
            "/robots.txt": {"status": 302, "headers": [["Location", "/loop"]]},
            "/loop": {"status": 302, "headers": [["Location", "/robots.txt"]]},
        },
        False,
        "robots-unreachable",
    ),
    "bom": ({"/robots.txt": {"body_hex": ("\ufeff" + RULES["body"]).encode().hex()}}, True, ""),
    "binary": (
        {"/robots.txt": {"body_hex": (b"\x89PNG\r\n\x1a\n\x00\x00" * 40).hex()}},
        False,
        "robots-unreadable",
    ),
    "html-soft-404": (
        {
            "/robots.txt": {
                "body": "<!doctype html><html><body>Home</body></html>",
                "headers": [["Content-Type", "text/html"]],
            }
        },
        True,
        "",
    ),
    "big": ({"/robots.txt": {"body_hex": big_robots().hex()}}, True, ""),
}


def write_site(root: Path, routes: dict[str, Any]) -> Path:
    root.mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "page.html").write_bytes(PAGE)
    (root / "blocked.html").write_bytes(PAGE)
    (root / "_routes.json").write_text(json.dumps(routes))
    return root


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def status_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("robots-status")
    servers: dict[str, SiteServer] = {}
    # A cross-origin chain: three hops on one origin end at a robots.txt on another origin.
    target = SiteServer(
        write_site(
            base / "target",
            {
                "/robots-final.txt": {
                    "body": "User-agent: *\nDisallow: /blocked.html\nDisallow: /page.html\n"
                }
            },
        )
    ).start()
    servers["target"] = target
    cases = dict(CASES)
    cases["redirect-cross-origin"] = (
        {
            "/robots.txt": {"status": 301, "headers": [["Location", "/r1"]]},
            "/r1": {"status": 302, "headers": [["Location", "/r2"]]},
            "/r2": {"status": 307, "headers": [["Location", f"{target.url}/robots-final.txt"]]},
        },
        True,
        "",
    )
    try:
        for name, (routes, _, _) in cases.items():
            servers[name] = SiteServer(write_site(base / name, routes)).start()
        refused = f"http://127.0.0.1:{closed_port()}/"
        out = base / "out"
        seeds = [servers[n].url + "/" for n in cases]
        crawl(out, *seeds, refused, extra=("-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=1"))
        yield {"servers": servers, "out": out, "refused": refused, "cases": cases}
    finally:
        for server in servers.values():
            server.stop()


def records(out: Path, url: str) -> list[dict[str, Any]]:
    return [r for rec in decisions_by_path(out).values() for r in rec if r["url"] == url]


@pytest.mark.parametrize("case", [*CASES, "redirect-cross-origin"])
def test_status_case(status_crawl: dict[str, Any], case: str) -> None:
    server: SiteServer = status_crawl["servers"][case]
    _, fetched, reason = status_crawl["cases"][case]
    paths = server.log.paths()
    assert "/blocked.html" not in paths or case in ("404", "410", "html-soft-404")
    if fetched:
        assert "/" in paths
        assert ("/page.html" in paths) is (case != "redirect-cross-origin")
    else:
        # Nothing but robots.txt (and its redirects) was requested from a refused origin.
        assert all(p == "/robots.txt" or p.startswith(("/h", "/r", "/loop")) for p in paths), paths
        (rec,) = records(status_crawl["out"], server.url + "/")
        assert rec["outcome"] == "not-fetched"
        assert rec["reasons"] == [reason]
        robots = rec["prefetch"]["robots"]
        assert robots["allowed"] is False
        assert robots["reason"]
        assert robots["evidence"]
        assert robots["policy_file"]["kind"] == "robots.txt"


def test_5xx_was_retried_before_refusing(status_crawl: dict[str, Any]) -> None:
    assert status_crawl["servers"]["503"].log.paths().count("/robots.txt") == 2  # RETRY_TIMES=1


def test_six_hops_stop_before_the_sixth_target(status_crawl: dict[str, Any]) -> None:
    paths = status_crawl["servers"]["redirect-6-hops"].log.paths()
    assert "/h5" in paths
    assert "/h6" not in paths
    rec = records(status_crawl["out"], status_crawl["servers"]["redirect-6-hops"].url + "/")[0]
    assert "max redirections" in rec["prefetch"]["robots"]["policy_file"]["error"]


def test_cross_origin_rules_apply_to_original_origin(status_crawl: dict[str, Any]) -> None:
    server = status_crawl["servers"]["redirect-cross-origin"]
    assert "/page.html" not in server.log.paths()
    assert status_crawl["servers"]["target"].log.paths() == ["/robots-final.txt"]
    (rec,) = records(status_crawl["out"], server.url + "/page.html")
    ref = rec["prefetch"]["robots"]["policy_file"]
    assert ref["url"] == server.url + "/robots.txt"
    assert ref["final_url"] == status_crawl["servers"]["target"].url + "/robots-final.txt"
    assert rec["prefetch"]["robots"]["evidence"][0]["excerpt"] == "Disallow: /page.html"


def test_truncation_is_recorded(status_crawl: dict[str, Any]) -> None:
    server = status_crawl["servers"]["big"]
    # "Disallow: /page.html" sits after byte 512,000: ignored, so the page was fetched.
    assert "/page.html" in server.log.paths()
    assert "/blocked.html" not in server.log.paths()
    (rec,) = [
        r
        for r in records(status_crawl["out"], server.url + "/page.html")
        if r["outcome"] != "not-fetched"
    ]
    ref = rec["prefetch"]["robots"]["policy_file"]
    assert ref["truncated"] is True


def test_timeout_error_is_recorded(status_crawl: dict[str, Any]) -> None:
    (rec,) = records(status_crawl["out"], status_crawl["servers"]["timeout"].url + "/")
    ref = rec["prefetch"]["robots"]["policy_file"]
    assert ref["status"] == 0
    assert "Timeout" in ref["error"]


def test_connection_refused_disallows(status_crawl: dict[str, Any]) -> None:
    (rec,) = records(status_crawl["out"], status_crawl["refused"])
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == ["robots-unreachable"]
    assert "ConnectionRefused" in rec["prefetch"]["robots"]["policy_file"]["error"]
    assert rec["prefetch"]["robots"]["policy_file"]["status"] == 0


def test_origins_are_separate(status_crawl: dict[str, Any]) -> None:
    # Same host, different ports: every origin fetched its own robots.txt.
    for name, server in status_crawl["servers"].items():
        # "timeout": the server logs a request only after its delay, when the crawl gave up.
        if name not in ("target", "timeout"):
            assert server.log.paths()[:1] == ["/robots.txt"], (name, server.log.paths())


# --- the cache window (RFC 9309 §2.4) ---------------------------------------------------------
def test_origin_cache_expires() -> None:
    now = [0.0]
    cache: OriginCache[str] = OriginCache(10.0, clock=lambda: now[0])
    key = origin_of_url("http://h.example/a")
    cache.put(key, "v1")
    now[0] = 9.9
    assert cache.get(key) == "v1"
    now[0] = 10.0
    assert cache.get(key) is None
    assert len(cache) == 0


def test_origin_cache_is_bounded() -> None:
    cache: OriginCache[int] = OriginCache(60.0, max_entries=2)
    for i in range(3):
        cache.put(("http", f"h{i}.example", 80), i)
    assert len(cache) == 2
    assert cache.get(("http", "h0.example", 80)) is None
    assert cache.get(("http", "h2.example", 80)) == 2


@pytest.mark.parametrize(
    ("url", "origin", "base"),
    [
        ("http://H.example/a", ("http", "h.example", 80), "http://h.example"),
        ("https://h.example/a", ("https", "h.example", 443), "https://h.example"),
        ("http://h.example:8080/a", ("http", "h.example", 8080), "http://h.example:8080"),
        ("https://h.example:443/a", ("https", "h.example", 443), "https://h.example"),
    ],
)
def test_origin_key(url: str, origin: tuple[str, str, int], base: str) -> None:
    assert origin_of_url(url) == origin
    assert origin_url(origin) == base


def test_cache_window_refetches(tmp_path: Path) -> None:
    # Origin "ok": robots.txt, then "/" links to /slow.html (1.5 s), which links to /late.html
    # on both origins. With a 1 s window, robots.txt is fetched again for /late.html; origin
    # "down" (503) is retried then and still refuses.
    down = SiteServer(write_site(tmp_path / "down", {"/robots.txt": {"status": 503}})).start()
    try:
        ok_routes = {
            "/slow.html": {
                "delay": 1.5,
                "body": (
                    f"<html><body><a href='/late.html'>l</a><a href='{down.url}/late.html'>d</a>"
                    "</body></html>"
                ),
                "headers": [["Content-Type", "text/html"]],
            }
        }
        ok = SiteServer(write_site(tmp_path / "ok", ok_routes)).start()
        (tmp_path / "ok" / "index.html").write_bytes(b"<a href='/slow.html'>s</a>")
        (tmp_path / "ok" / "late.html").write_bytes(PAGE)
        try:
            out = tmp_path / "out"
            crawl(
                out,
                ok.url + "/",
                down.url + "/",
                extra=("-s", "CLEARCRAWL_ROBOTS_CACHE_SECONDS=1", "-s", "RETRY_TIMES=0"),
            )
            assert ok.log.paths().count("/robots.txt") == 2
            assert "/late.html" in ok.log.paths()
            assert down.log.paths() == ["/robots.txt", "/robots.txt"]
            (late,) = records(out, down.url + "/late.html")
            assert late["reasons"] == ["robots-unreachable"]
        finally:
            ok.stop()
    finally:
        down.stop()
