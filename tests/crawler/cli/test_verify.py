"""``clearcrawl verify``: re-read the WARC records a dataset points to and re-derive its rows.

A tampered copy of the dataset (a row's text edited) and a tampered copy of the archive (one
byte of an archived page changed, its gzip member rebuilt) must both be caught.
"""

from __future__ import annotations

import gzip
import json
import shutil
import struct
import zlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.cli import main
from export.verify import VerifyError, verify_dataset
from tests.support.exportsite import mixed_crawl, mixed_export, page_name
from tests.support.helpers import read_jsonl


@pytest.fixture(scope="session")
def crawl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_crawl(tmp_path_factory)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_export(tmp_path_factory)


def test_clean_dataset_verifies(
    dataset: Path, crawl_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", str(dataset), "--warc", str(crawl_dir), "--workers", "2"])
    out, err = capsys.readouterr()
    rows = len(read_jsonl(dataset / "manifest.jsonl.gz"))
    assert code == 0, out + err
    assert f"{rows} of {rows} rows re-derived" in out
    assert "0 mismatch" in out


def test_sample_checks_a_seeded_subset(dataset: Path, crawl_dir: Path) -> None:
    report = verify_dataset(dataset, crawl_dir, sample=2, seed=7)
    assert report.ok, report.mismatches
    assert report.checked == 2


def test_edited_row_text_is_caught(
    dataset: Path, crawl_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(dataset, copy)
    (shard,) = sorted((copy / "data").glob("*.parquet"))
    table = pq.read_table(str(shard))
    rows = table.to_pylist()
    victim = next(r for r in rows if page_name(r["url"]) == "cc0.html")
    victim["text"] = victim["text"].replace("oats", "rye")
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), str(shard))
    code = main(["verify", str(copy), "--warc", str(crawl_dir), "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    flagged = [line for line in out.splitlines() if line.startswith("MISMATCH")]
    assert flagged
    assert all(victim["id"] in line for line in flagged)
    assert any("column 'text' does not re-derive" in line for line in flagged)
    assert any("text sha256" in line for line in flagged)
    assert len([line for line in err.splitlines() if line.strip()]) == 1


def _tamper_member(warc: Path, offset: int, old: bytes, new: bytes) -> bool:
    """Rewrite the gzip member at ``offset`` with ``old`` replaced by ``new`` in its content.

    When it fits, the new member has exactly the old member's length (padded with a gzip header
    comment, RFC 1952 §2.3.1 FCOMMENT), so every other record keeps its offset: only this
    record's bytes differ, as after bit rot or a deliberate edit.
    """
    data = warc.read_bytes()
    d = zlib.decompressobj(31)
    content = d.decompress(data[offset:])
    end = len(data) - len(d.unused_data)
    if old not in content:  # e.g. a gzip-encoded body: the text is not in the stored bytes
        return False
    content = content.replace(old, new, 1)
    candidates = []
    for level in range(1, 10):
        for strategy in (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED):
            comp = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
            candidates.append(comp.compress(content) + comp.flush())
    deflated = min(candidates, key=len)
    trailer = struct.pack("<II", zlib.crc32(content), len(content) & 0xFFFFFFFF)
    header = b"\x1f\x8b\x08\x10\x00\x00\x00\x00\x00\x03"  # FLG.FCOMMENT, OS unix
    padding = (end - offset) - len(header) - len(deflated) - len(trailer) - 1
    if padding >= 0:
        member = header + b"x" * padding + b"\x00" + deflated + trailer
    else:  # cannot keep the length: later records move (the verify reports those too)
        member = header[:3] + b"\x00" + header[4:] + deflated + trailer
    warc.write_bytes(data[:offset] + member + data[end:])
    return True


def test_altered_archive_bytes_are_caught(dataset: Path, crawl_dir: Path, tmp_path: Path) -> None:
    crawl_copy = tmp_path / "crawl"
    shutil.copytree(crawl_dir, crawl_copy)
    manifest = read_jsonl(dataset / "manifest.jsonl.gz")
    rows = {r["id"]: r for r in pq.read_table(str(dataset / "data")).to_pylist()}
    # the last row in its file whose stored bytes hold its text, so few offsets move
    for victim in sorted(manifest, key=lambda e: -e["warc"]["offset"]):
        warc = crawl_copy / "warc" / victim["warc"]["file"]
        word = rows[victim["id"]]["text"].split()[-1].encode()
        edited = word[:-2] + word[-3:-2] + word[-1:]  # one letter changed, same length
        if _tamper_member(warc, victim["warc"]["offset"], word, edited):
            break
    else:
        pytest.fail("no archived page holds its text uncompressed")
    report = verify_dataset(dataset, crawl_copy, workers=1)
    problems = [p for rid, _, p in report.mismatches if rid == victim["id"]]
    assert any("WARC-Payload-Digest" in p for p in problems), report.mismatches
    assert not report.ok


def test_wrong_warc_folder_is_one_line_exit_2(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 11 item 12: a --warc folder holding none of the export's WARC files used to give
    # one "not found" mismatch per row (thousands of lines); it is bad input, said once.
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.warc.gz").write_bytes(gzip.compress(b""))
    with pytest.raises(VerifyError, match="holds none of the WARC files"):
        verify_dataset(dataset, other)
    expected = json.loads((dataset / "export-info.json").read_text())["sources"][0]["file"]
    capsys.readouterr()
    for wrong in (other, other / "x.warc.gz", dataset / "manifest.jsonl.gz"):
        assert main(["verify", str(dataset), "--warc", str(wrong)]) == 2
        out, err = capsys.readouterr()
        assert "MISMATCH" not in out
        assert len(err.strip().splitlines()) == 1, err
        assert expected in err
    assert main(["verify", str(dataset), "--warc", str(tmp_path / "nope")]) == 2
    assert main(["verify", str(tmp_path), "--warc", str(other)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "holds no manifest.jsonl" in err
