"""``clearcrawl publish``: everything up to the Hub upload, which never runs in tests.

The dry run validates the folder (manifest schema, row/manifest join, card) and lists exactly the
files an upload would send; a folder that fails validation is refused before any network call;
with the Hub unreachable (``HF_HUB_OFFLINE=1``) the real command fails in one line.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from crawler.cli import main
from export.publish import ALLOW_PATTERNS, check_repo_id, planned_files
from tests.support.exportsite import mixed_crawl, mixed_export
from tests.support.helpers import run_cli


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_export(tmp_path_factory)


def _copy(dataset: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ds"
    shutil.copytree(dataset, copy)
    return copy


def test_dry_run_lists_the_files_with_digests(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(dataset, tmp_path)
    (copy / "notes.txt").write_text("private scratch file")
    (copy / "data" / "stray.csv").write_text("a,b")
    code = main(["publish", str(copy), "--repo-id", "clearcrawl/sample", "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, err
    files = planned_files(copy)
    names = [f.path for f in files]
    assert "notes.txt" not in names
    assert "data/stray.csv" not in names
    assert {"README.md", "LICENSES.md", "manifest.jsonl.gz", "manifest.schema.json"} <= set(names)
    assert any(n.startswith("data/train-") for n in names)
    assert any(n.startswith("manifest/rights-") for n in names)
    for f in files:
        assert f.sha256 == hashlib.sha256((copy / f.path).read_bytes()).hexdigest()
        assert f"  {f.path}  {f.size}  sha256:{f.sha256}" in out
    assert "dry run, nothing uploaded" in out
    assert len(ALLOW_PATTERNS) == len(set(ALLOW_PATTERNS))


def _refused(capsys: pytest.CaptureFixture[str], folder: Path) -> str:
    code = main(["publish", str(folder), "--repo-id", "clearcrawl/sample", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "refusing to publish" in lines[0]
    return lines[0]


def test_manifest_that_does_not_validate_is_refused(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(dataset, tmp_path)
    lines = gzip.decompress((copy / "manifest.jsonl.gz").read_bytes()).decode().splitlines()
    entry = json.loads(lines[0])
    del entry["policy"]["digest"]
    lines[0] = json.dumps(entry)
    (copy / "manifest.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    assert "does not validate against the manifest schema" in _refused(capsys, copy)


def test_rows_without_manifest_entries_are_refused(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(dataset, tmp_path)
    lines = gzip.decompress((copy / "manifest.jsonl.gz").read_bytes()).decode().splitlines()
    (copy / "manifest.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines[1:]) + "\n").encode()))
    assert "do not join one to one on id" in _refused(capsys, copy)


def test_manifest_cut_short_is_refused(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(dataset, tmp_path)
    raw = (copy / "manifest.jsonl.gz").read_bytes()
    (copy / "manifest.jsonl.gz").write_bytes(raw[: len(raw) - 9])  # trailer and a little more
    assert "manifest.jsonl.gz is cut short" in _refused(capsys, copy)


def test_card_that_does_not_parse_is_refused(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(dataset, tmp_path)
    readme = copy / "README.md"
    readme.write_text(readme.read_text().replace("license_name:", "license_nam:", 1))
    assert "license_name" in _refused(capsys, copy)


def test_empty_dataset_is_refused(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from export.run import run_export
    from filters.policy import Policy

    out = tmp_path / "empty"
    nothing = Policy.from_dict({"name": "none", "allow_licenses": ["NOPE"]})
    run_export(mixed_crawl(tmp_path_factory), out, policy=nothing)
    assert "no rows" in _refused(capsys, out)


@pytest.mark.parametrize("repo_id", ["no-slash", "a/b/c", "org/na me", "../x", "org/name.git", ""])
def test_bad_repo_id(repo_id: str) -> None:
    with pytest.raises(ValueError, match="ORG/NAME"):
        check_repo_id(repo_id)


def test_bad_repo_id_exit_2(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", str(dataset), "--repo-id", "nope", "--dry-run"]) == 2
    assert "--repo-id must be ORG/NAME" in capsys.readouterr().err


def test_upload_with_the_hub_unreachable_fails_in_one_line(dataset: Path, tmp_path: Path) -> None:
    env = {
        "HF_HUB_OFFLINE": "1",
        "HF_TOKEN": "hf_not_a_real_token",
        "HF_HOME": str(tmp_path / "hf"),
    }
    proc = run_cli("publish", str(dataset), "--repo-id", "clearcrawl/sample", env=env, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "upload to clearcrawl/sample failed" in lines[0]
    assert "manifest and card valid" in proc.stdout  # validation ran before the network call


@pytest.mark.parametrize("command", ["explain", "verify", "publish"])
def test_reviewer_commands_have_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert f"usage: clearcrawl {command}" in capsys.readouterr().out
