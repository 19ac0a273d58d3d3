"""A damaged WARC file: the export reads what it can, warns once, and the card says so.

Issue 11 item 12: a ``.warc.gz`` cut to half its size exported silently with part of its pages
(the card listed it as a source like a whole file); garbage bytes in the middle aborted the
export with no file name or offset. Now both export what precedes the damage, print one
warning line naming the file and the byte offset, and record it in the card's sources table
and ``export-info.json``; the exit code is 0 (the dataset is valid for what it holds).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from export.warcread import read_record_at
from tests.helpers import read_jsonl, run_cli
from tests.test_export_fixtures import mixed_crawl, mixed_export


@pytest.fixture(scope="module")
def warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = sorted((mixed_crawl(tmp_path_factory) / "warc").glob("*.warc.gz"))
    return path


def _export(src: Path, out: Path) -> tuple[str, str, dict]:
    proc = run_cli("export", str(src), "--out", str(out), "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    info = json.loads((out / "export-info.json").read_text())
    return proc.stderr, (out / "README.md").read_text(encoding="utf-8"), info


def _check_damage(
    kind: str, warc: Path, damaged: Path, out: Path, full: Path
) -> tuple[int, list[dict]]:
    stderr, card, info = _export(damaged.parent, out)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    m = re.search(rf"{re.escape(warc.name)} is {kind} at byte offset (\d+)", lines[0])
    assert m, lines[0]
    offset = int(m.group(1))
    # the offset is where a record of the original file starts: the first one not read
    record, _ = read_record_at(str(warc), offset)
    assert record.rec_type
    assert f"**{kind} at byte offset {offset}**" in card
    assert "could not be read to the end" in card
    (source,) = info["sources"]
    assert source["damage"]["kind"] == kind
    assert source["damage"]["offset"] == offset
    assert info["counts"]["damaged_warc_files"][0]["offset"] == offset
    rows = read_jsonl(out / "manifest.jsonl")
    full_rows = {e["id"] for e in read_jsonl(full / "manifest.jsonl")}
    assert {e["id"] for e in rows} < full_rows  # some, not all, and nothing new
    assert all(e["warc"]["offset"] < offset for e in rows)
    return offset, rows


def test_truncated_warc_exports_what_precedes_the_cut_and_says_where(
    warc: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = warc.read_bytes()
    damaged = tmp_path / "warc" / warc.name
    damaged.parent.mkdir()
    damaged.write_bytes(data[: len(data) * 2 // 3])
    _, rows = _check_damage(
        "truncated", warc, damaged, tmp_path / "ds", mixed_export(tmp_path_factory)
    )
    assert rows


def test_corrupt_warc_names_file_and_offset_and_goes_on(
    warc: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = warc.read_bytes()
    cut = len(data) * 2 // 3
    damaged = tmp_path / "warc" / warc.name
    damaged.parent.mkdir()
    damaged.write_bytes(data[:cut] + b"\x00garbage|" * 100 + data[cut + 1000 :])
    _, rows = _check_damage(
        "corrupt", warc, damaged, tmp_path / "ds", mixed_export(tmp_path_factory)
    )
    assert rows


def test_whole_warc_is_marked_whole(tmp_path_factory: pytest.TempPathFactory) -> None:
    full = mixed_export(tmp_path_factory)
    info = json.loads((full / "export-info.json").read_text())
    assert info["counts"]["damaged_warc_files"] == []
    assert all("damage" not in s for s in info["sources"])
    card = (full / "README.md").read_text(encoding="utf-8")
    assert "| whole file |" in card
    assert "could not be read to the end" not in card
