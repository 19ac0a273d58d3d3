"""``explain`` names the record a revisit's text was read from (issue 11 items 6/8 follow-up).

A ``revisit`` record stores no payload; the export decides it on the earlier response it
repeats and records that response as ``warc.payload_from``. A reviewer reading ``explain``
must be shown that record, or the pointer printed leads to a record with no text. Uses the
``export-revisit`` crawl of the ``revisit_export`` fixture (``tests/conftest.py``; its kept
licensed row is a revisit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli import main
from tests.support.helpers import read_jsonl


def test_explain_shows_where_a_revisits_text_was_read(
    revisit_export: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, ds = revisit_export
    (row,) = [e for e in read_jsonl(ds / "manifest.jsonl") if e["warc"]["record_type"] == "revisit"]
    source = row["warc"]["payload_from"]
    assert source is not None
    assert source["record_id"] != row["warc"]["record_id"]
    assert main(["explain", str(ds), row["id"]]) == 0
    out = capsys.readouterr().out
    expected = (
        f"text read from record {source['record_id']} in {source['file']} at offset "
        f"{source['offset']} (the revisit's original"
    )
    assert expected in out
    assert f"revisit record {row['warc']['record_id']}" in out


def test_explain_of_a_response_names_no_other_record(
    revisit_export: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, ds = revisit_export
    entries = read_jsonl(ds / "excluded.jsonl")
    response = next(e for e in entries if e["warc"]["record_type"] == "response")
    assert response["warc"]["payload_from"] is None
    assert main(["explain", str(ds), response["id"]]) == 0
    assert "text read from record" not in capsys.readouterr().out
