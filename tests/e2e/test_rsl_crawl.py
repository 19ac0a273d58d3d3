"""RSL 1.0 end to end: local sites publishing RSL licences, crawled and exported with the real CLI.

Each site under ``tests/sites/rsl-*`` is one case of issue 15: prohibit, free, attribution,
payment, licence server, path-scoped ``<content>``, malformed, 5xx, 404, a licence robots.txt
forbids, and the page-level channels (inline ``<script>``, a ``Link`` header). Its robots.txt is
rendered from ``robots.txt.tmpl`` with the server's address, because RSL 1.0 §4.4 wants an
absolute ``License:`` URL. The proof comes from outside the crawler: the servers' access logs
show what was and was not requested, the WARC holds the licence documents, and the export's
manifest, exclusions and ``explain`` name the RSL term that decided.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.support.helpers import SITES, crawl, read_decisions, read_jsonl, run_cli

pytestmark = pytest.mark.slow

POLICY = {"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}
LICENCE = "/license.xml"

#: site -> expectations: ``requested`` is the complete set of paths the crawl asked for;
#: ``refused`` maps never-requested pages to their reason; ``exported`` / ``excluded`` are the
#: export's verdicts on fetched pages (``excluded`` with a reason it must give).
EXPECT: dict[str, dict[str, Any]] = {
    "rsl-prohibit": {
        "requested": POLICY | {LICENCE},
        "refused": {"/": "optout:rsl"},
        "verdict": "prohibited",
    },
    "rsl-free": {
        "requested": POLICY | {LICENCE, "/", "/a.html"},
        "exported": ["/", "/a.html"],
        "verdict": "permitted",
    },
    "rsl-attribution": {
        "requested": POLICY | {LICENCE, "/", "/a.html"},
        "exported": ["/", "/a.html"],
        "verdict": "permitted",
    },
    "rsl-payment": {
        "requested": POLICY | {LICENCE},
        "refused": {"/": "rsl-terms:payment:purchase"},
        "verdict": "terms",
    },
    "rsl-server": {
        "requested": POLICY | {LICENCE},
        "refused": {"/": "rsl-terms:server"},
        "verdict": "terms",
    },
    "rsl-paths": {
        "seeds": ["/", "/open/a.html"],
        "requested": POLICY | {LICENCE, "/open/a.html", "/open/b.html"},
        "refused": {"/": "optout:rsl", "/closed.html": "optout:rsl"},
        "exported": ["/open/a.html", "/open/b.html"],
    },
    "rsl-malformed": {
        "requested": POLICY | {LICENCE},
        "refused": {"/": "rsl-unavailable:malformed"},
        "verdict": "unavailable",
    },
    "rsl-5xx": {
        "requested": POLICY | {LICENCE},
        "refused": {"/": "rsl-unavailable:http-503"},
        "verdict": "unavailable",
    },
    "rsl-404": {
        "requested": POLICY | {LICENCE, "/", "/a.html"},
        "exported": ["/", "/a.html"],
    },
    "rsl-robotsrefuses": {
        "requested": POLICY,
        "refused": {"/": "policy-file-refused-by-robots:rsl"},
    },
    "rsl-user": {  # restricted by user type and region, and the crawl did not say its own
        "requested": POLICY | {LICENCE},
        "refused": {"/": "rsl-condition-unknown:user"},
        "verdict": "condition-unknown",
    },
    # page-level channels: an inline licence, and licences linked by a Link header or <link>,
    # fetched once and archived when on the page's origin and allowed by robots.txt
    "rsl-inline": {
        "requested": POLICY
        | {"/", "/inline.html", "/linked.html", "/plain.html", "/other-licence.xml"}
        | {"/linked-prohibit.html", "/linked-prohibit2.html", "/page-licence.xml"}
        | {"/linked-offsite.html", "/linked-private.html"},
        "exported": ["/", "/plain.html", "/linked.html"],  # its linked licence is a 404
        "excluded": {
            "/inline.html": "optout:rsl",
            "/linked-prohibit.html": "optout:rsl",
            "/linked-prohibit2.html": "optout:rsl",
            "/linked-offsite.html": "rsl-unavailable:linked-licence-not-fetched",
            "/linked-private.html": "rsl-unavailable:linked-licence-not-fetched",
        },
    },
}


def serve(name: str, tmp: Path) -> SiteServer:
    """Serve a copy of the site with its robots.txt naming the server's own address."""
    root = tmp / name
    shutil.copytree(SITES / name, root)
    server = SiteServer(root).start()
    template = (root / "robots.txt.tmpl").read_text("utf-8")
    (root / "robots.txt").write_text(template.replace("{base}", server.url), "utf-8")
    return server


@pytest.fixture(scope="module")
def rsl_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("rsl")
    servers = {name: serve(name, tmp / "sites") for name in EXPECT}
    try:
        out = tmp / "crawl"
        seeds = [
            s.url + seed for name, s in servers.items() for seed in EXPECT[name].get("seeds", ["/"])
        ]
        crawl(out, *seeds)
        dataset = tmp / "dataset"
        proc = run_cli("export", str(out), "--out", str(dataset))
        assert proc.returncode == 0, proc.stderr
        yield {"servers": servers, "out": out, "dataset": dataset}
    finally:
        for server in servers.values():
            server.stop()


def records(out: Path, url: str) -> list[dict[str, Any]]:
    return [r for r in read_decisions(out) if r["url"] == url]


def manifest(dataset: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
        for e in read_jsonl(dataset / name):
            entries[e["url"]] = e
    return entries


@pytest.mark.parametrize("site", list(EXPECT))
def test_access_log_shows_what_was_requested(rsl_crawl: dict[str, Any], site: str) -> None:
    paths = rsl_crawl["servers"][site].log.paths()
    assert set(paths) == EXPECT[site]["requested"], paths
    assert paths[0] == "/robots.txt"  # before anything else, the licence included
    if LICENCE in paths:
        assert paths.index(LICENCE) > 0
    # fetched once per origin per cache window (a 503 is retried, never re-fetched later)
    assert paths.count(LICENCE) == (3 if site == "rsl-5xx" else int(LICENCE in paths))
    assert paths.count("/page-licence.xml") == int(site == "rsl-inline")  # two pages link it


@pytest.mark.parametrize("site", list(EXPECT))
def test_refusals_name_the_rsl_term(rsl_crawl: dict[str, Any], site: str) -> None:
    base = rsl_crawl["servers"][site].url
    for path, reason in EXPECT[site].get("refused", {}).items():
        (rec,) = records(rsl_crawl["out"], base + path)
        assert rec["outcome"] == "not-fetched"
        assert reason in rec["reasons"]
        rsl = rec["prefetch"]["rsl"]
        assert rsl["evidence"], rsl
        if "verdict" in EXPECT[site]:
            assert rsl["verdict"] == EXPECT[site]["verdict"]
        if reason.startswith("rsl-terms"):
            assert rsl["terms"]["obtain_at"] in (
                "https://licensing.example/buy",
                "https://licenses.example/api",
            )
            assert rsl["terms"]["obtain_at"] in rsl["reason"]
        if site != "rsl-robotsrefuses":
            assert any(
                e["excerpt"] == f"License: {base}{LICENCE}" and e["locator"].startswith("line")
                for e in rsl["evidence"]
            ), rsl["evidence"]


def test_licence_documents_are_archived(rsl_crawl: dict[str, Any]) -> None:
    archived: dict[str, int] = {}
    for path in sorted((rsl_crawl["out"] / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):  # a 404 repeats other 404s
                    url = rec.rec_headers.get_header("WARC-Target-URI")
                    archived[url] = rec.http_headers.get_statuscode()
    for name, exp in EXPECT.items():
        if LICENCE in exp["requested"]:
            url = rsl_crawl["servers"][name].url + LICENCE
            assert url in archived, name


@pytest.mark.parametrize("site", list(EXPECT))
def test_export_follows_the_licence(rsl_crawl: dict[str, Any], site: str) -> None:
    base = rsl_crawl["servers"][site].url
    entries = manifest(rsl_crawl["dataset"])
    exp = EXPECT[site]
    for path in exp.get("exported", ()):
        e = entries[base + path]
        assert e["status"] == "exported", e["decision"]
    for path, reason in exp.get("excluded", {}).items():
        e = entries[base + path]
        assert e["status"] == "excluded"
        assert reason in e["decision"]["reasons"]
        assert e["rsl"]["evidence"]
    for path, reason in exp.get("refused", {}).items():
        e = entries[base + path]
        assert e["status"] == "not-fetched"
        assert reason in e["decision"]["reasons"]


def test_attribution_duty_and_rsl_licence_reach_the_dataset(rsl_crawl: dict[str, Any]) -> None:
    base = rsl_crawl["servers"]["rsl-attribution"].url
    e = manifest(rsl_crawl["dataset"])[base + "/a.html"]
    assert e["license"]["spdx"] == "CC-BY-4.0"
    assert e["license"]["scope"] == "site"
    assert e["license"]["detector"] == "filters.rsl"
    assert e["rsl"]["attribution_required"] is True
    assert e["rsl"]["verdict"] == "permitted"
    rows = [json.loads(line) for line in _rows(rsl_crawl["dataset"])]
    (row,) = [r for r in rows if r["url"] == base + "/a.html"]
    assert "RSL licence" in row["attribution"]
    paths = rsl_crawl["servers"]["rsl-paths"].url
    e = manifest(rsl_crawl["dataset"])[paths + "/open/b.html"]
    assert e["license"]["spdx"] == "CC-BY-SA-4.0"
    assert e["rsl"]["cause"] == "attribution"


def _rows(dataset: Path) -> list[str]:
    import pyarrow.parquet as pq

    return [
        json.dumps({"url": row["url"], "attribution": row["attribution"]})
        for path in sorted((dataset / "data").glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]


def test_free_licence_records_max_age_and_no_duty(rsl_crawl: dict[str, Any]) -> None:
    base = rsl_crawl["servers"]["rsl-free"].url
    e = manifest(rsl_crawl["dataset"])[base + "/a.html"]
    assert e["rsl"]["verdict"] == "permitted"
    assert e["rsl"]["max_age_days"] == 7
    assert e["rsl"]["attribution_required"] is False
    assert e["license"]["spdx"] == "CC-BY-4.0"  # the page's own statement
    assert any(pf["kind"] == "rsl" and pf["check"] == "archived" for pf in e["policy_files"])


def test_explain_names_the_rsl_term(rsl_crawl: dict[str, Any]) -> None:
    base = rsl_crawl["servers"]["rsl-payment"].url
    proc = run_cli("explain", str(rsl_crawl["dataset"]), base + "/")
    assert proc.returncode == 0, proc.stderr
    assert "rsl-terms:payment:purchase" in proc.stdout
    assert "https://licensing.example/buy" in proc.stdout
    base = rsl_crawl["servers"]["rsl-attribution"].url
    proc = run_cli("explain", str(rsl_crawl["dataset"]), base + "/a.html")
    assert proc.returncode == 0, proc.stderr
    assert "RSL licence (permitted)" in proc.stdout
    assert "requires attribution" in proc.stdout


def test_user_and_region_settings_reach_the_crawl_and_the_export(
    tmp_path: Path,
) -> None:
    """RSL 1.0 §3.4.1: with the crawl's user type and region set, the licence is satisfied.

    The export re-evaluates the archived licence with the values the crawl recorded in its
    warcinfo, so it agrees with the crawl without being told them again.
    """
    server = serve("rsl-user", tmp_path / "sites")
    try:
        out = tmp_path / "crawl"
        extra = ("-s", "CLEARCRAWL_RSL_USER=education", "-s", "CLEARCRAWL_RSL_GEO=DE,EU")
        crawl(out, server.url + "/", extra=extra)
        assert {"/", "/a.html", LICENCE} <= set(server.log.paths())
        dataset = tmp_path / "dataset"
        proc = run_cli("export", str(out), "--out", str(dataset))
        assert proc.returncode == 0, proc.stderr
        entries = manifest(dataset)
        assert entries[server.url + "/a.html"]["status"] == "exported"
        assert entries[server.url + "/a.html"]["rsl"]["verdict"] == "permitted"
    finally:
        server.stop()
