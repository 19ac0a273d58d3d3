"""Identical payloads across URLs: the export decides a ``revisit`` like the page it repeats.

Issue 11 item 6. The WARC writer stores a payload once and writes later identical ones as
``revisit`` records. The export used to exclude every revisit as ``revisit-of:<urn>``: a
byte-identical licensed copy vanished from the kept row's ``duplicates`` (the card said "0
dropped") and a 404 page lost its ``http-status:404``. The fixture site (``export-revisit``)
serves a licensed page three times (a draft URL answering 404, then two 200 URLs reached one
level deeper) and two missing pages with the server's identical 404 body; the crawl runs
breadth-first, one request at a time, so the 404 draft is archived first and both licensed
copies are revisits of it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.cli import main
from tests.support.helpers import read_decisions, read_jsonl

COPIES = ("/orchard.html", "/mirror/orchard.html")
GONE = ("/gone-1.html", "/gone-2.html")


def _by_path(entries: list[dict]) -> dict[str, dict]:
    return {urlsplit(e["url"]).path: e for e in entries}


def test_licensed_copy_is_a_listed_duplicate_not_a_revisit(
    revisit_export: tuple[Path, Path],
) -> None:
    _, ds = revisit_export
    manifest = read_jsonl(ds / "manifest.jsonl.gz")
    excluded = _by_path(read_jsonl(ds / "excluded.jsonl.gz"))
    (kept,) = [e for e in manifest if urlsplit(e["url"]).path in COPIES]
    (other,) = [excluded[p] for p in COPIES if p != urlsplit(kept["url"]).path]
    # the precondition the issue is about: both copies are revisit records in the WARC
    assert {kept["warc"]["record_type"], other["warc"]["record_type"]} == {"revisit"}
    assert other["decision"]["reasons"] == [f"duplicate-text:{kept['id']}"]
    assert [d["url"] for d in kept["duplicates"]] == [other["url"]]
    # the row names the stored record its text was re-derived from: the 404 draft's response
    draft = excluded["/draft/orchard.html"]
    assert draft["decision"]["reasons"] == ["http-status:404"]
    assert kept["warc"]["payload_from"] == {
        k: draft["warc"][k] for k in ("file", "offset", "record_id", "payload_digest")
    }
    card = (ds / "README.md").read_text(encoding="utf-8")
    assert "(1 dropped)" in card


def test_404_pages_keep_the_crawls_reason(revisit_export: tuple[Path, Path]) -> None:
    crawl_dir, ds = revisit_export
    decisions = {urlsplit(d["url"]).path: d for d in read_decisions(crawl_dir)}
    excluded = _by_path(read_jsonl(ds / "excluded.jsonl.gz"))
    revisits = 0
    for path in GONE:
        entry = excluded[path]
        revisits += entry["warc"]["record_type"] == "revisit"
        assert "http-status:404" in decisions[path]["reasons"]
        assert entry["decision"]["reasons"] == decisions[path]["reasons"]
        assert not any(r.startswith("revisit") for r in entry["decision"]["reasons"])
    assert revisits >= 1  # identical 404 bodies: at least the second is a revisit


def _card_counts(card: str) -> dict[str, list[int]]:
    """The rows of the card's reconciliation table: outcome → [URLs, exported, excluded, …]."""
    section = card.split("## Counts, reconciled with the crawl", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for m in re.finditer(r"^\| (`[^`]+`|\*\*total\*\*) \| ([\d |]+)\|$", section, re.MULTILINE):
        rows[m.group(1).strip("`*")] = [int(x) for x in m.group(2).split("|")]
    return rows


def test_card_counts_add_up_with_the_crawls_decisions(revisit_export: tuple[Path, Path]) -> None:
    crawl_dir, ds = revisit_export
    decisions = read_decisions(crawl_dir)
    stats = json.loads((crawl_dir / "crawl-stats.json").read_text())
    rows = _card_counts((ds / "README.md").read_text(encoding="utf-8"))
    by_outcome = Counter(d["outcome"] for d in decisions)
    assert {k: v[0] for k, v in rows.items() if k != "total"} == dict(by_outcome)
    urls, exported, excluded, not_fetched, policy_files = rows["total"]
    assert urls == len(decisions) == stats["clearcrawl/decisions/written"]
    assert urls == exported + excluded + not_fetched + policy_files
    for outcome, (n, *cells) in rows.items():
        assert n == sum(cells), outcome
    assert exported == len(read_jsonl(ds / "manifest.jsonl.gz"))
    assert excluded == len(read_jsonl(ds / "excluded.jsonl.gz"))
    assert not_fetched == len(read_jsonl(ds / "not-fetched.jsonl.gz"))
    assert policy_files == by_outcome["policy-file"]
    # the crawl's two candidates: one exported, one excluded as the other's duplicate
    assert rows["exported-candidate"] == [2, 1, 1, 0, 0]
    info = json.loads((ds / "export-info.json").read_text())
    assert info["counts"]["decision_records"] == len(decisions)
    assert info["counts"]["candidates_excluded"] == {"duplicate-text": 1}


def test_exported_revisit_row_verifies(
    revisit_export: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    crawl_dir, ds = revisit_export
    assert main(["verify", str(ds), "--warc", str(crawl_dir)]) == 0
    assert "1 of 1 rows re-derived" in capsys.readouterr().out
