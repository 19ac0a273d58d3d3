"""The WARC writer's own record building and CDXJ lines give exactly what warcio and
cdxj-indexer give.

RotatingWarcWriter builds each record with its length and both digests set, once
(:meth:`crawler.warcwriter.RotatingWarcWriter._record`), and makes each file's CDXJ lines as it
writes (:class:`crawler.indexing.CdxjCollector`) instead of re-reading the closed file. Neither
may change a byte of the archive or of its index: the reference here is warcio's own
``create_warc_record`` / ``create_revisit_record`` (the writer's path before) and
cdxj-indexer run over the closed file (:func:`crawler.indexing.write_cdxj`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import random
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler import indexing
from crawler.exchange import Exchange
from crawler.indexing import cdxj_path, write_cdxj
from crawler.warcwriter import EncodedDecision, RotatingWarcWriter, sha1_b32

T0 = datetime(2026, 12, 4, 14, 0, 0, 123456, tzinfo=UTC)
RANDOM_ID = re.compile(rb"<urn:uuid:(?!00000000-0000-4000-8000)[0-9a-f-]{36}>")
PAGE = b"<!doctype html><html><body><p>" + b"tide and harbour " * 400 + b"</p></body></html>"


class WarcioPathWriter(RotatingWarcWriter):
    """The writer with warcio's own record builders (no length given, warcio digests)."""

    def _record(
        self,
        uri: str,
        record_type: str,
        payload: bytes,
        headers: dict[str, str],
        http_headers: Any = None,
        *,
        after: list[tuple[str, str]] | None = None,
        payload_digest: str | None = None,
        warc_content_type: str = "",
    ) -> Any:
        if record_type == "revisit":
            refs = dict(after or ())
            assert payload_digest is not None
            return self._builder.create_revisit_record(
                uri,
                payload_digest,
                refs["WARC-Refers-To-Target-URI"],
                refs["WARC-Refers-To-Date"],
                http_headers=http_headers,
                warc_headers_dict=headers,
            )
        return self._builder.create_warc_record(
            uri,
            record_type,
            payload=io.BytesIO(payload),
            http_headers=http_headers,
            warc_content_type=warc_content_type,
            warc_headers_dict=headers,
        )


def _ex(n: int, url: str, body: bytes, **kw: Any) -> Exchange:
    fields: dict[str, Any] = {
        "method": "GET",
        "request_headers": [(b"User-Agent", b"clearcrawl-test"), (b"Accept", b"text/html")],
        "request_body": b"",
        "status": 200,
        "response_headers": [(b"Content-Type", b"text/html; charset=utf-8")],
        "started_at": T0 + timedelta(seconds=n),
        "ip_address": "127.0.0.1",
        "response_record_id": f"<urn:uuid:00000000-0000-4000-8000-{n:06d}000001>",
        "request_record_id": f"<urn:uuid:00000000-0000-4000-8000-{n:06d}000002>",
        "metadata_record_id": f"<urn:uuid:00000000-0000-4000-8000-{n:06d}000003>",
    }
    fields.update(kw)
    return Exchange(url=url, body=body, **fields)


def _captures() -> list[tuple[Exchange | None, Any]]:
    """Every kind of record the crawl writes, odd headers included."""
    base = "http://127.0.0.1:8765"
    stored = EncodedDecision(line=b'{"outcome": "excluded", "note": "caf\xc3\xa9"}')
    withheld = EncodedDecision(line=b'{"outcome": "excluded"}', body_stored=False)
    return [
        (_ex(1, base + "/", PAGE), stored),
        (_ex(2, base + "/p/1?x=1&y=%20", PAGE), stored),  # same payload: a revisit
        (_ex(3, base + "/p/2", PAGE + b"2"), withheld),  # body withheld (AI opt-out)
        (
            _ex(
                4,
                base + "/missing",
                b"not found",
                status=404,
                response_headers=[
                    (b"Content-Type", b"  TEXT/Plain ;charset=x"),
                    (b"X", b"caf\xe9"),
                ],
            ),
            stored,
        ),
        (
            _ex(
                5,
                base + "/old",
                b"",
                status=301,
                response_headers=[(b"Location", b"/new"), (b"Content-Length", b"0")],
            ),
            stored,
        ),
        (
            _ex(
                6,
                base + "/form",
                b'{"ok": true}',
                method="POST",
                request_body=b"q=tide",
                protocol="HTTP/1.0",
                response_headers=[(b"content-type", b"application/json"), (b"Server", b"t\xfcv")],
                ip_address=None,
            ),
            stored,
        ),
        (_ex(7, base + "/big", PAGE[:500], truncated="length"), stored),
        (_ex(8, base + "/odd", b"x", status=599, response_headers=[]), stored),
        (None, (base + "/refused", EncodedDecision(line=b"{}", decided_at="2026-12-04T14:00:09Z"))),
        (_ex(9, "https://example.org/p/%E2%82%AC", PAGE + b"9"), stored),
    ]


def _write(cls: type[RotatingWarcWriter], folder: Path, **kw: Any) -> RotatingWarcWriter:
    writer = cls(folder, host="test", gzip_level=3, clock=lambda: T0, **kw)
    for exchange, decision in _captures():
        if exchange is None:
            writer.write_decision_only(*decision)
        else:
            writer.write_capture(exchange, decision)
    writer.close()
    return writer


def test_fast_sha1_b32_is_warcio_s_digest_form() -> None:
    for data in (b"", b"a", PAGE, bytes(range(256)) * 7):
        expected = "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()  # noqa: S324
        assert sha1_b32(data) == expected
    assert sha1_b32(b"ab", b"cd") == sha1_b32(b"abcd")


def test_records_are_byte_identical_to_warcio_s_own_builders(tmp_path: Path) -> None:
    fast = _write(RotatingWarcWriter, tmp_path / "fast")
    ref = _write(WarcioPathWriter, tmp_path / "ref")
    (fast_file,), (ref_file,) = fast.closed_files, ref.closed_files
    assert fast_file.name == ref_file.name
    # the warcinfo record has its own random id and instant; every record refers to that id
    fast_text = gzip.decompress(fast_file.read_bytes())
    ref_text = gzip.decompress(ref_file.read_bytes())
    fast_body = fast_text.split(b"WARC-Type: request", 1)[1]
    ref_body = ref_text.split(b"WARC-Type: request", 1)[1]
    # ... and a decision-only record gets a fresh random id
    fast_body = RANDOM_ID.sub(b"<random>", fast_body)
    ref_body = RANDOM_ID.sub(b"<random>", ref_body)
    assert fast.revisits_written == ref.revisits_written == 1
    assert fast_body == ref_body
    assert fast.records_written == ref.records_written


@pytest.mark.parametrize("max_bytes", [1_000_000_000, 3000])
def test_cdxj_written_at_close_is_the_indexer_s_own(tmp_path: Path, max_bytes: int) -> None:
    writer = _write(RotatingWarcWriter, tmp_path / "w", cdxj=True, max_bytes=max_bytes)
    assert (len(writer.closed_files) == 1) == (max_bytes > 1_000_000)
    for warc in writer.closed_files:
        made = cdxj_path(warc).read_text(encoding="utf-8")
        copy = tmp_path / "copy" / warc.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(warc, copy)
        assert made == write_cdxj(copy).read_text(encoding="utf-8")
        assert made  # every file holds captures
    lines = "".join(cdxj_path(w).read_text() for w in writer.closed_files)
    assert '"mime": "warc/revisit"' in lines
    assert '"status": "599"' in lines
    assert '"mime": "TEXT/Plain"' in lines


def test_without_cdxj_no_index_is_written(tmp_path: Path) -> None:
    writer = _write(RotatingWarcWriter, tmp_path / "w")
    assert not cdxj_path(writer.closed_files[0]).exists()


def test_a_record_it_cannot_index_falls_back_to_re_reading(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path / "w", host="test", clock=lambda: T0, cdxj=True)
    writer.write_capture(_ex(1, "http://127.0.0.1:1/", PAGE), EncodedDecision(line=b"{}"))
    # an ftp: URI: warcio's reader parses no HTTP head for it, so the line cannot be made here
    writer.write_capture(_ex(2, "ftp://127.0.0.1/f", PAGE + b"f"), EncodedDecision(line=b"{}"))
    assert writer._index is not None
    assert not writer._index.exact
    writer.close()
    warc = writer.closed_files[0]
    copy = tmp_path / "copy" / warc.name
    copy.parent.mkdir()
    shutil.copy(warc, copy)
    assert cdxj_path(warc).read_text() == write_cdxj(copy).read_text()


def test_cdxj_spilled_in_sorted_runs_is_the_indexer_s_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every line its own run (threshold 1 character) and runs merged three at a time: the
    # bounded-memory path must still give cdxj-indexer's bytes.
    monkeypatch.setattr(indexing, "SPILL_BYTES", 1)
    monkeypatch.setattr(indexing, "MAX_RUNS", 3)
    writer = RotatingWarcWriter(
        tmp_path / "w", host="test", gzip_level=3, clock=lambda: T0, cdxj=True
    )
    for exchange, decision in _captures() * 3:  # repeated captures: duplicate-free lines
        if exchange is None:
            writer.write_decision_only(*decision)
        else:
            writer.write_capture(exchange, decision)
    assert writer._index is not None
    assert writer._index._sorter.spilled > 3
    writer.close()
    (warc,) = writer.closed_files
    copy = tmp_path / "copy" / warc.name
    copy.parent.mkdir()
    shutil.copy(warc, copy)
    assert cdxj_path(warc).read_bytes() == write_cdxj(copy).read_bytes()


@pytest.mark.parametrize(("spill", "runs"), [(10**9, 64), (1, 2), (40, 3), (500, 64)])
def test_spilling_sorter_writes_what_sorting_writer_writes(spill: int, runs: int) -> None:
    from cdxj_indexer.main import SortingWriter

    rnd = random.Random(17)  # noqa: S311 - test data, not secrets
    alphabet = ["a", "b", "Z", "é", "\r", "€", "\U0001f600", " ", "{", "0"]
    lines = ["".join(rnd.choices(alphabet, k=rnd.randint(0, 6))) + "\n" for _ in range(400)]
    lines += lines[:50]  # repeats, dropped once sorted
    ref, made = io.StringIO(), io.StringIO()
    reference = SortingWriter(ref)
    sorter = indexing.SpillingSorter(spill, runs)
    for line in lines:
        reference.write(line)
        sorter.write(line)
    reference.flush()
    sorter.flush_to(made)
    assert made.getvalue() == ref.getvalue()
    assert (sorter.spilled > 0) == (spill < 10**9)
