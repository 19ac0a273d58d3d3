"""``report.html`` as a file: what it embeds, that it needs nothing from the network, that its
numbers are the release's, and that each record's detail is ``clearcrawl explain``'s own text.
(The page in a browser: ``tests/e2e/test_report_browser.py``.)"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from crawler.cli import main
from export.explain import explain_entry, find_entries, find_row, release_policies
from export.report import build_report, write_report
from export.report.collect import expand_line
from export.run import run_export
from export.verify import verify_dataset
from tests.support.helpers import read_jsonl


def _data(html: str) -> dict[str, Any]:
    doc = lxml.html.fromstring(html)
    (node,) = doc.xpath('//script[@id="report-data"]')
    assert node.get("data-encoding") == "gzip+base64"
    return json.loads(gzip.decompress(base64.b64decode(node.text)))


def _detail(data: dict[str, Any], record: list[Any]) -> str:
    lines = [data["lines"][n] for n in record[6]]
    return "\n".join(expand_line(x, [record[0], record[1], *record[7]]) for x in lines)


def test_the_report_requests_nothing(demo_release: Path) -> None:
    html = (demo_release / "report.html").read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    csp = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
    assert csp
    assert "default-src 'none'" in csp[0]
    assert not doc.xpath("//link | //iframe | //img | //object | //embed")
    assert not doc.xpath("//script[@src] | //*[@src]")
    assert all(h.startswith("#") for h in doc.xpath("//a/@href"))
    assert "@import" not in html
    assert "url(" not in html.split('id="report-data"')[0]


def test_every_total_is_the_release_count(demo_release: Path, demo_crawl: Path) -> None:
    _, facts = build_report(demo_release, demo_crawl)
    info = json.loads((demo_release / "export-info.json").read_text())
    manifest = read_jsonl(demo_release / "manifest.jsonl.gz")
    excluded = read_jsonl(demo_release / "excluded.jsonl.gz")
    not_fetched = read_jsonl(demo_release / "not-fetched.jsonl.gz")
    totals = facts.totals
    assert totals["exported"] == len(manifest) == info["counts"]["exported"]
    assert totals["excluded"] == len(excluded) == info["counts"]["excluded_pages"]
    assert totals["refused"] + totals["not-followed"] == len(not_fetched)
    assert totals["considered"] == info["counts"]["decision_records"]
    stats = json.loads((demo_crawl / "crawl-stats.json").read_text())
    assert totals["considered"] == stats["clearcrawl/decisions/written"]
    assert totals["fetched"] == stats["clearcrawl/warc/captures"]
    assert [r for r in facts.reconciliation if r[1] != r[3]] == []
    assert any(r[2].startswith("crawl-stats.json") for r in facts.reconciliation)
    assert sum(facts.excluded_reasons.values()) == sum(info["counts"]["excluded"].values())
    assert dict(facts.licenses) == info["counts"]["licenses"]


def test_a_count_that_disagrees_is_shown(demo_release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(demo_release, copy)
    info = json.loads((copy / "export-info.json").read_text())
    info["counts"]["exported"] += 1
    (copy / "export-info.json").write_text(json.dumps(info))
    html, facts = build_report(copy)
    bad = [r for r in facts.reconciliation if r[1] != r[3]]
    assert [r[0] for r in bad] == ["exported"]
    assert '<tr class="bad"><td>exported</td>' in html


def test_each_detail_is_what_explain_prints(demo_release: Path) -> None:
    html = (demo_release / "report.html").read_text(encoding="utf-8")
    data = _data(html)
    policies = release_policies(demo_release)
    assert len(data["records"]) == sum(
        len(read_jsonl(demo_release / f"{n}.jsonl.gz"))
        for n in ("manifest", "excluded", "not-fetched")
    )
    for record in data["records"]:
        ((file, meaning, entry),) = [
            f for f in find_entries(demo_release, record[1]) if f[2]["id"] == record[1]
        ]
        row = find_row(demo_release, entry["id"]) if file == "manifest.jsonl.gz" else None
        assert _detail(data, record) + "\n" == explain_entry(file, meaning, entry, row, policies)
        assert data["outcomes"][record[4]] in ("exported", "excluded", "refused", "not followed")


def test_strings_from_the_web_stay_text(demo_release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(demo_release, copy)
    info = json.loads((copy / "export-info.json").read_text())
    info["pretty_name"] = "</script><script>alert(1)</script>"
    (copy / "export-info.json").write_text(json.dumps(info))
    html, _ = build_report(copy)
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html


def test_the_report_is_reproducible(demo_release: Path, demo_crawl: Path, tmp_path: Path) -> None:
    path, _ = write_report(demo_release, tmp_path / "again.html", crawl_dir=demo_crawl)
    assert path.read_bytes() == (demo_release / "report.html").read_bytes()


def test_report_command(
    demo_release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(demo_release, copy)
    (copy / "report.html").unlink()
    assert main(["report", str(copy)]) == 0
    out = capsys.readouterr().out
    assert f"report: {copy / 'report.html'}" in out
    assert (copy / "report.html").is_file()
    # the release's own report was rewritten: its sha256 is listed anew, so verify agrees
    assert verify_dataset(copy, None).ok
    assert main(["report", str(copy), "--out", str(tmp_path / "elsewhere.html")]) == 0
    assert (tmp_path / "elsewhere.html").is_file()
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert main(["report", str(copy), "--crawl", str(tmp_path)]) == 2
    assert main(["report", str(copy), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if line.strip()]) == 3


def test_export_without_report(demo_crawl: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    run_export(demo_crawl, out, report=False)
    assert not (out / "report.html").exists()
    assert (out / "croissant.json").is_file()
    assert (out / "training-data-summary.json").is_file()
    assert "report.html" not in json.loads((out / "export-info.json").read_text())["files"]
    assert main(["export", str(demo_crawl), "--out", str(out), "-q", "--workers", "1"]) == 0
    assert (out / "report.html").is_file()


def test_size_per_record_stays_bounded(demo_release: Path, tmp_path: Path) -> None:
    """The record data is stored once per distinct line: a few thousand records (the benchmark's
    release builder: demo entries under new URLs) cost well under 200 bytes each."""
    from benchmarks.report_size import build_release

    small, large = tmp_path / "small", tmp_path / "large"
    build_release(demo_release, small, records=500, origins=50)
    build_release(demo_release, large, records=3500, origins=50)
    small_size = write_report(small)[0].stat().st_size
    large_size = write_report(large)[0].stat().st_size
    assert (large_size - small_size) / 3000 < 200
