"""The seeds-file reader (crawler/seeds.py): one URL a line, plain, gzip or stdin, read lazily.

Issue 13: ``--seeds-file`` must stream (ten million seeds must not need gigabytes), skip blank
lines and ``#`` comments, and turn a line that is no URL into a recorded non-fatal finding.
"""

from __future__ import annotations

import gzip
import io
import os
import threading
from pathlib import Path

import pytest

from crawler.seeds import MAX_LINE_BYTES, SeedLine, SeedsError, read_seeds, seed_url_error

TEXT = (
    "\ufeff# seeds for the harbour sites\n"
    "http://a.example/\n"
    "\n"
    "   https://b.example:8443/path?q=1   \n"
    "# a comment\n"
    "ftp://c.example/\n"
    "not a url\n"
    "http://\n"
    "http://d.example:99999/\n"
    "example.org/no-scheme\n"
    "https://e.example/last"  # no final newline
)
EXPECTED = [
    SeedLine(2, "http://a.example/", "http://a.example/"),
    SeedLine(4, "https://b.example:8443/path?q=1", "https://b.example:8443/path?q=1"),
    SeedLine(6, None, "ftp://c.example/", "not-http"),
    SeedLine(7, None, "not a url", "whitespace"),
    SeedLine(8, None, "http://", "no-host"),
    SeedLine(9, None, "http://d.example:99999/", "bad-port"),
    SeedLine(10, None, "example.org/no-scheme", "not-http"),
    SeedLine(11, "https://e.example/last", "https://e.example/last"),
]


def test_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "seeds.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert list(read_seeds(path)) == EXPECTED


def test_gzip_file_recognised_by_content_not_name(tmp_path: Path) -> None:
    for name in ("seeds.txt.gz", "seeds.lst"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(TEXT.encode("utf-8")))
        assert list(read_seeds(path)) == EXPECTED


def test_stdin_plain_and_gzip() -> None:
    assert list(read_seeds("-", stdin=io.BytesIO(TEXT.encode()))) == EXPECTED
    assert list(read_seeds("-", stdin=io.BytesIO(gzip.compress(TEXT.encode())))) == EXPECTED


def test_not_utf8_and_overlong_lines_are_invalid_not_fatal() -> None:
    data = (
        b"http://a.example/\xff\n"
        + b"http://b.example/"
        + b"x" * (MAX_LINE_BYTES + 10)
        + b"\n"
        + b"http://c.example/\n"
    )
    got = list(read_seeds("-", stdin=io.BytesIO(data)))
    assert [(s.line, s.url, s.error) for s in got] == [
        (1, None, "not-utf8"),
        (2, None, "too-long"),
        (3, "http://c.example/", None),
    ]
    assert len(got[1].text) <= 200


def test_missing_file_is_a_seeds_error(tmp_path: Path) -> None:
    with pytest.raises(SeedsError, match="cannot read seeds file"):
        list(read_seeds(tmp_path / "nope.txt"))


def test_corrupt_gzip_yields_lines_before_the_damage_then_raises(tmp_path: Path) -> None:
    lines = "".join(f"http://h{i}.example/\n" for i in range(5000)).encode()
    data = gzip.compress(lines)
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    got: list[SeedLine] = []
    seeds = read_seeds(path)

    def drain() -> None:
        got.extend(seeds)

    with pytest.raises(SeedsError, match="unreadable after line"):
        drain()
    assert got
    assert all(s.url == f"http://h{s.line - 1}.example/" for s in got)


def test_reads_lazily_from_a_pipe() -> None:
    """The first seed is available while the writer has not finished (nothing read ahead)."""
    read_fd, write_fd = os.pipe()
    release = threading.Event()

    def writer() -> None:
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(b"http://first.example/\n")
            fh.flush()
            release.wait(30)
            fh.write(b"http://second.example/\n")

    thread = threading.Thread(target=writer)
    thread.start()
    with os.fdopen(read_fd, "rb") as fh:
        seeds = read_seeds("-", stdin=fh)
        first = next(seeds)  # would block forever if the reader wanted the whole stream
        assert first.url == "http://first.example/"
        release.set()
        assert [s.url for s in seeds] == ["http://second.example/"]
    thread.join()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://example.org/", None),
        ("HTTPS://Example.org:443/a", None),
        ("http://[::1]:8080/", None),
        ("mailto:a@example.org", "not-http"),
        ("http:///path", "no-host"),
        ("http://example.org:port/", "bad-port"),
        ("http://exa mple.org/", "whitespace"),
    ],
)
def test_seed_url_error(url: str, error: str | None) -> None:
    assert seed_url_error(url) == error
