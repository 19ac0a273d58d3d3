"""Several RSL licences in one robots.txt, and one on another host (RSL 1.0 §4.4, §4.9).

``rsl-several``: a global ``License:`` line (free) and one inside Googlebot's group (prohibits
``/closed/``). The directive is global, so both are fetched (once each) and the most restrictive
outcome decides each URL. ``rsl-crossorigin``: a second ``License:`` on another host, which is
not fetched without that host's robots.txt: its terms are unknown, so nothing is taken, and the
record says why. The access logs prove what was requested; the export agrees from the archive.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import SiteServer
from tests.support.helpers import SITES, crawl, read_decisions, read_jsonl, run_cli

pytestmark = pytest.mark.slow

POLICY = {"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}


def serve(name: str, tmp: Path) -> SiteServer:
    root = tmp / name
    shutil.copytree(SITES / name, root)
    server = SiteServer(root).start()
    template = (root / "robots.txt.tmpl").read_text("utf-8")
    (root / "robots.txt").write_text(template.replace("{base}", server.url), "utf-8")
    return server


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("rslseveral")
    servers = {name: serve(name, tmp) for name in ("rsl-several", "rsl-crossorigin")}
    try:
        out = tmp / "crawl"
        crawl(out, *(s.url + "/" for s in servers.values()))
        dataset = tmp / "dataset"
        proc = run_cli("export", str(out), "--out", str(dataset))
        assert proc.returncode == 0, proc.stderr
        entries: dict[str, dict[str, Any]] = {}
        for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
            for e in read_jsonl(dataset / name):
                entries[e["url"]] = e
        yield {"servers": servers, "out": out, "entries": entries}
    finally:
        for server in servers.values():
            server.stop()


def test_every_license_line_is_fetched_once_and_the_most_restrictive_decides(
    several: dict[str, Any],
) -> None:
    server = several["servers"]["rsl-several"]
    paths = server.log.paths()
    assert set(paths) == POLICY | {"/license.xml", "/closed-licence.xml", "/", "/a.html"}
    assert paths.count("/license.xml") == 1
    assert paths.count("/closed-licence.xml") == 1
    base = server.url
    (rec,) = [r for r in read_decisions(several["out"]) if r["url"] == base + "/closed/b.html"]
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == ["optout:rsl"]
    assert any("2 RSL licences declared" in e["note"] for e in rec["prefetch"]["rsl"]["evidence"])
    entries = several["entries"]
    assert entries[base + "/a.html"]["status"] == "exported"
    assert entries[base + "/closed/b.html"]["status"] == "not-fetched"
    files = [pf["url"] for pf in entries[base + "/a.html"]["policy_files"] if pf["kind"] == "rsl"]
    assert files == [base + "/license.xml", base + "/closed-licence.xml"]


def test_a_licence_on_another_host_fails_closed_and_says_why(several: dict[str, Any]) -> None:
    server = several["servers"]["rsl-crossorigin"]
    paths = server.log.paths()
    assert set(paths) == POLICY | {"/license.xml"}  # the site's own licence; no page
    (rec,) = [r for r in read_decisions(several["out"]) if r["url"] == server.url + "/"]
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == ["rsl-unavailable:cross-origin"]
    assert "robots.txt permission" in rec["prefetch"]["rsl"]["reason"]
    assert any(
        e["excerpt"] == "License: https://licences.invalid/site-licence.xml"
        for e in rec["prefetch"]["rsl"]["evidence"]
    )
    e = several["entries"][server.url + "/"]
    assert "rsl-unavailable:cross-origin" in e["decision"]["reasons"]
