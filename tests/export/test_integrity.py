"""Every file of a release has its sha256 in ``export-info.json`` and the card, and
``clearcrawl verify`` names any file whose bytes changed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from crawler.cli import main
from export.verify import verify_dataset


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_every_file_is_listed_in_info_and_card(demo_release: Path) -> None:
    files = json.loads((demo_release / "export-info.json").read_text())["files"]
    expected = {
        p.relative_to(demo_release).as_posix()
        for p in demo_release.rglob("*")
        if p.is_file() and p.name not in ("README.md", "export-info.json")
    }
    assert set(files) == expected
    assert {"report.html", "manifest.jsonl.gz", "croissant.json"} <= set(files)
    assert any(n.startswith("data/train-") for n in files)
    assert any(n.startswith("manifest/rights-") for n in files)
    card = (demo_release / "README.md").read_text()
    for name, digest in files.items():
        assert digest == hashlib.sha256((demo_release / name).read_bytes()).hexdigest()
        assert f"| `{name}` | `{digest}` |" in card
        assert f"{digest}  {name}" in card


@pytest.mark.parametrize(
    "name", ["data/train-00000-of-00001.parquet", "manifest.jsonl.gz", "report.html"]
)
def test_a_changed_byte_is_reported_by_name(
    demo_release: Path,
    demo_crawl: Path,
    tmp_path: Path,
    name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(demo_release, copy)
    assert verify_dataset(copy, None).ok
    _flip(copy / name)
    assert main(["verify", str(copy)]) == 1
    out = capsys.readouterr().out
    changed = [line for line in out.splitlines() if line.startswith("CHANGED")]
    assert changed == [
        f"CHANGED {name}: its sha256 is not the recorded {json.loads((copy / 'export-info.json').read_text())['files'][name][:16]}…"
    ]
    # with --warc too, the changed file is named (the rows may not even be readable)
    assert main(["verify", str(copy), "--warc", str(demo_crawl), "--workers", "1"]) == 1
    assert f"CHANGED {name}:" in capsys.readouterr().out


def test_missing_and_added_files_are_reported(demo_release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(demo_release, copy)
    (copy / "croissant.json").unlink()
    shutil.copy(
        copy / "data" / "train-00000-of-00001.parquet", copy / "data" / "train-extra.parquet"
    )
    report = verify_dataset(copy, None)
    assert dict(report.files) == {
        "croissant.json": "missing (listed in export-info.json)",
        "data/train-extra.parquet": "not listed in export-info.json (added after the export)",
    }
