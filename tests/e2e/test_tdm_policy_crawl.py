"""TDMRep TDM policies end to end: a local site whose reservations name ODRL policies (issue 15).

``tests/sites/tdm-policy`` reserves TDM for ``/open/``, ``/research/``, ``/broken/``,
``/gone/`` and ``/missing/`` in its tdmrep.json, each rule naming a policy: one granting
``tdm:mine`` for non-research use under ``obtainConsent``, one for research only, a malformed one,
one answering 503 and one 404; three pages reserve by header and name a policy there. A grants
file holds agreements that rely on those policies. The proof comes from outside the crawler:
the access log (each policy requested once, after tdmrep.json), the WARC (the policies
archived), the manifest (their terms, re-read from the archive) and ``explain``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from tests.support.helpers import SITES, crawl, read_decisions, read_jsonl, run_cli

pytestmark = pytest.mark.slow

DOC = "e" * 64


def _grant(gid: str, pattern: str, override: str, policy: str) -> str:
    return f"""
[[grants]]
id = "{gid}"
counterparty = "Example Publisher"
document_sha256 = "{DOC}"
url_pattern = "{pattern}"
permits = ["ai-train"]
valid_from = 2020-01-01
valid_until = 2099-12-31
overrides = ["{override}"]
tdm_policy = "{policy}"
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("tdmpolicy")
    root = tmp / "site"
    shutil.copytree(SITES / "tdm-policy", root)
    server = SiteServer(root).start()
    try:
        base = server.url
        grants = tmp / "grants.toml"
        grants.write_text(
            _grant("AGR-OPEN", base + "/open/*", "tdmrep-file", base + "/policies/permit.json")
            + _grant(
                "AGR-RES", base + "/research/*", "tdmrep-file", base + "/policies/research.json"
            )
            + _grant(
                "AGR-BROKEN", base + "/broken/*", "tdmrep-file", base + "/policies/broken.json"
            )
            + _grant("AGR-HDR", base + "/hdr*", "tdmrep-header", base + "/policies/hdr.json")
        )
        out = tmp / "crawl"
        crawl(out, base + "/", extra=("--grants", str(grants)))
        with_grants = tmp / "with-grants"
        proc = run_cli("export", str(out), "--out", str(with_grants), "--grants", str(grants))
        assert proc.returncode == 0, proc.stderr
        without = tmp / "without-grants"
        proc = run_cli("export", str(out), "--out", str(without))
        assert proc.returncode == 0, proc.stderr
        yield {
            "base": base,
            "paths": server.log.paths(),
            "out": out,
            "with": with_grants,
            "without": without,
        }
    finally:
        server.stop()


def entries(dataset: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
        for e in read_jsonl(dataset / name):
            found[e["url"]] = e
    return found


def test_each_policy_is_requested_once_after_tdmrep_json(site: dict[str, Any]) -> None:
    paths = site["paths"]
    tdmrep = paths.index("/.well-known/tdmrep.json")
    for policy in ("permit", "research", "broken", "missing"):
        assert paths.count(f"/policies/{policy}.json") == 1, paths
        assert paths.index(f"/policies/{policy}.json") > tdmrep
    assert paths.count("/policies/gone.json") == 3  # one fetch: a 503 is retried, then cached
    # the header variant: named by three pages, fetched once per cache window
    assert paths.count("/policies/hdr.json") == 1
    assert paths.index("/policies/hdr.json") > paths.index("/hdr.html")


def test_the_reservation_stays_a_reservation(site: dict[str, Any]) -> None:
    paths = site["paths"]
    # no grant relies on a permitting policy for these: never requested
    for page in ("/research/a.html", "/broken/a.html", "/gone/a.html", "/missing/a.html"):
        assert page not in paths
        (rec,) = [r for r in read_decisions(site["out"]) if r["url"] == site["base"] + page]
        assert rec["outcome"] == "not-fetched"
        assert "optout:tdmrep-file" in rec["reasons"]
    # admitted only under the agreement that relies on the permitting policy
    assert "/open/a.html" in paths
    assert "/open/b.html" in paths
    without = entries(site["without"])
    for page in ("/open/a.html", "/hdr.html"):
        e = without[site["base"] + page]
        assert e["status"] == "excluded", e["decision"]
        assert e["grant"] is None


def test_policies_are_archived(site: dict[str, Any]) -> None:
    archived: set[str] = set()
    for path in sorted((site["out"] / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    archived.add(rec.rec_headers.get_header("WARC-Target-URI"))
    for policy in ("permit", "research", "broken", "gone", "missing", "hdr"):
        assert f"{site['base']}/policies/{policy}.json" in archived, policy


@pytest.mark.parametrize(
    ("page", "policy", "status", "ai_training"),
    [
        ("/open/a.html", "permit", "read", "permitted"),
        ("/research/a.html", "research", "read", "not-permitted"),
        ("/broken/a.html", "broken", "unreadable", "unknown"),
        ("/gone/a.html", "gone", "unavailable", "unknown"),
        ("/missing/a.html", "missing", "absent", "unknown"),
        ("/hdr.html", "hdr", "read", "permitted"),
    ],
)
def test_manifest_records_the_policy_and_its_terms(
    site: dict[str, Any], page: str, policy: str, status: str, ai_training: str
) -> None:
    e = entries(site["with"])[site["base"] + page]
    url = f"{site['base']}/policies/{policy}.json"
    items = [pf for pf in e["policy_files"] if pf["kind"] == "tdm-policy" and pf["url"] == url]
    assert items, e["policy_files"]
    pf = items[0]
    assert len(pf["sha256"]) == 64
    assert pf["fetched_at"]
    if policy != "gone":
        assert pf["check"] == "archived"
        assert pf["archived"]["file"].endswith(".warc.gz")
    terms = pf["tdm_policy"]
    assert (terms["status"], terms["ai_training"]) == (status, ai_training)
    assert terms["evidence"]
    if policy == "permit":
        assert terms["conditions"] == ["obtain-consent", "purpose:non-research"]
        assert "fn: Example Publisher" in terms["assigner"]
        (rule,) = terms["rules"]
        assert rule["action"] == "tdm:mine"
        assert rule["counts"] is True


def test_grants_admit_only_where_the_archived_terms_permit(site: dict[str, Any]) -> None:
    found = entries(site["with"])
    base = site["base"]
    for page, gid, policy in (
        ("/open/a.html", "AGR-OPEN", "permit"),
        ("/open/b.html", "AGR-OPEN", "permit"),
        ("/hdr.html", "AGR-HDR", "hdr"),
        ("/hdr2.html", "AGR-HDR", "hdr"),
    ):
        e = found[base + page]
        assert e["status"] == "exported", e["decision"]
        assert e["grant"]["id"] == gid
        assert e["grant"]["tdm_policy"] == f"{base}/policies/{policy}.json"
        assert "archived terms permit tdm:mine" in e["grant"]["note"]
    # a header reservation whose policy is research-only: fetched, but the agreement relying
    # on that policy admits nothing
    e = found[base + "/hdr-research.html"]
    assert e["status"] == "excluded"
    assert "optout:tdmrep-header" in e["decision"]["reasons"]
    # (its grant covers /hdr*, but names hdr.json, which this page's header does not name)
    assert "grant-tdm-policy:AGR-HDR" in e["decision"]["reasons"]


def test_explain_names_the_policy_terms(site: dict[str, Any]) -> None:
    proc = run_cli("explain", str(site["with"]), site["base"] + "/open/a.html")
    assert proc.returncode == 0, proc.stderr
    assert "AGR-OPEN" in proc.stdout
    assert "TDM policy (read; AI training permitted)" in proc.stdout
    assert "obtain-consent" in proc.stdout
    assert "/policies/permit.json" in proc.stdout
    proc = run_cli("explain", str(site["with"]), site["base"] + "/research/a.html")
    assert proc.returncode == 0, proc.stderr
    assert "limited to research purposes" in proc.stdout
