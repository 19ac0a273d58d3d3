"""``.jsonl`` / ``.jsonl.gz``: one reader for both, and a gzip writer a SIGKILL cannot spoil.

The writer runs in a real child process that is killed with SIGKILL mid-way, so the file on disk
is exactly what a killed crawl leaves; the standard library's ``gzip`` module is the judge of
whether a repaired file is valid gzip (RFC 1952).
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from crawler.extensions.decisions import prepare_log
from export.jsonl import (
    GzipLineWriter,
    JsonlError,
    iter_lines,
    jsonl_path,
    open_gzip_text,
    repair,
    scan_gzip,
)
from tests.support.helpers import ROOT


def _line(i: int) -> str:
    return json.dumps({"url": f"http://example.test/p{i}.html", "n": i, "pad": "x" * (i % 97)})


def _write(path: Path, lines: range, *, member_bytes: int = 1 << 20) -> None:
    w = GzipLineWriter(path, member_bytes=member_bytes)
    for i in lines:
        w.write_line(_line(i))
    w.close()


def _killed_writer(path: Path, n: int, member_bytes: int) -> None:
    """Write ``n`` lines in a child process, then SIGKILL it before it closes the file."""
    code = textwrap.dedent(
        f"""
        import json, os, signal, sys
        from pathlib import Path
        from export.jsonl import GzipLineWriter
        w = GzipLineWriter(Path({str(path)!r}), member_bytes={member_bytes})
        for i in range({n}):
            w.write_line(json.dumps({{"url": f"http://example.test/p{{i}}.html", "n": i,
                                      "pad": "x" * (i % 97)}}))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)
    assert proc.returncode == -signal.SIGKILL


def test_round_trip_is_plain_gzip(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl.gz"
    _write(path, range(500), member_bytes=4096)
    expected = [_line(i) for i in range(500)]
    assert list(iter_lines(path)) == expected
    assert gzip.decompress(path.read_bytes()).decode().splitlines() == expected
    scan = scan_gzip(path)
    assert scan.torn_at is None
    assert scan.members > 1  # closed every 4 KiB of text


def test_killed_writer_leaves_every_written_line_readable(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl.gz"
    _killed_writer(path, 300, member_bytes=1 << 20)
    with pytest.raises(EOFError):  # no trailer: what a plain gzip reader makes of it
        gzip.decompress(path.read_bytes())
    assert list(iter_lines(path)) == [_line(i) for i in range(300)]
    assert scan_gzip(path).torn_at == 0


def test_repair_then_append_gives_one_valid_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl.gz"
    _killed_writer(path, 300, member_bytes=4096)
    scan = scan_gzip(path)
    assert scan.torn_at is not None
    assert scan.torn_at > 0  # several members, the last one torn
    rewritten = repair(path)
    assert 0 < rewritten < 300  # only the torn member is rewritten
    assert scan_gzip(path).torn_at is None
    _write(path, range(300, 400))
    expected = [_line(i) for i in range(400)]
    assert gzip.decompress(path.read_bytes()).decode().splitlines() == expected
    assert list(iter_lines(path)) == expected
    assert repair(path) == 0


@pytest.mark.parametrize("cut", [1, 3, 7, 11, 40, 200, 1000])
def test_a_torn_tail_yields_a_prefix_of_complete_lines(tmp_path: Path, cut: int) -> None:
    full = tmp_path / "full.jsonl.gz"
    _killed_writer(full, 120, member_bytes=1 << 20)
    data = full.read_bytes()
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) - cut])
    got = list(iter_lines(path))
    assert got == [_line(i) for i in range(len(got))]
    assert len(got) >= 100 or cut >= 200
    repair(path)
    assert gzip.decompress(path.read_bytes()).decode().splitlines() == got


def test_corrupt_data_is_an_error_naming_file_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl.gz"
    _write(path, range(50), member_bytes=512)
    first = _first_member_bytes(tmp_path / "one.jsonl.gz")
    data = bytearray(path.read_bytes())
    data[first + 30 : first + 60] = b"\xff" * 30  # inside the second member's deflate data
    path.write_bytes(bytes(data))
    with pytest.raises(JsonlError, match=rf"log\.jsonl\.gz: .* at byte {first}"):
        list(iter_lines(path))
    with pytest.raises(JsonlError):
        repair(path)  # never append to a file with a hole in it


def _first_member_bytes(path: Path) -> int:
    """Size of the first member :func:`_write` produces with ``member_bytes=512``."""
    _write(path, range(50), member_bytes=512)
    gz = path.read_bytes()
    d = zlib.decompressobj(31)
    d.decompress(gz)
    return len(gz) - len(d.unused_data)


def test_either_form_is_read_under_either_name(tmp_path: Path) -> None:
    plain = tmp_path / "manifest.jsonl"
    plain.write_text("".join(_line(i) + "\n" for i in range(5)))
    assert jsonl_path(tmp_path / "manifest.jsonl.gz") == plain
    assert list(iter_lines(tmp_path / "manifest.jsonl.gz")) == [_line(i) for i in range(5)]
    packed = tmp_path / "excluded.jsonl.gz"
    _write(packed, range(3))
    assert list(iter_lines(tmp_path / "excluded.jsonl")) == [_line(i) for i in range(3)]


def test_export_files_are_byte_identical_across_runs(tmp_path: Path) -> None:
    outs = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        path = tmp_path / run / "manifest.jsonl.gz"
        with open_gzip_text(path) as fh:
            for i in range(100):
                fh.write(_line(i) + "\n")
        outs.append(path.read_bytes())
    assert outs[0] == outs[1]
    assert gzip.decompress(outs[0]).decode().splitlines() == [_line(i) for i in range(100)]


def test_an_uncompressed_log_of_an_older_crawl_is_carried_over(tmp_path: Path) -> None:
    legacy = tmp_path / "decisions.jsonl"
    legacy.write_text("".join(_line(i) + "\n" for i in range(7)))
    path = tmp_path / "decisions.jsonl.gz"
    prepare_log(path)
    assert not legacy.exists()
    _write(path, range(7, 9))
    assert gzip.decompress(path.read_bytes()).decode().splitlines() == [_line(i) for i in range(9)]
