"""Progress and summaries (issue 11, item 16): the formatting and ETA arithmetic (no clock), and
the crawl's and export's final summaries through the real CLI (stdout is not a terminal)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from crawler.extensions.progress import (
    CrawlProgress,
    crawl_line,
    eta_seconds,
    export_line,
    format_bytes,
    format_duration,
    per_second,
    warc_bytes_since,
    warc_names,
)
from tests.support.helpers import run_cli


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "start", "expected"),
    [
        (50, 100, 10.0, 0, 10.0),  # half done in 10 s: 10 s left
        (25, 100, 5.0, 0, 15.0),
        (100, 100, 7.0, 0, 0.0),  # done
        (120, 100, 7.0, 0, 0.0),  # over the total (budget counted loosely): done
        (0, 100, 5.0, 0, None),  # no progress yet: unknown, not infinite
        (10, 100, 0.0, 0, None),  # no time yet
        (10, 0, 5.0, 0, None),  # no total: no ETA (the rate is shown instead)
        # a resumed crawl: 40 of 100 spent by earlier runs, 20 more in 10 s → 40 left = 20 s
        (60, 100, 10.0, 40, 20.0),
        (40, 100, 10.0, 40, None),  # resumed, nothing new yet
    ],
)
def test_eta_seconds(
    done: float, total: float, elapsed: float, start: float, expected: float | None
) -> None:
    assert eta_seconds(done, total, elapsed, start=start) == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (42.4, "42 s"),
        (59.6, "1 min 00 s"),
        (185, "3 min 05 s"),
        (2 * 3600 + 7 * 60 + 30, "2 h 07 min"),
        (3 * 86400 + 4 * 3600, "3 d 04 h"),
        (-5, "0 s"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (999, "999 B"), (1500, "1.5 kB"), (12_345_678, "12.3 MB"), (4e12, "4.0 TB")],
)
def test_format_bytes(n: float, text: str) -> None:
    assert format_bytes(n) == text


def test_per_second_never_divides_by_zero() -> None:
    assert per_second(10, 0) == 0.0
    assert per_second(10, 4) == 2.5


def test_crawl_line_with_a_budget_shows_share_eta_queue_and_bytes() -> None:
    line = crawl_line(
        CrawlProgress(
            elapsed=100.0,
            fetched=45,
            refused=5,
            archived=40,
            candidates=12,
            queued=300,
            in_flight=16,
            budget=1000,
            budget_used=250,
            budget_start=200,
            warc_bytes=2_500_000,
        )
    )
    assert "crawl 1 min 40 s" in line
    assert "45 fetched (0.5 URLs/s)" in line
    assert "queue 300+16 in flight" in line
    # 50 pages in 100 s this run, 750 left: 1500 s
    assert "250/1000 pages (25%) ETA 25 min 00 s" in line
    assert "40 archived, 2.5 MB WARC" in line


def test_crawl_line_without_a_budget_shows_the_rate_only() -> None:
    line = crawl_line(
        CrawlProgress(
            elapsed=10.0, fetched=30, refused=0, archived=30, candidates=3, queued=7, in_flight=2
        )
    )
    assert "3.0 URLs/s" in line
    assert "ETA" not in line
    assert "pages (" not in line


def test_export_line_total_known_and_unknown() -> None:
    line = export_line(200, 25_000_000, 100_000_000, 20.0)
    assert "200 WARC captures read (10.0/s)" in line
    assert "25.0 MB of 100.0 MB WARC (25%), ETA 1 min 00 s" in line
    assert "ETA" not in export_line(200, 25_000_000, 0, 20.0)


def test_warc_bytes_since_counts_only_new_files(tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    warc.mkdir()
    (warc / "a-00000.warc.gz").write_bytes(b"x" * 100)
    before = warc_names(warc)
    (warc / "a-00001.warc.gz").write_bytes(b"x" * 30)
    (warc / "a-00002.warc.gz.open").write_bytes(b"x" * 7)
    (warc / "a-00001.cdxj").write_bytes(b"x" * 1000)
    # uploaded to S3 and deleted locally: counted from the upload log
    (tmp_path / "s3-uploads.jsonl").write_text(
        '{"uri": "s3://b/p/a-00003.warc.gz", "size": 500}\n'
        '{"uri": "s3://b/p/a-00003.cdxj", "size": 9}\n'
        '{"uri": "s3://b/p/a-00000.warc.gz", "size": 100}\n'
    )
    assert warc_bytes_since(warc, before) == 30 + 7 + 500


def _number(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in:\n{text}"
    return m.group(1)


def test_crawl_and_export_summaries_have_duration_rate_and_bytes(
    demo_server: SiteServer, tmp_path: Path
) -> None:
    out = tmp_path / "crawl"
    crawled = run_cli("crawl", demo_server.url + "/", "--out", str(out))  # progress on, no TTY
    assert crawled.returncode == 0, crawled.stdout + crawled.stderr
    took = _number(r"took (\d+ s|\d+ min \d+ s)", crawled.stdout)
    assert took
    assert float(_number(r": ([\d.]+) pages/s", crawled.stdout)) > 0
    written = int(_number(r"of WARC written \((\d+) bytes\)", crawled.stdout))
    assert written == sum(f.stat().st_size for f in (out / "warc").glob("*.warc.gz"))

    ds = tmp_path / "ds"
    exported = run_cli("export", str(out), "--out", str(ds))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    line = next(x for x in exported.stdout.splitlines() if x.strip().startswith("took "))
    assert float(_number(r": ([\d.]+) pages/s", line)) > 0
    assert _number(r"([\d.]+ [kMG]?B) of WARC read", line)
    assert re.search(r"\([\d.]+ [kMG]?B/s\)", line)


def test_progress_extension_prints_a_plain_line_when_not_a_tty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrapy.utils.test import get_crawler

    from crawler.extensions.progress import ProgressExtension
    from spiders.site import SiteSpider

    crawler = get_crawler(
        SiteSpider, {"CLEARCRAWL_PROGRESS": True, "CLEARCRAWL_OUTPUT_DIR": str(tmp_path)}
    )
    ext = ProgressExtension.from_crawler(crawler)
    assert not ext.tty  # pytest captures stderr
    crawler.stats.set_value("clearcrawl/decision/excluded", 4)
    crawler.stats.set_value("scheduler/enqueued", 10)
    crawler.stats.set_value("scheduler/dequeued", 6)
    ext.tick()
    assert capsys.readouterr().err == ""  # not yet: one line per interval
    ext._last_plain -= 3600  # as if the interval had passed (no clock in the test)
    ext.tick()
    err = capsys.readouterr().err
    assert err.startswith("crawl ")
    assert "4 fetched" in err
    assert "queue 4+0 in flight" in err
