"""A real crawl killed with SIGKILL mid-way, then resumed: closed WARCs valid, the open one
readable to its last complete capture, nothing archived twice, nothing archived refetched."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from crawler.recovery import scan_warc
from crawler.warcwriter import ledger_path
from export.jsonl import scan_gzip
from tests.helpers import ROOT, read_decisions, read_jsonl, run_cli

BIN = Path(sys.executable).parent
#: Fetched again by design after a restart: the rights layer re-reads them (RFC 9309 §2.4 caching).
POLICY_PATHS = frozenset({"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"})
WORDS = [
    "tide",
    "harbour",
    "gull",
    "ferry",
    "lantern",
    "pier",
    "rope",
    "anchor",
    "drift",
    "shoal",
    "current",
    "beacon",
    "kelp",
    "dune",
    "marsh",
    "heron",
    "cove",
    "reef",
    "squall",
    "brine",
    "keel",
    "mast",
    "sail",
    "spray",
    "foam",
    "pebble",
    "lagoon",
    "estuary",
]


def make_site(root: Path, pages: int, *, delay_s: float = 0.0, seed: int = 7) -> list[str]:
    """Write a tree-shaped site of ``pages`` pages (page i links to 3i+1..3i+3); return paths."""
    rng = random.Random(seed)  # noqa: S311 - reproducible filler text, not security
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    paths = []
    routes = {}
    for i in range(pages):
        name = "index.html" if i == 0 else f"p{i}.html"
        path = "/" if i == 0 else f"/{name}"
        paths.append(path)
        links = "".join(
            f'<li><a href="/p{c}.html">page {c}</a></li>'
            for c in range(3 * i + 1, 3 * i + 4)
            if c < pages
        )
        text = " ".join(rng.choice(WORDS) for _ in range(600))
        (root / name).write_text(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page {i}</title></head>'
            f"<body><h1>Page {i}</h1><p>{text}</p><ul>{links}</ul></body></html>\n"
        )
        if delay_s:
            routes[path] = {"file": name, "delay": delay_s}
    if routes:
        (root / "_routes.json").write_text(json.dumps(routes))
    return paths


def start_crawl(
    url: str, out: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", url, "--out", str(out), "--quiet", *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_decisions(
    out: Path, n: int, proc: subprocess.Popen[str], timeout_s: float = 120
) -> None:
    deadline = time.monotonic() + timeout_s
    log = out / "decisions.jsonl.gz"
    while time.monotonic() < deadline:
        if log.exists() and len(read_jsonl(log)) >= n:
            return
        assert proc.poll() is None, f"crawl ended before the kill: {proc.communicate()}"
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} decisions after {timeout_s}s")


def archived_paths(out: Path) -> Counter[str]:
    """Paths of every response/revisit record in the crawl's closed WARC files."""
    seen: Counter[str] = Counter()
    for f in sorted((out / "warc").glob("*.warc.gz")):
        with f.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    seen[urlsplit(rec.rec_headers.get_header("WARC-Target-URI")).path] += 1
    return seen


def warcio_check(path: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"{path.name}: {proc.stdout}{proc.stderr}"


def test_sigkill_mid_crawl_then_resume(tmp_path: Path) -> None:
    site = tmp_path / "site"
    paths = make_site(site, 240, delay_s=0.02)
    out = tmp_path / "crawl"
    settings = ("-s", "CLEARCRAWL_WARC_MAX_BYTES=65536")
    with SiteServer(site) as server:
        proc = start_crawl(server.url + "/", out, *settings)
        try:
            wait_for_decisions(out, 90, proc)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        # -- the state a kill leaves ----------------------------------------------------
        closed = sorted((out / "warc").glob("*.warc.gz"))
        opened = sorted((out / "warc").glob("*.warc.gz.open"))
        assert closed, "rotation at 64 KiB should have closed files before the kill"
        assert len(opened) <= 1
        for f in closed:
            warcio_check(f)
            assert ledger_path(f).exists()
        before: set[str] = set()
        for f in closed:
            before |= {urlsplit(u).path for u in ledger_path(f).read_text().splitlines()}
        if opened:
            scan = scan_warc(opened[0])
            assert scan.good_bytes > 0
            prefix = tmp_path / "open-prefix.warc.gz"
            prefix.write_bytes(opened[0].read_bytes()[: scan.good_bytes])
            warcio_check(prefix)  # readable up to its last complete capture
            before |= {urlsplit(u).path for u in scan.urls}
        assert scan_gzip(out / "decisions.jsonl.gz").torn_at is not None  # killed mid-member
        decided = {urlsplit(r["url"]).path for r in read_decisions(out)}
        assert len(before) < len(paths), "the kill came too late to test anything"
        assert before - POLICY_PATHS <= decided

        # -- resume -----------------------------------------------------------------------
        n_before = len(server.log.paths())
        proc2 = run_cli(
            "crawl",
            server.url + "/",
            "--out",
            str(out),
            "--quiet",
            "--resume",
            *settings,
            timeout=300,
        )
        assert proc2.returncode == 0, proc2.stdout + proc2.stderr
        if opened and scan.captures:
            assert "left open" in proc2.stderr
        refetched = set(server.log.paths()[n_before:]) - POLICY_PATHS

    assert not list((out / "warc").glob("*.open"))
    assert not (refetched & before), (
        f"archived pages fetched again: {sorted(refetched & before)[:5]}"
    )
    for f in sorted((out / "warc").glob("*.warc.gz")):
        warcio_check(f)
    counts = archived_paths(out)
    assert set(paths) <= set(counts), (
        f"missing after resume: {sorted(set(paths) - set(counts))[:5]}"
    )
    dupes = {p: n for p, n in counts.items() if n > 1 and p not in POLICY_PATHS}
    assert not dupes, f"archived twice: {dupes}"

    # the decisions log the kill tore was repaired before the resumed run appended to it: the
    # whole file is valid gzip again, one header per run, and every page has its decision
    log = gzip.decompress((out / "decisions.jsonl.gz").read_bytes()).decode().splitlines()
    headers = [line for line in log if json.loads(line)["schema"] == "clearcrawl.run/1"]
    assert len(headers) == 2
    assert set(paths) <= {urlsplit(r["url"]).path for r in read_decisions(out)}

    # the export reads each page once
    ds = tmp_path / "dataset"
    proc3 = run_cli("export", str(out), "--out", str(ds), timeout=300)
    assert proc3.returncode == 0, proc3.stdout + proc3.stderr
    rows = read_jsonl(ds / "manifest.jsonl.gz") + read_jsonl(ds / "excluded.jsonl.gz")
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)) == len(paths)
