"""``report.html`` opened from disk in a real headless Chromium, with the network blocked.

The demo crawl is exported (which writes the report); the page must show the release's own
totals, find a record by URL, show an excluded record's reason in its detail view, filter, and
do all of it without a single request leaving the page and without a console error. A
screenshot of the overview is saved for a person to look at (the path is printed).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from export.run import run_export
from tests.support.browser import PageLog, offline_browser, open_offline
from tests.support.helpers import read_jsonl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def release(demo_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report-release") / "ds"
    run_export(demo_crawl, out, workers=1)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with offline_browser() as b:
        yield b


@pytest.fixture
def opened(browser: Any, release: Path) -> Iterator[tuple[Any, PageLog]]:
    """The report, ready (its script ran); after the test: nothing left it, nothing failed."""
    report = release / "report.html"
    page, log = open_offline(browser, report, viewport={"width": 1400, "height": 1000})
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    yield page, log
    assert log.left_the_page(report.resolve().as_uri()) == []
    assert log.errors == []
    page.context.close()


def _counts(release: Path) -> dict[str, int]:
    refusals = [
        e
        for e in read_jsonl(release / "not-fetched.jsonl.gz")
        if not re.match(r"^(off-site|redirect-limit|fetch-error)\b", e["decision"]["reasons"][0])
    ]
    return {
        "exported": len(read_jsonl(release / "manifest.jsonl.gz")),
        "excluded": len(read_jsonl(release / "excluded.jsonl.gz")),
        "not-fetched": len(read_jsonl(release / "not-fetched.jsonl.gz")),
        "refused": len(refusals),
    }


def _show(page: Any, text: str) -> None:
    page.fill("#q", text)
    page.locator("#match-count", has_text=re.compile(r"^1 of ")).wait_for(timeout=10_000)


def test_totals_equal_the_manifest_counts(opened: tuple[Any, PageLog], release: Path) -> None:
    page, _ = opened
    counts = _counts(release)
    shown = {
        key: int(page.text_content(f"#total-{key}") or "-1")
        for key in ("exported", "excluded", "refused", "not-followed", "considered", "fetched")
    }
    assert shown["exported"] == counts["exported"] > 0
    assert shown["excluded"] == counts["excluded"] > 0
    assert shown["refused"] == counts["refused"] > 0
    assert shown["refused"] + shown["not-followed"] == counts["not-fetched"]
    records = counts["exported"] + counts["excluded"] + counts["not-fetched"]
    assert page.text_content("#match-count") == f"{records} of {records} records"
    # every reconciliation row (export-info.json, and the crawl's crawl-stats.json) agrees
    agrees = page.locator("#reconciliation tbody td:nth-child(5)").all_text_contents()
    assert agrees
    assert set(agrees) == {"yes"}
    assert any("crawl-stats.json" in t for t in page.locator("#reconciliation").all_text_contents())


def test_search_for_a_url_finds_its_row(opened: tuple[Any, PageLog], release: Path) -> None:
    page, _ = opened
    entry = next(
        e for e in read_jsonl(release / "manifest.jsonl.gz") if e["url"].endswith("tides.html")
    )
    _show(page, entry["url"])
    rows = page.locator("#records-body tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-id") == entry["id"]
    assert entry["url"] in (rows.first.text_content() or "")


def test_detail_of_an_excluded_record_names_its_reason(
    opened: tuple[Any, PageLog], release: Path
) -> None:
    page, _ = opened
    entry = next(
        e for e in read_jsonl(release / "excluded.jsonl.gz") if e["url"].endswith("lighthouse.html")
    )
    (reason,) = [r for r in entry["decision"]["reasons"] if r.startswith("paywalled")]
    _show(page, "lighthouse.html")
    page.click("#records-body tr")
    detail = page.text_content("#detail-text") or ""
    assert "Why it is not in:" in detail
    assert f"[{reason}]" in detail
    assert "behind a paywall" in detail
    assert entry["id"] in detail
    assert entry["warc"]["record_id"] in detail


def test_filters_narrow_the_table(opened: tuple[Any, PageLog], release: Path) -> None:
    page, _ = opened
    optout = [
        e
        for e in read_jsonl(release / "excluded.jsonl.gz")
        if any(r.startswith("optout") for r in e["decision"]["reasons"])
    ]
    page.select_option("#f-outcome", label="excluded")
    page.select_option("#f-reason", label="optout")
    page.locator("#match-count", has_text=re.compile(rf"^{len(optout)} of ")).wait_for()
    ids = page.locator("#records-body tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert sorted(ids) == sorted(e["id"] for e in optout)
    page.select_option("#f-outcome", label="exported")
    page.locator("#match-count", has_text=re.compile(r"^0 of ")).wait_for()


def test_overview_screenshot(
    opened: tuple[Any, PageLog],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    page, _ = opened
    shot = tmp_path_factory.getbasetemp() / "report-overview.png"
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.screenshot(path=str(shot))  # the top: totals, reconciliation, charts
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("CLEARCRAWL_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    with capsys.disabled():
        print(f"\nreport overview screenshot: {shot}")


def test_the_network_check_sees_a_request(browser: Any, tmp_path: Path) -> None:
    """The harness the tests above rely on: a page that asks for anything is caught."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/pixel.png">')
    page, log = open_offline(browser, page_file)
    assert log.left_the_page(page_file.resolve().as_uri()) == ["http://127.0.0.1:9/pixel.png"]
    page.context.close()


def test_every_detail_view_is_what_explain_prints(
    opened: tuple[Any, PageLog], release: Path
) -> None:
    from export.explain import explain_entry, find_row, iter_entries, release_policies

    page, _ = opened
    policies = release_policies(release)
    for file, meaning, entry in iter_entries(release):
        row = find_row(release, entry["id"]) if file == "manifest.jsonl.gz" else None
        page.fill("#q", entry["id"])
        page.locator(f'#records-body tr[data-id="{entry["id"]}"]').click()
        page.locator("#detail-text", has_text=entry["id"]).wait_for(timeout=10_000)
        shown = page.text_content("#detail-text") or ""
        assert shown + "\n" == explain_entry(file, meaning, entry, row, policies)
