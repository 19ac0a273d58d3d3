"""Pages read from ARC files keep the same record id on every read (issue 14, ARC inputs).

warcio converts each ARC record to WARC headers with a random ``WARC-Record-ID`` (uuid4): two
exports of one ARC file differed, and ``verify`` — which re-reads the record at the manifest's
offset and compares its id — could never pass on a row taken from an ARC file.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from export.run import run_export
from export.warcread import read_record_at
from tests.export.foreign.ccbuild import page
from tests.support.helpers import read_jsonl, run_cli

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
STAMP = "20200805100000"


def _arc_record(url: str, ctype: str, body: bytes) -> bytes:
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    head = f"{url} 192.0.2.7 {STAMP} {ctype} {len(http)}\n".encode()
    return head + http + b"\n"


def write_arc(path: Path, article: bytes | None = None) -> Path:
    """An ARC 1.0 file (the Internet Archive's format before WARC), gzip per record."""
    spec = b"1 0 Example Archive\nURL IP-address Archive-date Content-type Archive-length\n"
    members = [
        f"filedesc://{path.name} 0.0.0.0 {STAMP} text/plain {len(spec)}\n".encode() + spec + b"\n",
        _arc_record("https://arc.example/robots.txt", "text/plain", ROBOTS),
        _arc_record(
            "https://arc.example/article.html", "text/html", article or page("article.html")
        ),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(gzip.compress(m) for m in members))
    return path


def test_rows_from_an_arc_file_verify_and_export_identically(tmp_path: Path) -> None:
    arc = write_arc(tmp_path / "arcs" / "IA-000001.arc.gz")
    first, second = tmp_path / "first", tmp_path / "second"
    run_export(arc.parent, first, workers=1)
    run_export(arc.parent, second, workers=1)
    (row,) = read_jsonl(first / "manifest.jsonl.gz")
    assert row["url"] == "https://arc.example/article.html"
    # the id read again at the row's offset is the id the manifest recorded
    record, _ = read_record_at(str(arc), row["warc"]["offset"])
    assert record.rec_headers.get_header("WARC-Record-ID") == row["warc"]["record_id"]
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz"):
        assert read_jsonl(first / name) == read_jsonl(second / name)
    proc = run_cli("verify", str(first), "--warc", str(arc.parent))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_altered_bytes_in_an_arc_record_fail_verify(tmp_path: Path) -> None:
    """An ARC record states no payload digest: the row re-derived from it still tells."""
    arc = write_arc(tmp_path / "arcs" / "IA-000001.arc.gz")
    run_export(arc.parent, tmp_path / "out", workers=1)
    assert read_jsonl(tmp_path / "out" / "manifest.jsonl.gz")
    original = page("article.html")
    word = next(w for w in original.split() if w.isalpha() and len(w) > 6)
    altered = original.replace(word, word[::-1], 1)  # same length, same offsets
    assert altered != original
    write_arc(arc, altered)
    proc = run_cli("verify", str(tmp_path / "out"), "--warc", str(arc.parent))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "mismatch" in proc.stdout + proc.stderr
