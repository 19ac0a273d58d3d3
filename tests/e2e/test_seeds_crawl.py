"""Crawls seeded from a file, capped per origin, and fenced by domain lists (issues 13 and 15).

Real crawls through the CLI against real servers on 127.0.0.1, whose access logs prove what was
and was not requested. Two names reach the same loopback address — ``127.0.0.1`` and
``localhost`` — so a domain list can tell two hosts apart without touching the internet.

* ``--seeds-file`` (plain, gzip, stdin): every seed requested exactly once, comments and blank
  lines skipped, lines that are no URL recorded ``not-fetched`` with their line number; a seeds
  file makes the crawl broad (Scrapy's broad-crawl settings, recorded in ``job/crawl.json``).
* ``--max-pages-per-origin``: each origin gets that many page requests, the other links are
  recorded ``origin-page-cap``.
* ``--deny-domains @FILE``: a denied host gets no request at all — not even robots.txt — also
  when a seed redirects into it; each URL is recorded with the list's sha256, through to the
  export's ``not-fetched.jsonl.gz``.
* ``--allow-domains``: hosts off the list are not requested and recorded ``domain-not-allowed``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from crawler.demo.server import SiteServer
from tests.support.helpers import ROOT, crawl, read_decisions, read_jsonl, run_cli

POLICY_FILES = {"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}


def write_site(
    root: Path, pages: int, *, links: bool = False, routes: dict[str, Any] | None = None
) -> Path:
    """``/p0.html`` … ``/p{pages-1}.html``; the home page links to all of them when ``links``."""
    root.mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    for i in range(pages):
        (root / f"p{i}.html").write_text(
            f"<html><head><title>Page {i}</title></head><body><p>Tide table {i}.</p></body></html>"
        )
    anchors = "".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(pages)) if links else ""
    (root / "index.html").write_text(f"<html><body><h1>Home</h1>{anchors}</body></html>")
    if routes:
        (root / "_routes.json").write_text(json.dumps(routes))
    return root


def paths(server: SiteServer) -> Counter[str]:
    return Counter(server.log.paths())


def page_paths(server: SiteServer) -> Counter[str]:
    return Counter({p: n for p, n in paths(server).items() if p not in POLICY_FILES})


def seeds_text(base: str, n: int) -> str:
    lines = ["# harbour pages", ""]
    lines += [f"{base}/p{i}.html" for i in range(n)]
    lines.insert(5, "not a url")
    lines.insert(9, f"{base}/p1.html")  # a duplicate: requested once
    lines.append("ftp://127.0.0.1/file")
    return "\n".join(lines) + "\n"


def invalid_records(out: Path) -> list[dict[str, Any]]:
    return [
        r
        for r in read_decisions(out)
        if any(x.startswith("invalid-seed:") for x in r.get("reasons", []))
    ]


def test_seeds_file_every_seed_requested_once(tmp_path: Path) -> None:
    n = 40
    with SiteServer(write_site(tmp_path / "site", n)) as server:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(seeds_text(server.url, n))
        out = tmp_path / "crawl"
        crawl(out, "--seeds-file", str(seeds))
        assert page_paths(server) == Counter({f"/p{i}.html": 1 for i in range(n)})
        assert paths(server)["/robots.txt"] == 1
    bad = sorted(
        (r["seeds_file"]["line"], r["url"], r["seeds_file"]["text"], r["reasons"][0])
        for r in invalid_records(out)
    )
    uri = seeds.resolve().as_uri()
    assert bad == [
        (6, f"{uri}#line=5,6", "not a url", "invalid-seed:whitespace"),
        (n + 5, f"{uri}#line={n + 4},{n + 5}", "ftp://127.0.0.1/file", "invalid-seed:not-http"),
    ]
    assert all(r["outcome"] == "not-fetched" for r in invalid_records(out))
    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["clearcrawl/seeds/read"] == n + 1  # the duplicate line is read, not requested
    assert stats["clearcrawl/seeds/invalid"] == 2
    job = json.loads((out / "job" / "crawl.json").read_text())
    assert job["scope"]["seeds_file"] == str(seeds.resolve())
    broad = job["scope"]["broad_crawl_settings"]
    assert broad["SCHEDULER_PRIORITY_QUEUE"] == "scrapy.pqueues.DownloaderAwarePriorityQueue"
    assert broad["COOKIES_ENABLED"] == "False"
    assert broad["DNSCACHE_ENABLED"] == "True"


def test_seeds_file_gzip(tmp_path: Path) -> None:
    n = 12
    with SiteServer(write_site(tmp_path / "site", n)) as server:
        seeds = tmp_path / "seeds.txt.gz"
        seeds.write_bytes(gzip.compress(seeds_text(server.url, n).encode()))
        out = tmp_path / "crawl"
        # -s wins over a broad-crawl default.
        crawl(out, "--seeds-file", str(seeds), extra=("-s", "CONCURRENT_REQUESTS=4"))
        assert page_paths(server) == Counter({f"/p{i}.html": 1 for i in range(n)})
    assert len(invalid_records(out)) == 2
    broad = json.loads((out / "job" / "crawl.json").read_text())["scope"]["broad_crawl_settings"]
    assert "CONCURRENT_REQUESTS" not in broad


def test_seeds_from_stdin_plus_command_line_seed(tmp_path: Path) -> None:
    n = 10
    with SiteServer(write_site(tmp_path / "site", n)) as server:
        out = tmp_path / "crawl"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "crawler",
                "crawl",
                server.url + "/",
                "--seeds-file",
                "-",
                "--out",
                str(out),
                "--quiet",
            ],
            input=gzip.compress(seeds_text(server.url, n).encode()),
            capture_output=True,
            timeout=300,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            check=False,
        )
        assert proc.returncode == 0, proc.stderr.decode()
        assert page_paths(server) == Counter({"/": 1} | {f"/p{i}.html": 1 for i in range(n)})
    assert len(invalid_records(out)) == 2


def test_bad_seeds_file_and_lists_are_usage_errors(tmp_path: Path) -> None:
    out = tmp_path / "crawl"
    proc = run_cli("crawl", "--seeds-file", str(tmp_path / "missing.txt"), "--out", str(out))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "missing.txt" in proc.stderr
    proc = run_cli(
        "crawl",
        "http://127.0.0.1:9/",
        "--out",
        str(out),
        "--deny-domains",
        "@" + str(tmp_path / "none.txt"),
    )
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("ok.example\nnot a domain\n")
    proc = run_cli("crawl", "http://127.0.0.1:9/", "--out", str(out), "--deny-domains", f"@{bad}")
    assert proc.returncode == 2
    assert "line 2" in proc.stderr
    proc = run_cli("crawl", "--out", str(out))
    assert proc.returncode == 2
    assert "--seeds-file" in proc.stderr


def test_max_pages_per_origin(tmp_path: Path) -> None:
    cap = 3
    with (
        SiteServer(write_site(tmp_path / "a", 8, links=True)) as a,
        SiteServer(write_site(tmp_path / "b", 8, links=True)) as b,
    ):
        out = tmp_path / "crawl"
        crawl(
            out,
            a.url + "/",
            b.url + "/",
            extra=("--max-pages-per-origin", str(cap), "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
        )
        for server in (a, b):
            got = page_paths(server)
            assert sum(got.values()) == cap  # the home page and two of its links
            assert got["/"] == 1
            assert all(n == 1 for n in got.values())
    capped = [r for r in read_decisions(out) if r["reasons"] == [f"origin-page-cap:{cap}"]]
    assert len(capped) == 2 * (8 - (cap - 1))
    assert all(r["outcome"] == "not-fetched" for r in capped)
    assert len({r["url"] for r in capped}) == len(capped)  # each recorded once
    job = json.loads((out / "job" / "crawl.json").read_text())
    assert job["scope"]["max_pages_per_origin"] == cap
    assert job["scope"]["broad_crawl_settings"] == {}  # two origins, no seeds file: not broad
    dataset = tmp_path / "dataset"
    proc = run_cli("export", str(out), "--out", str(dataset))
    assert proc.returncode == 0, proc.stderr
    card = (dataset / "README.md").read_text()
    assert f"{len(capped)} URLs over the crawl's --max-pages-per-origin (not followed)" in card
    assert "0 refused before fetching by the rights checks" in card
    explain = run_cli("explain", str(dataset), capped[0]["url"])
    assert "NOT fetched (over the crawl's --max-pages-per-origin)" in explain.stdout
    assert f"already had the crawl's --max-pages-per-origin ({cap})" in explain.stdout


def test_deny_list_nothing_requested_and_digest_recorded(tmp_path: Path) -> None:
    with SiteServer(write_site(tmp_path / "denied", 4)) as denied:
        denied_base = denied.url.replace("127.0.0.1", "localhost")
        routes = {"/go": {"status": 302, "headers": [["Location", denied_base + "/p3.html"]]}}
        with SiteServer(write_site(tmp_path / "ok", 4, routes=routes)) as ok:
            listing = tmp_path / "infringing.txt"
            listing.write_text("# sites recognised as persistently infringing\nLOCALHOST\n")
            digest = hashlib.sha256(listing.read_bytes()).hexdigest()
            seeds = tmp_path / "seeds.txt"
            seeds.write_text(
                f"{ok.url}/p0.html\n{denied_base}/p0.html\n{denied_base}/p1.html\n{ok.url}/go\n"
            )
            out = tmp_path / "crawl"
            crawl(out, "--seeds-file", str(seeds), extra=("--deny-domains", f"@{listing}"))
            assert denied.log.paths() == []  # not a page, not robots.txt, not the redirect target
            assert page_paths(ok) == Counter({"/p0.html": 1, "/go": 1})
    refused = {
        r["url"]: r
        for r in read_decisions(out)
        if any(x.startswith("domain-denied") for x in r["reasons"])
    }
    assert set(refused) == {
        denied_base + "/p0.html",
        denied_base + "/p1.html",
        denied_base + "/p3.html",
    }
    for rec in refused.values():
        assert rec["outcome"] == "not-fetched"
        assert rec["reasons"] == [f"domain-denied:localhost@sha256:{digest}"]
        assert rec["domain_list"] == {
            "list": "deny",
            "source": f"@{listing.resolve()}",
            "sha256": digest,
            "entries": 1,
            "matched": "localhost",
        }
    dataset = tmp_path / "dataset"
    proc = run_cli("export", str(out), "--out", str(dataset))
    assert proc.returncode == 0, proc.stderr
    exported = {
        e["url"]: e["decision"]["reasons"] for e in read_jsonl(dataset / "not-fetched.jsonl.gz")
    }
    for url in refused:
        assert exported[url] == [f"domain-denied:localhost@sha256:{digest}"]
    explain = run_cli("explain", str(dataset), denied_base + "/p1.html")
    assert explain.returncode == 0, explain.stderr
    assert "--deny-domains" in explain.stdout


def test_allow_list(tmp_path: Path) -> None:
    with SiteServer(write_site(tmp_path / "site", 3)) as server:
        other = server.url.replace("127.0.0.1", "localhost")
        out = tmp_path / "crawl"
        crawl(
            out,
            server.url + "/p0.html",
            other + "/p1.html",
            extra=("--allow-domains", "127.0.0.1"),
        )
        assert page_paths(server) == Counter({"/p0.html": 1})
        assert paths(server)["/robots.txt"] == 1  # only for the allowed host
    [rec] = [r for r in read_decisions(out) if r["url"] == other + "/p1.html"]
    digest = hashlib.sha256(b"127.0.0.1").hexdigest()
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == [f"domain-not-allowed:sha256:{digest}"]
    assert rec["domain_list"]["list"] == "allow"


def test_resume_reads_the_recorded_seeds_file(tmp_path: Path) -> None:
    n = 12
    with SiteServer(write_site(tmp_path / "site", n)) as server:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(seeds_text(server.url, n))
        out = tmp_path / "crawl"
        crawl(out, "--seeds-file", str(seeds), "--max-pages", "4")
        assert sum(page_paths(server).values()) == 4
        # No seeds and no --seeds-file: the recorded file is read again, within the new budget.
        crawl(out, "--resume", "--max-pages", "0")
        assert page_paths(server) == Counter({f"/p{i}.html": 1 for i in range(n)})
    stdin_out = tmp_path / "stdin-crawl"
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--seeds-file", "-", "--out", str(stdin_out)],
        input=b"http://127.0.0.1:9/\n",
        capture_output=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert json.loads((stdin_out / "job" / "crawl.json").read_text())["scope"]["seeds_file"] == "-"
    proc = run_cli("crawl", "--out", str(stdin_out), "--resume")
    assert proc.returncode == 2
    assert "--seeds-file -" in proc.stderr


def test_seeds_file_is_fed_as_the_crawl_goes(tmp_path: Path) -> None:
    """File seeds are fed as the crawl goes: a standing pool of about 64, never the whole file.

    The seed generator waits while 64 seeds (2 x CONCURRENT_REQUESTS, at least 64) are pending
    *and* the downloader is full; on a loaded machine the downloader has a free slot now and
    then, and one more seed goes in (spiders/seeding.py), so the pool may pass 64 by a few. The
    bound checked is the one that matters: far below the file's 300 lines.
    """
    n = 300
    with SiteServer(write_site(tmp_path / "site", n)) as server:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text("".join(f"{server.url}/p{i}.html\n" for i in range(n)))
        out = tmp_path / "crawl"
        crawl(out, "--seeds-file", str(seeds), extra=("-s", "CONCURRENT_REQUESTS=4"))
        assert page_paths(server) == Counter({f"/p{i}.html": 1 for i in range(n)})
    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["clearcrawl/seeds/reached"] == n
    assert 1 <= stats["clearcrawl/seeds/max_pending"] <= 96
