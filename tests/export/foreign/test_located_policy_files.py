"""Located policy files in archives clearcrawl did not write (issues 14 and 15).

An RSL licence is named by robots.txt (RSL 1.0 §4.4 ``License:``) and a TDMRep ``tdm-policy``
by tdmrep.json: neither lives at a fixed path, so the export looks each named URL up in the
same archive set, then in the policy archive, nearest in time within the window. A licence
named but found nowhere is ``policy-file-unknown:rsl`` unless the policy relaxes it explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from export.run import run_export
from filters.policy import Policy
from tests.export.foreign.ccbuild import entries, page, write_warc
from tests.support.helpers import read_jsonl, run_cli

DAY = "2020-08-05T10:00:00Z"
BEFORE = "2020-08-05T09:59:00Z"
PAGE = "https://coast.example/article.html"
LICENSE = "https://coast.example/license.xml"
ROBOTS = b"User-agent: *\nDisallow: /private/\nLicense: https://coast.example/license.xml\n"
RSL_TYPE = {LICENSE: "application/rsl+xml"}
PROHIBIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/"><license><prohibits type="usage">ai-train</prohibits></license></content>
</rsl>"""
FREE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/"><license>
    <permits type="usage">ai-train search</permits><payment type="free"/>
  </license></content>
</rsl>"""


def item(entry: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(p for p in entry["policy_files"] if p["kind"] == kind)


def layout(root: Path, *, licence: bytes | None, in_policy_archive: bool) -> Path:
    """Page WARC in ``warc/``; robots.txt (and the licence, when asked) in ``robotstxt/``."""
    crawl = root / "crawl-data" / "CC-MAIN-2020-34" / "segments" / "1596439735792.85"
    pages = [(PAGE, 200, page("article.html"), DAY)]
    policy = [("https://coast.example/robots.txt", 200, ROBOTS, BEFORE)]
    if licence is not None:
        (policy if in_policy_archive else pages).append((LICENSE, 200, licence, BEFORE))
    write_warc(crawl / "warc" / "CC-MAIN-20200803-00000.warc.gz", pages, types=RSL_TYPE)
    write_warc(crawl / "robotstxt" / "CC-MAIN-20200803-00000.warc.gz", policy, types=RSL_TYPE)
    return crawl


def export(crawl: Path, out: Path, policy: Policy | None = None) -> Any:
    kw: dict[str, Any] = {"policy": policy} if policy is not None else {}
    return run_export(crawl / "warc", out, policy_warcs=[str(crawl / "robotstxt")], workers=1, **kw)


def test_prohibiting_licence_in_the_same_archive_excludes(tmp_path: Path) -> None:
    crawl = layout(tmp_path, licence=PROHIBIT, in_policy_archive=False)
    summary = export(crawl, tmp_path / "out")
    assert summary.exported == 0
    e = entries(tmp_path / "out")[PAGE]
    assert any(r.startswith("optout:rsl") for r in e["decision"]["reasons"]), e["decision"]
    rsl = item(e, "rsl")
    assert rsl["source"] == "same-archive"
    assert rsl["url"] == LICENSE
    assert rsl["archived"]["file"] == "CC-MAIN-20200803-00000.warc.gz"


def test_prohibiting_licence_in_the_policy_archive_excludes(tmp_path: Path) -> None:
    crawl = layout(tmp_path, licence=PROHIBIT, in_policy_archive=True)
    summary = export(crawl, tmp_path / "out")
    assert summary.exported == 0
    e = entries(tmp_path / "out")[PAGE]
    assert any(r.startswith("optout:rsl") for r in e["decision"]["reasons"]), e["decision"]
    rsl = item(e, "rsl")
    assert rsl["source"] == "policy-archive"
    assert rsl["archived"]["file"] == "robotstxt/CC-MAIN-20200803-00000.warc.gz"


def test_free_licence_admits_and_manifest_points_at_it(tmp_path: Path) -> None:
    crawl = layout(tmp_path, licence=FREE, in_policy_archive=True)
    summary = export(crawl, tmp_path / "out")
    assert summary.exported == 1
    row = read_jsonl(tmp_path / "out" / "manifest.jsonl.gz")[0]
    rsl = item(row, "rsl")
    assert rsl["source"] == "policy-archive"
    assert rsl["check"] == "archived"
    assert rsl["status"] == 200
    assert rsl["archived"]["offset"] >= 0
    assert "rsl" not in row["provenance"]["relaxations"]
    proc = run_cli("explain", str(tmp_path / "out"), PAGE)
    assert proc.returncode == 0, proc.stderr
    assert LICENSE in proc.stdout
    assert "captured in the policy archive" in proc.stdout


def test_named_licence_found_nowhere_is_unknown(tmp_path: Path) -> None:
    crawl = layout(tmp_path, licence=None, in_policy_archive=True)
    summary = export(crawl, tmp_path / "out")
    assert summary.exported == 0
    e = entries(tmp_path / "out")[PAGE]
    assert "policy-file-unknown:rsl" in e["decision"]["reasons"]
    assert item(e, "rsl")["url"] == LICENSE


def test_relaxing_the_licence_is_explicit_and_recorded(tmp_path: Path) -> None:
    crawl = layout(tmp_path, licence=None, in_policy_archive=True)
    policy = Policy.from_dict(
        {"name": "no-rsl", "archive_required_policy_files": ["robots.txt", "tdm-policy"]}
    )
    summary = export(crawl, tmp_path / "out", policy)
    assert summary.exported == 1
    row = read_jsonl(tmp_path / "out" / "manifest.jsonl.gz")[0]
    assert "rsl" in row["provenance"]["relaxations"]


def test_tdm_policy_named_by_tdmrep_json_is_recorded(tmp_path: Path) -> None:
    """The reservation still excludes; the TDM policy it names is found and recorded."""
    crawl = tmp_path / "crawl"
    tdmrep = (
        b'[{"location": "/*", "tdm-reservation": 1, '
        b'"tdm-policy": "https://coast.example/policies/tdm.json"}]'
    )
    odrl = (
        (Path(__file__).resolve().parents[2] / "sites" / "tdm-policy" / "policies")
        .joinpath("permit.json")
        .read_bytes()
    )
    write_warc(
        crawl / "warc" / "pages.warc.gz",
        [
            ("https://coast.example/robots.txt", 200, b"User-agent: *\nAllow: /\n", BEFORE),
            ("https://coast.example/.well-known/tdmrep.json", 200, tdmrep, BEFORE),
            ("https://coast.example/policies/tdm.json", 200, odrl, BEFORE),
            (PAGE, 200, page("article.html"), DAY),
        ],
        types={
            "https://coast.example/.well-known/tdmrep.json": "application/json",
            "https://coast.example/policies/tdm.json": "application/ld+json",
        },
    )
    summary = run_export(crawl / "warc", tmp_path / "out", workers=1)
    assert summary.exported == 0
    e = entries(tmp_path / "out")[PAGE]
    assert any(r.startswith("optout:tdmrep") for r in e["decision"]["reasons"]), e["decision"]
    tdm = item(e, "tdm-policy")
    assert tdm["url"] == "https://coast.example/policies/tdm.json"
    assert tdm["source"] == "same-archive"
    assert tdm["check"] == "archived"


def test_verify_rederives_from_the_archived_licence(tmp_path: Path) -> None:
    """verify re-reads the licence from the policy archive; a changed licence is a mismatch."""
    from export.verify import verify_dataset

    crawl = layout(tmp_path, licence=FREE, in_policy_archive=True)
    out = tmp_path / "out"
    export(crawl, out)
    policy_warcs = [str(crawl / "robotstxt")]
    report = verify_dataset(out, crawl / "warc", policy_warcs=policy_warcs)
    assert report.checked == 1
    assert report.mismatches == []
    write_warc(
        crawl / "robotstxt" / "CC-MAIN-20200803-00000.warc.gz",
        [
            ("https://coast.example/robots.txt", 200, ROBOTS, BEFORE),
            (LICENSE, 200, PROHIBIT, BEFORE),
        ],
        types=RSL_TYPE,
    )
    report = verify_dataset(out, crawl / "warc", policy_warcs=policy_warcs)
    assert report.mismatches


# --- licences and feeds the page itself names (RSL 1.0 §4.5-§4.7) -------------------------
LINKED = "https://coast.example/page-licence.xml"
LINK_TAG = b'<link rel="license" type="application/rsl+xml" href="/page-licence.xml">'


def linking_page() -> bytes:
    return page("article.html").replace(b"</head>", LINK_TAG + b"</head>", 1)


def page_layout(root: Path, licence: bytes | None) -> Path:
    crawl = root / "crawl"
    records = [
        ("https://coast.example/robots.txt", 200, b"User-agent: *\nAllow: /\n", BEFORE),
        (PAGE, 200, linking_page(), DAY),
    ]
    if licence is not None:
        records.append((LINKED, 200, licence, BEFORE))
    write_warc(crawl / "pages.warc.gz", records, types={LINKED: "application/rsl+xml"})
    return crawl


def test_page_linked_licence_found_in_the_archive_decides(tmp_path: Path) -> None:
    """A prohibiting licence the page links is read from the archive: the page is excluded by
    its terms; a free one admits it, and the manifest points at the archived copy."""
    summary = run_export(page_layout(tmp_path / "a", PROHIBIT), tmp_path / "no", workers=1)
    assert summary.exported == 0
    e = entries(tmp_path / "no")[PAGE]
    assert any(r.startswith("optout:rsl") for r in e["decision"]["reasons"]), e["decision"]
    summary = run_export(page_layout(tmp_path / "b", FREE), tmp_path / "yes", workers=1)
    assert summary.exported == 1
    row = read_jsonl(tmp_path / "yes" / "manifest.jsonl.gz")[0]
    linked = item(row, "rsl-linked")
    assert linked["url"] == LINKED
    assert linked["source"] == "same-archive"


def test_page_linked_licence_missing_fails_closed(tmp_path: Path) -> None:
    summary = run_export(page_layout(tmp_path, None), tmp_path / "out", workers=1)
    assert summary.exported == 0
    e = entries(tmp_path / "out")[PAGE]
    assert "rsl-unavailable:linked-licence-not-fetched" in e["decision"]["reasons"]
    linked = item(e, "rsl-linked")
    assert linked["url"] == LINKED
    assert linked["check"] == "missing"
