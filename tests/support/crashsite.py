"""A generated site big enough to interrupt a crawl of it, and the crawl run as a child process
that a test can signal or kill: shared by the crash, interrupt and resume tests."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from tests.support.helpers import ROOT, read_jsonl

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
