"""Several RSL licences in one robots.txt, and one on another host (RSL 1.0 §4.4, §4.9).

``rsl-several``: a global ``License:`` line (free) and one inside Googlebot's group (prohibits
``/closed/``). The directive is global, so both are fetched (once each) and the most restrictive
outcome decides each URL. ``rsl-crossorigin``: licences hosted on another origin (a collective's
or a CDN's, ``rsl-licencehost``; §4.4: the URL "may be on a different host"), fetched only when
that host's robots.txt allows it, once per URL for the whole crawl. The access logs prove what
was requested; the export agrees from the archive.
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
    servers = {name: serve(name, tmp) for name in ("rsl-several",)}
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


def serve_plain(name: str, root: Path) -> SiteServer:
    shutil.copytree(SITES / name, root)
    return SiteServer(root).start()


@pytest.fixture(scope="module")
def crossorigin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Origin B hosts licences; A1 and A4 name B's permitting one, A2 one B's robots.txt
    forbids, A3 B's prohibiting one (each A: CC BY pages, no licence of its own)."""
    tmp = tmp_path_factory.mktemp("rslcross")
    host = serve_plain("rsl-licencehost", tmp / "host")
    names = ("permit", "forbidden", "prohibit", "permit-too", "linked")
    sites = {n: serve_plain("rsl-crossorigin", tmp / n) for n in names}
    licence = {
        "permit": "/permit.xml",
        "forbidden": "/private/licence.xml",
        "prohibit": "/prohibit.xml",
        "permit-too": "/permit.xml",
        "linked": "",  # none in robots.txt: its pages link licences on the host (§4.6)
    }
    try:
        covered = {"permit.xml": "permit", "prohibit.xml": "prohibit"}
        covered["private/licence.xml"] = "forbidden"
        for path, site in covered.items():
            tmpl = (tmp / "host" / (path + ".tmpl")).read_text("utf-8")
            body = tmpl.replace("{a}", sites[site].url)
            if path == "permit.xml":  # one licence, two origins: it names both
                body = body.replace(
                    "</rsl>",
                    tmpl.split("<rsl", 1)[1]
                    .split(">", 1)[1]
                    .split("</rsl>")[0]
                    .replace("{a}", sites["permit-too"].url)
                    + "</rsl>",
                )
            (tmp / "host" / path).write_text(body, "utf-8")
        linked = sites["linked"].url
        tmpl = (tmp / "host" / "permit.xml.tmpl").read_text("utf-8")
        (tmp / "host" / "linked.xml").write_text(tmpl.replace("{a}", linked), "utf-8")
        for page, href in (("a.html", "/linked.xml"), ("index.html", "/private/licence.xml")):
            html = (tmp / "linked" / page).read_text("utf-8")
            tag = f'<link rel="license" type="application/rsl+xml" href="{host.url}{href}">'
            html = html.replace("<head>", "<head>" + tag).replace(
                "</main>", "<p>This copy names its licence on the licence host.</p></main>"
            )  # its own text: not a duplicate of the other origins' pages
            (tmp / "linked" / page).write_text(html, "utf-8")
        for n in sites:
            robots = (tmp / n / "robots.txt.tmpl").read_text("utf-8")
            line = f"License: {host.url}{licence[n]}" if licence[n] else ""
            (tmp / n / "robots.txt").write_text(robots.replace("{licences}", line), "utf-8")
        out = tmp / "crawl"
        crawl(out, *(s.url + "/" for s in sites.values()), linked + "/a.html")
        dataset = tmp / "dataset"
        proc = run_cli("export", str(out), "--out", str(dataset))
        assert proc.returncode == 0, proc.stderr
        entries: dict[str, dict[str, Any]] = {}
        for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
            for e in read_jsonl(dataset / name):
                entries[e["url"]] = e
        yield {"host": host, "sites": sites, "out": out, "entries": entries}
    finally:
        for server in (host, *sites.values()):
            server.stop()


def test_a_licence_on_another_host_is_read_after_that_hosts_robots_txt(
    crossorigin: dict[str, Any],
) -> None:
    """Before: every cross-origin licence failed closed (``rsl-unavailable:cross-origin``)."""
    host, sites = crossorigin["host"], crossorigin["sites"]
    paths = host.log.paths()
    assert paths.count("/robots.txt") == 1
    assert paths.count("/permit.xml") == 1  # named by two origins: fetched once
    assert paths.count("/prohibit.xml") == 1
    assert "/private/licence.xml" not in paths  # B's robots.txt forbids it
    entries = crossorigin["entries"]
    exported = 0
    for n in ("permit", "permit-too"):
        base = sites[n].url
        assert set(sites[n].log.paths()) == POLICY | {"/", "/a.html"}
        entry = entries[base + "/a.html"]
        # admitted at crawl time and at export (re-read from the archived licence); the same
        # page text on both origins: one copy is exported, the other is a duplicate
        assert entry["decision"]["crawl_time"] == {"outcome": "exported-candidate", "reasons": []}
        assert all(r.startswith("duplicate-text:") for r in entry["decision"]["reasons"])
        exported += entry["status"] == "exported"
        files = [
            pf["url"] for pf in entries[base + "/a.html"]["policy_files"] if pf["kind"] == "rsl"
        ]
        assert files == [host.url + "/permit.xml"]
        (pf,) = [pf for pf in entry["policy_files"] if pf["kind"] == "rsl"]
        assert pf["check"] == "archived"  # the export re-read the host's archived copy
    assert exported == 1


def test_a_licence_the_hosts_robots_txt_forbids_fails_closed(
    crossorigin: dict[str, Any],
) -> None:
    site = crossorigin["sites"]["forbidden"]
    assert set(site.log.paths()) == POLICY
    (rec,) = [r for r in read_decisions(crossorigin["out"]) if r["url"] == site.url + "/"]
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == ["policy-file-refused-by-robots:rsl"]
    assert "robots.txt forbids" in rec["prefetch"]["rsl"]["reason"]


def test_a_licence_on_another_host_prohibiting_training_refuses_before_fetching(
    crossorigin: dict[str, Any],
) -> None:
    site = crossorigin["sites"]["prohibit"]
    assert set(site.log.paths()) == POLICY  # known before: the page is not requested
    (rec,) = [r for r in read_decisions(crossorigin["out"]) if r["url"] == site.url + "/"]
    assert rec["outcome"] == "not-fetched"
    assert rec["reasons"] == ["optout:rsl"]


def test_two_origins_naming_each_others_licence_do_not_wait_on_each_other(
    tmp_path: Path,
) -> None:
    """X's robots.txt names a licence on Y, Y's one on X: each plan reads the other origin's
    robots.txt apart from that origin's plan (no deadlock), and both are admitted."""
    roots = {n: tmp_path / n for n in ("x", "y")}
    servers = {n: serve_plain("rsl-crossorigin", root) for n, root in roots.items()}
    try:
        tmpl = (SITES / "rsl-licencehost" / "permit.xml.tmpl").read_text("utf-8")
        for n, other in (("x", "y"), ("y", "x")):
            # each origin hosts the licence for the other's pages, and names the other's
            (roots[n] / "mutual.xml").write_text(tmpl.replace("{a}", servers[other].url))
            robots = (roots[n] / "robots.txt.tmpl").read_text("utf-8")
            line = f"License: {servers[other].url}/mutual.xml"
            (roots[n] / "robots.txt").write_text(robots.replace("{licences}", line))
        out = tmp_path / "crawl"
        crawl(out, *(s.url + "/" for s in servers.values()), timeout=120)
        decisions = {r["url"]: r for r in read_decisions(out)}
        for server in servers.values():
            paths = server.log.paths()
            assert paths.count("/robots.txt") == 1
            assert paths.count("/mutual.xml") == 1
            assert decisions[server.url + "/a.html"]["outcome"] != "not-fetched"
            assert "/a.html" in paths
    finally:
        for server in servers.values():
            server.stop()


def test_a_page_linked_licence_on_another_host_follows_that_hosts_robots_txt(
    crossorigin: dict[str, Any],
) -> None:
    """RSL 1.0 §4.6 ``<link rel=license>`` to another host: read when its robots.txt allows.

    Before: a linked licence on another origin was never read, and the page failed closed.
    """
    host, site = crossorigin["host"], crossorigin["sites"]["linked"]
    paths = host.log.paths()
    assert paths.count("/linked.xml") == 1
    assert "/private/licence.xml" not in paths
    entries = crossorigin["entries"]
    a = entries[site.url + "/a.html"]
    assert a["decision"]["crawl_time"]["reasons"] == []
    assert a["status"] == "exported", a["decision"]
    assert [pf["url"] for pf in a["policy_files"] if pf["kind"] == "rsl-linked"] == [
        host.url + "/linked.xml"
    ]
    index = entries[site.url + "/"]
    assert index["status"] == "excluded"
    assert "rsl-unavailable:linked-licence-not-fetched" in index["decision"]["reasons"]
