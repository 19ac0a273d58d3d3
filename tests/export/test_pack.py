"""One serialisation pass per manifest entry gives the bytes of the two it replaces (issue 14)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from export.dataset import manifest_columns
from export.process import Outcome, dump_entry, dump_entry_and_columns, pack
from export.run import run_export
from tests.export.foreign.ccbuild import page, write_warc

DAY = "2020-08-05T10:00:00Z"


def test_line_and_columns_equal_separate_serialisations(tmp_path: Path) -> None:
    write_warc(
        tmp_path / "warc" / "CC-MAIN-1.warc.gz",
        [
            ("https://a.example/article.html", 200, page("article.html"), DAY),
            ("https://a.example/private/notes.html", 200, page("private/notes.html"), DAY),
            ("https://b.example/article.html", 200, page("article.html"), DAY),
        ],
    )
    write_warc(
        tmp_path / "robots" / "CC-MAIN-1.warc.gz",
        [("https://a.example/robots.txt", 200, b"User-agent: *\nDisallow: /private/\n", DAY)],
    )
    out = tmp_path / "ds"
    run_export(tmp_path / "warc", out, policy_warcs=[str(tmp_path / "robots")], report=False)
    entries = []
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz"):
        with gzip.open(out / name, "rt", encoding="utf-8") as fh:
            entries += [json.loads(line) for line in fh]
    assert len(entries) == 3
    # non-ASCII, nested and empty values, as entries can hold them
    entries.append({**entries[0], "url": "https://ä.example/ü?q=\u2028", "duplicates": []})
    for entry in entries:
        line, columns = dump_entry_and_columns(entry)
        assert line == dump_entry(entry)
        assert columns == manifest_columns(entry)
        # the shared encoders write what json.dumps with the same options writes
        assert dump_entry(entry) == json.dumps(entry, ensure_ascii=False, sort_keys=True)
        packed = pack(Outcome("exported", entry=entry))
        assert packed.line == line
        assert packed.columns == json.dumps(columns, ensure_ascii=False)
