"""``clearcrawl recheck``: consent withdrawn after the crawl is found, proven and removed.

A local site on 127.0.0.1 publishes three openly licensed articles and allows everything; the
real CLI crawls and exports them. Then the site changes its mind: robots.txt now disallows one
article to GPTBot (an honoured AI token) and a TDMRep file reserves another. ``recheck`` must
list exactly those two, with old and new evidence side by side, request nothing but the policy
files, archive what it fetched in a WARC, and with ``--out`` write a new dataset version without
them whose card says what was removed and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.support.helpers import crawl, read_jsonl, run_cli

BODY = (
    "The tide tables of the northern coast were kept by hand for a century. "
    "Each entry records the height of the water, the wind and the state of the sky. "
) * 4
CONTACT = ("-s", "CLEARCRAWL_CONTACT=mailto:test@example.org")


def _page(title: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title>"
        "<link rel='license' href='https://creativecommons.org/licenses/by/4.0/'></head>"
        f"<body><main><article><h1>{title}</h1><p>{BODY}</p></article></main></body></html>"
    )


@pytest.fixture(scope="module")
def rechecked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("recheck")
    site = base / "site"
    site.mkdir()
    links = "".join(f"<li><a href='/{n}.html'>{n}</a></li>" for n in ("a", "b", "c"))
    (site / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>", "utf-8")
    for n in ("a", "b", "c"):
        (site / f"{n}.html").write_text(_page(f"Article {n}"), "utf-8")
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    out, ds, new = base / "crawl", base / "ds", base / "ds-v2"
    with SiteServer(site) as server:
        crawl(out, server.url + "/", extra=CONTACT)
        exported = run_cli("export", str(out), "--out", str(ds))
        assert exported.returncode == 0, exported.stderr
        # The publisher changes its mind.
        (site / "robots.txt").write_text(
            "User-agent: *\nAllow: /\n\nUser-agent: GPTBot\nDisallow: /a.html\n", "utf-8"
        )
        (site / ".well-known").mkdir()
        (site / ".well-known" / "tdmrep.json").write_text(
            json.dumps([{"location": "/b.html", "tdm-reservation": 1}]), "utf-8"
        )
        before = len(server.log.paths())
        proc = run_cli("recheck", str(ds), "--out", str(new), "-q", *CONTACT)
        requested = server.log.paths()[before:]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"ds": ds, "new": new, "out": out, "proc": proc, "requested": requested}


def _report(ds: Path) -> dict:
    (path,) = sorted((ds / "recheck").glob("recheck-*.json"))
    return json.loads(path.read_text("utf-8"))


def test_recheck_lists_exactly_the_withdrawn_records_with_old_and_new_evidence(
    rechecked: dict,
) -> None:
    report = _report(rechecked["ds"])
    assert report["records"] == 3
    assert report["withdrawn"] == 2
    by_page = {w["url"].rsplit("/", 1)[1]: w for w in report["withdrawn_records"]}
    assert set(by_page) == {"a.html", "b.html"}
    assert by_page["a.html"]["new"]["reasons"] == ["robots-disallowed"]
    assert by_page["b.html"]["new"]["reasons"] == ["optout:tdmrep-file"]
    a = by_page["a.html"]
    old_robots = {f["kind"]: f for f in a["old"]["policy_files"]}["robots.txt"]
    new_robots = {f["kind"]: f for f in a["new"]["policy_files"]}["robots.txt"]
    assert old_robots["sha256"] != new_robots["sha256"]
    assert new_robots["archived"]["file"].startswith("recheck/recheck-")
    assert any("GPTBot" in e.get("locator", "") + e.get("note", "") for e in a["new"]["robots"])
    assert report["still_allowed_with_changed_policy_files"] == 1  # c.html
    assert "2 would be refused today" in rechecked["proc"].stdout


def test_recheck_requests_only_policy_files_and_archives_them(rechecked: dict) -> None:
    assert set(rechecked["requested"]) <= {"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}
    assert "/robots.txt" in rechecked["requested"]
    (warc,) = sorted((rechecked["ds"] / "recheck").glob("recheck-*.warc.gz"))
    with warc.open("rb") as fh:
        urls = [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        ]
    assert any(u.endswith("/robots.txt") for u in urls)
    assert any(u.endswith("/.well-known/tdmrep.json") for u in urls)


def test_out_writes_a_version_without_the_withdrawn_records(rechecked: dict) -> None:
    new = rechecked["new"]
    rows = pq.read_table(sorted((new / "data").glob("*.parquet"))).to_pylist()
    assert [r["url"].rsplit("/", 1)[1] for r in rows] == ["c.html"]
    manifest = read_jsonl(new / "manifest.jsonl.gz")
    assert [e["url"].rsplit("/", 1)[1] for e in manifest] == ["c.html"]
    excluded = {e["url"].rsplit("/", 1)[1]: e for e in read_jsonl(new / "excluded.jsonl.gz")}
    assert excluded["a.html"]["decision"]["reasons"] == ["consent-withdrawn:robots-disallowed"]
    assert excluded["b.html"]["decision"]["reasons"] == ["consent-withdrawn:optout:tdmrep-file"]
    card = (new / "README.md").read_text("utf-8")
    assert "## Changelog" in card
    assert "2 record(s) removed" in card
    assert "**1 records**" in card or "**1 record**" in card
    info = json.loads((new / "export-info.json").read_text("utf-8"))
    assert info["counts"]["exported"] == 1
    assert info["revisions"][0]["withdrawn"] == 2
    # The original release is untouched.
    assert len(read_jsonl(rechecked["ds"] / "manifest.jsonl.gz")) == 3


def test_the_revision_verifies_and_explains_the_removal(rechecked: dict) -> None:
    new = rechecked["new"]
    verified = run_cli("verify", str(new), "--warc", str(rechecked["out"] / "warc"))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert (new / "report.html").is_file()
    assert (new / "croissant.json").is_file()
    info = json.loads((new / "export-info.json").read_text("utf-8"))
    assert "report.html" in info["files"]
    # The recheck's own files do not break the original release's checksums.
    original = run_cli("verify", str(rechecked["ds"]))
    assert original.returncode == 0, original.stdout + original.stderr
    (a_url,) = [
        e["url"] for e in read_jsonl(new / "excluded.jsonl.gz") if e["url"].endswith("/a.html")
    ]
    explained = run_cli("explain", str(new), a_url)
    assert explained.returncode == 0, explained.stderr
    assert "consent re-check" in explained.stdout


def test_recheck_refuses_to_overwrite_the_dataset(rechecked: dict) -> None:
    ds = rechecked["ds"]
    proc = run_cli("recheck", str(ds), "--out", str(ds))
    assert proc.returncode == 2
    assert "new folder" in proc.stderr
