"""A foreign page is parsed once per export run in one process (issue 14, export speed).

The reading step parses a page that names a feed or an RSL licence to find those files in the
archives (:meth:`export.foreigncontext.ForeignContext.prepare`); with ``--workers 1`` the
decision reuses that parse instead of parsing the page again. The outputs are the same as with
worker processes, where each page is parsed again in its worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import filters.html
from export.foreigncontext import PAGE_RSL_HINT_PART, PAGE_RSL_HINTS
from export.run import run_export
from tests.export.foreign.ccbuild import page, write_warc

DAY = "2020-08-05T10:00:00Z"
FEED = b'<link rel="alternate" type="application/rss+xml" href="/feed.xml">'


def _archive(root: Path) -> tuple[Path, Path]:
    article = page("article.html")
    with_feed = article.replace(b"</head>", FEED + b"</head>", 1)
    other = article.replace(b"Tide pools form", b"Rock pools form", 1)  # not a duplicate
    assert with_feed != article != other
    warc = root / "warc"
    write_warc(
        warc / "CC-MAIN-20200803-00000.warc.gz",
        [
            ("https://coast.example/feed-named.html", 200, with_feed, DAY),
            ("https://coast.example/plain.html", 200, other, DAY),
        ],
    )
    robots = root / "robotstxt"
    write_warc(
        robots / "CC-MAIN-20200803-00000.warc.gz",
        [("https://coast.example/robots.txt", 200, b"User-agent: *\nAllow: /\n", DAY)],
    )
    return warc, robots


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_page_named_feed_is_parsed_once_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warc, robots = _archive(tmp_path)
    # workers=2 first: each page is parsed in its worker, the reading step's parse stays there
    run_export(warc, tmp_path / "two", policy_warcs=[str(robots)], workers=2)

    parsed: list[str] = []
    init = filters.html.ParsedPage.__init__

    def counting(self: filters.html.ParsedPage, url: str, *args: object, **kw: object) -> None:
        parsed.append(url)
        init(self, url, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(filters.html.ParsedPage, "__init__", counting)
    summary = run_export(warc, tmp_path / "one", policy_warcs=[str(robots)], workers=1)
    assert summary.pages == 2
    assert summary.exported == 2
    assert sorted(parsed) == [
        "https://coast.example/feed-named.html",
        "https://coast.example/plain.html",
    ]
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_the_prefilter_is_part_of_every_hint() -> None:
    # a body without PAGE_RSL_HINT_PART holds none of the hints: not parsed while reading
    assert all(PAGE_RSL_HINT_PART in hint for hint in PAGE_RSL_HINTS)
