"""`clearcrawl check`: the reviewer's single-page tool."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from crawler.cli import main
from tests.support.helpers import run_cli

PAGE = b"""<html><head><link rel="license" href="https://creativecommons.org/licenses/by/4.0/">
</head><body><article><p>Hello.</p></article></body></html>"""


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_check_saved_pages_many_at_once(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.html").write_bytes(PAGE)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(PAGE))
    assert main(["check", str(tmp_path / "a.html"), str(tmp_path / "b.html.gz")]) == 0
    rows = _lines(capsys.readouterr().out)
    assert [Path(r["file"]).name for r in rows] == ["a.html", "b.html.gz"]
    for r in rows:
        assert set(r) >= {"file", "license", "paywall", "optout", "decision"}
        assert r["license"]["spdx"] == "CC-BY-4.0"
        assert r["license"]["scope"] in ("page", "site")
        assert r["license"]["evidence"]
        assert {"paywalled", "evidence"} <= set(r["paywall"])
        assert {"reserved", "evidence"} <= set(r["optout"])
        assert {"include", "reasons"} <= set(r["decision"])


def test_check_live_url(demo_server) -> None:
    proc = run_cli("check", demo_server.url + "/articles/tides.html", timeout=60)
    assert proc.returncode == 0, proc.stderr
    (row,) = _lines(proc.stdout)
    assert row["url"].endswith("/articles/tides.html")
    assert row["decision"]["include"] is True


def test_check_whole_corpus_never_fails(corpus_dir: Path, capsys) -> None:
    pages = corpus_dir / "pages"
    assert main(["check", str(pages)]) == 0
    rows = _lines(capsys.readouterr().out)
    assert len(rows) == len([p for p in pages.iterdir() if ".htm" in p.name])
    for r in rows:
        if r["license"]["spdx"]:
            assert r["license"]["evidence"]


def test_check_live_honours_policy_files_before_fetching(demo_server) -> None:
    before = len(demo_server.log.paths())
    proc = run_cli(
        "check",
        demo_server.url + "/private/drafts.html",
        demo_server.url + "/articles/archive/tdm-notice.html",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    refused, reserved = _lines(proc.stdout)
    assert refused["fetched"] is False
    assert refused["decision"]["reasons"] == ["robots-disallowed"]
    assert refused["prefetch"]["robots"]["allowed"] is False
    assert reserved["decision"]["reasons"] == ["optout:tdmrep-header"]
    requested = demo_server.log.paths()[before:]
    assert "/private/drafts.html" not in requested  # refused URLs are never requested
    assert requested.count("/robots.txt") == 1  # policy files fetched once per origin
