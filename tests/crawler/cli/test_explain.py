"""``clearcrawl explain``: why a record is in or out, in plain language, from the folder alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cli import main
from tests.support.exportsite import DUPLICATES, mixed_export, page_name
from tests.support.helpers import read_jsonl


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_export(tmp_path_factory)


def _entry(dataset: Path, file: str, page: str) -> dict:
    return next(e for e in read_jsonl(dataset / file) if page_name(e["url"]) == page)


def _explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_exported_row_by_id_and_by_url(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = _entry(dataset, "manifest.jsonl.gz", "sa.html")
    code, by_id, _ = _explain(capsys, str(dataset), entry["id"])
    assert code == 0
    code, by_url, _ = _explain(capsys, str(dataset), entry["url"])
    assert code == 0
    assert by_id == by_url
    assert "in the dataset" in by_id
    assert "Why it is in:" in by_id
    assert entry["policy"]["digest"] in by_id
    assert entry["policy"]["rule"] in by_id
    assert "CC-BY-SA-4.0" in by_id
    assert 'scope "page"' in by_id
    assert "html:link[rel=license]" in by_id  # the evidence, with its locator
    assert "re-evaluated from the archived copy: allowed" in by_id
    assert "tdmrep-file: silent" in by_id
    assert "Paywall: none" in by_id
    # every condition, ShareAlike with "same or a compatible licence" (issue 11 item 5: the old
    # "Share-alike: ... the same licence" line understated it)
    assert "- Attribution (BY):" in by_id
    assert "- ShareAlike (SA): share adaptations under the same or a compatible licence" in by_id
    assert "“Die Brücke am Fluss” by Jonas Keller" in by_id  # the attribution owed
    w = entry["warc"]
    assert f"{w['file']} at offset {w['offset']}" in by_id
    assert w["record_id"] in by_id


@pytest.mark.parametrize(
    ("file", "page", "phrase"),
    [
        (
            "excluded.jsonl.gz",
            "nc.html",
            "its licence (CC-BY-NC-4.0) is not on the policy's allowlist",
        ),
        ("excluded.jsonl.gz", "short.html", "characters of main text were extracted"),
        (
            "excluded.jsonl.gz",
            "noai.html",
            "reserved text-and-data-mining / AI rights (x-robots-tag signal)",
        ),
        ("not-fetched.jsonl.gz", "secret.html", "robots.txt disallows it"),
    ],
)
def test_records_out_of_the_dataset_say_why(
    dataset: Path, capsys: pytest.CaptureFixture[str], file: str, page: str, phrase: str
) -> None:
    entry = _entry(dataset, file, page)
    code, out, _ = _explain(capsys, str(dataset), entry["url"])
    assert code == 0
    assert "NOT" in out.splitlines()[1]
    assert "Why it is not in:" in out
    assert phrase in out


def test_duplicate_names_the_kept_row(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dropped = next(
        e for e in read_jsonl(dataset / "excluded.jsonl.gz") if page_name(e["url"]) in DUPLICATES
    )
    kept_id = dropped["decision"]["reasons"][0].split(":", 1)[1]
    _, out, _ = _explain(capsys, str(dataset), dropped["id"])
    assert f"its text is the same as row {kept_id}" in out
    _, kept, _ = _explain(capsys, str(dataset), kept_id)
    assert "page(s) with the same text were not exported again" in kept
    assert dropped["url"] in kept


def test_json_output_is_the_entry(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = _entry(dataset, "manifest.jsonl.gz", "cc0.html")
    code, out, _ = _explain(capsys, str(dataset), entry["id"], "--json")
    assert code == 0
    assert json.loads(out) == entry


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{ds}", "no-such-id"], "neither an id nor a URL"),
        (["{tmp}/missing", "x"], "is not a folder"),
        (["{tmp}", "x"], "holds no manifest.jsonl"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = [a.replace("{ds}", str(dataset)).replace("{tmp}", str(tmp_path)) for a in args]
    code, _out, err = _explain(capsys, *argv)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert message in lines[0]
