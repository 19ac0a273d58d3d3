"""``clearcrawl check`` and the export decide a page the same way (issue 11, item 7).

``tests/sites/check-agree`` holds a licensed page with six characters of text, a licensed
article (gzip-encoded), a PDF with a licence ``Link`` header, a PNG and a plain-text file. The
site is crawled and exported for real; every page is then checked live and as a saved file,
and each check must give the export's decision and reasons.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from crawler.demo.server import SiteServer
from export.explain import describe_reason
from tests.support.helpers import SITES, crawl, read_jsonl

SITE = SITES / "check-agree"
PAGES = ("/tiny.html", "/article.html", "/paper.pdf", "/photo.png", "/notes.txt", "/")


@pytest.fixture(scope="module")
def served() -> Any:
    with SiteServer(SITE) as server:
        yield server


@pytest.fixture(scope="module")
def exported(served: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The export's manifest / exclusion entry per path."""
    from export.run import run_export

    base = tmp_path_factory.mktemp("check-agree")
    crawl(base / "crawl", served.url + "/")
    run_export(base / "crawl", base / "ds", workers=1)
    entries = read_jsonl(base / "ds" / "manifest.jsonl.gz")
    entries += read_jsonl(base / "ds" / "excluded.jsonl.gz")
    return {e["url"].removeprefix(served.url): e for e in entries}


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["check", *args]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    result: dict[str, Any] = json.loads(line)
    return result


def test_export_excludes_short_and_non_html_pages(exported: dict[str, dict]) -> None:
    assert exported["/article.html"]["decision"]["include"] is True
    assert exported["/tiny.html"]["decision"]["reasons"] == ["too-little-text:6"]
    # PDFs are read since issue 17: this fixture is only a PDF header, so it is damaged
    assert exported["/paper.pdf"]["decision"]["reasons"] == ["pdf-unreadable:broken"]
    assert exported["/photo.png"]["decision"]["reasons"] == ["unsupported-content-type:image/png"]
    assert exported["/notes.txt"]["decision"]["reasons"] == ["unsupported-content-type:text/plain"]
    assert exported["/"]["decision"]["reasons"] == ["no-license"]
    # the PDF's licence header is still found and recorded; a damaged body cannot be admitted
    assert exported["/paper.pdf"]["license"]["spdx"] == "CC-BY-4.0"


@pytest.mark.parametrize("path", PAGES)
def test_live_check_gives_the_export_decision(
    path: str,
    served: SiteServer,
    exported: dict[str, dict],
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = _check(capsys, served.url + path)
    decision = exported[path]["decision"]
    assert result["decision"]["include"] == decision["include"]
    assert result["decision"]["reasons"] == decision["reasons"]


def test_saved_file_check_applies_min_text(
    exported: dict[str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    result = _check(capsys, str(SITE / "tiny.html"))
    assert result["decision"]["include"] is False
    assert result["decision"]["reasons"] == exported["/tiny.html"]["decision"]["reasons"]
    assert result["text"] == {"chars": 6}
    result = _check(capsys, str(SITE / "article.html"))
    assert result["decision"] == {**result["decision"], "include": True, "reasons": []}


def test_unsupported_type_is_explained() -> None:
    text = describe_reason("unsupported-content-type:application/pdf")
    assert "application/pdf" in text
    assert "not HTML" in text


def test_saved_non_html_file_is_unsupported(tmp_path: Path, capsys) -> None:
    page = tmp_path / "scan.html"  # a misnamed binary: sniffed, not trusted by its name
    page.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = _check(capsys, str(page))
    assert result["decision"]["reasons"] == ["unsupported-content-type:unknown"]
