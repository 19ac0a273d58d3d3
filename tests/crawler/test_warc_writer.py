"""RotatingWarcWriter on its own: record fields and links, revisits, withheld bodies, rotation,
crash recovery — every file read back with warcio and FastWARC."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator

from crawler.exchange import Exchange
from crawler.recovery import RecoveryError, recover_open_warc, recover_warc_dir, scan_warc
from crawler.warcwriter import PayloadIndex, RotatingWarcWriter, ledger_path

DIGEST_RE = re.compile(r"^sha1:[A-Z2-7]{32}$")
T0 = datetime(2026, 11, 23, 5, 7, 59, 519539, tzinfo=UTC)


def _exchange(
    url: str, body: bytes, *, headers: list[tuple[bytes, bytes]] | None = None, status: int = 200
) -> Exchange:
    return Exchange(
        url=url,
        method="GET",
        request_headers=[(b"User-Agent", b"clearcrawl-test"), (b"Accept-Encoding", b"gzip")],
        request_body=b"",
        status=status,
        response_headers=headers
        if headers is not None
        else [(b"Content-Type", b"text/html; charset=utf-8")],
        body=body,
        started_at=T0,
        ip_address="127.0.0.1",
    )


def _decision(url: str, *, stored: bool = True) -> dict[str, object]:
    return {
        "url": url,
        "outcome": "excluded",
        "fetch": {"body_stored": stored},
        "decided_at": "2026-11-23T05:08:00Z",
    }


def _records(path: Path) -> list[dict[str, object]]:
    out = []
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            raw = rec.raw_stream.read()  # payload as stored (content-coding kept)
            out.append(
                {
                    "type": rec.rec_type,
                    "h": dict(rec.rec_headers.headers),
                    "http": rec.http_headers,
                    "body": raw,
                    "raw": raw,
                }
            )
    return out


def test_capture_records_are_linked_dated_and_digested(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, host="h1", warcinfo={"operator": "ops@example.org"})
    headers = [
        (b"Content-Type", b"text/html"),
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
        (b"X-Robots-Tag", b"nosnippet"),
        (b"X-Robots-Tag", b"otherbot: noindex"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Content-Length", b"999"),
    ]
    url = "http://example.org/p?a=1&b=2"
    ex = _exchange(url, b"<html>hi</html>", headers=headers)
    ptr = w.write_capture(ex, _decision(url))
    path = w.close()
    assert path is not None
    assert path.name.startswith("clearcrawl-")
    assert path.name.endswith("-00000-h1.warc.gz")
    assert not Path(str(path) + ".open").exists()
    recs = _records(path)
    assert [r["type"] for r in recs] == ["warcinfo", "request", "response", "metadata"]
    info, req, resp, meta = recs
    assert b"operator: ops@example.org" in info["body"]
    assert b"software: clearcrawl/" in info["body"]
    assert info["h"]["WARC-Filename"] == path.name
    assert "WARC-Target-URI" not in info["h"]
    # links and dates
    assert req["h"]["WARC-Concurrent-To"] == resp["h"]["WARC-Record-ID"]
    assert resp["h"]["WARC-Concurrent-To"] == req["h"]["WARC-Record-ID"]
    assert meta["h"]["WARC-Refers-To"] == resp["h"]["WARC-Record-ID"]
    assert "WARC-Target-URI" not in meta["h"], "replay indexes would serve the decision as the page"
    assert (
        req["h"]["WARC-Date"]
        == resp["h"]["WARC-Date"]
        == meta["h"]["WARC-Date"]
        == "2026-11-23T05:07:59.519539Z"
    )
    assert req["h"]["WARC-Target-URI"] == resp["h"]["WARC-Target-URI"] == url
    assert resp["h"]["WARC-IP-Address"] == "127.0.0.1"
    for r in (req, resp, meta):
        assert re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", str(r["h"]["WARC-Record-ID"]))
        assert DIGEST_RE.match(str(r["h"]["WARC-Block-Digest"]))
        assert r["h"]["WARC-Warcinfo-ID"] == info["h"]["WARC-Record-ID"]
    assert DIGEST_RE.match(str(resp["h"]["WARC-Payload-Digest"]))
    assert resp["h"]["WARC-Payload-Digest"] == ex.payload_digest == ptr["payload_digest"]
    # request line keeps the query; response headers are consistent with the stored body
    assert req["http"].protocol == "GET"
    assert req["http"].statusline == "/p?a=1&b=2 HTTP/1.1"
    hh = resp["http"]
    assert hh.get_statuscode() == "200"
    assert [v for k, v in hh.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert [v for k, v in hh.headers if k == "X-Robots-Tag"] == ["nosnippet", "otherbot: noindex"]
    assert hh.get_header("Transfer-Encoding") is None
    assert hh.get_header("Content-Length") == str(len(b"<html>hi</html>"))
    assert resp["body"] == b"<html>hi</html>"
    assert json.loads(meta["body"])["url"] == url
    assert ptr["response_offset"] > 0
    assert ptr["metadata_offset"] > ptr["response_offset"]
    assert ledger_path(path).read_text().splitlines() == [url]


def test_gzip_body_is_stored_as_served(tmp_path: Path) -> None:
    raw = gzip.compress(b"<html>compressed page</html>", mtime=0)
    w = RotatingWarcWriter(tmp_path, host="h")
    ex = _exchange(
        "http://e.org/",
        raw,
        headers=[(b"Content-Encoding", b"gzip"), (b"Content-Type", b"text/html")],
    )
    w.write_capture(ex, _decision("http://e.org/"))
    path = w.close()
    assert path is not None
    resp = next(r for r in _records(path) if r["type"] == "response")
    assert resp["raw"] == raw
    assert resp["http"].get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(resp["raw"]) == b"<html>compressed page</html>"


def test_identical_payload_becomes_a_revisit(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, host="h")
    first = w.write_capture(_exchange("http://e.org/a", b"same bytes"), _decision("http://e.org/a"))
    second = w.write_capture(
        _exchange("http://e.org/b", b"same bytes"), _decision("http://e.org/b")
    )
    assert first["response_record_type"] == "response"
    assert second["response_record_type"] == "revisit"
    path = w.close()
    assert path is not None
    rev = [r for r in _records(path) if r["type"] == "revisit"]
    assert len(rev) == 1
    h = rev[0]["h"]
    assert h["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert h["WARC-Refers-To"] == first["response_record_id"]
    assert h["WARC-Refers-To-Target-URI"] == "http://e.org/a"
    assert h["WARC-Payload-Digest"] == first["payload_digest"]
    assert rev[0]["body"] == b""


def test_revisit_map_is_a_bounded_lru(tmp_path: Path) -> None:
    idx = PayloadIndex(2)
    idx.put("d1", ("u1", "t", "r1"))
    idx.put("d2", ("u2", "t", "r2"))
    assert idx.get("d1") is not None  # d1 now most recent
    idx.put("d3", ("u3", "t", "r3"))
    assert idx.get("d2") is None
    assert idx.get("d1") is not None
    assert len(idx) == 2
    assert idx.evicted == 1
    w = RotatingWarcWriter(tmp_path, host="h", dedupe_max_entries=1)
    w.write_capture(_exchange("http://e.org/1", b"one"), _decision("http://e.org/1"))
    w.write_capture(_exchange("http://e.org/2", b"two"), _decision("http://e.org/2"))
    again = w.write_capture(_exchange("http://e.org/3", b"one"), _decision("http://e.org/3"))
    assert again["response_record_type"] == "response"  # forgotten: a full copy, never wrong
    assert len(w.payloads) == 1


def test_withheld_body_keeps_headers_and_proof(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, host="h")
    ex = _exchange("http://e.org/r", b"reserved work")
    w.write_capture(ex, _decision("http://e.org/r", stored=False))
    # A later identical payload must not become a revisit of a withheld body.
    later = w.write_capture(
        _exchange("http://e.org/s", b"reserved work"), _decision("http://e.org/s")
    )
    assert later["response_record_type"] == "response"
    path = w.close()
    assert path is not None
    resp = next(r for r in _records(path) if r["type"] == "response")
    assert resp["raw"] == b""
    assert resp["h"]["WARC-Truncated"] == "unspecified"
    assert resp["h"]["Clearcrawl-Withheld-Payload-Digest"] == ex.payload_digest
    assert resp["h"]["Clearcrawl-Withheld-Length"] == str(len(b"reserved work"))
    assert resp["http"].get_header("Content-Length") == "0"
    assert resp["http"].get_header("Content-Type") == "text/html; charset=utf-8"


def test_rotation_starts_each_file_with_warcinfo(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, host="h", max_bytes=2000, dedupe=False)
    for i in range(12):
        w.write_capture(
            _exchange(f"http://e.org/{i}", bytes(range(256)) * 8 + str(i).encode()),
            _decision(f"http://e.org/{i}"),
        )
    w.write_decision_only("http://e.org/refused", _decision("http://e.org/refused"))
    w.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) >= 3
    assert [int(f.name.split("-")[2]) for f in files] == list(range(len(files)))
    ids: set[str] = set()
    urls: list[str] = []
    for f in files:
        recs = _records(f)
        assert recs[0]["type"] == "warcinfo"
        assert sum(1 for r in recs if r["type"] == "warcinfo") == 1
        for r in recs:
            rid = str(r["h"]["WARC-Record-ID"])
            assert rid not in ids
            ids.add(rid)
        urls += ledger_path(f).read_text().splitlines()
        # FastWARC reads the same records and verifies the digests
        n = 0
        with f.open("rb") as fh:
            for rec in FastIterator(fh, parse_http=False):
                n += 1
                if rec.record_type != WarcRecordType.warcinfo:
                    assert rec.verify_block_digest()
        assert n == len(recs)
    assert urls == [*(f"http://e.org/{i}" for i in range(12)), "http://e.org/refused"]
    assert not list(tmp_path.glob("*.open"))


def test_serial_continues_after_existing_files(tmp_path: Path) -> None:
    (tmp_path / "clearcrawl-20260101000000-00007-h.warc.gz").write_bytes(b"")
    w = RotatingWarcWriter(tmp_path, host="h")
    w.write_decision_only("http://e.org/", _decision("http://e.org/"))
    path = w.close()
    assert path is not None
    assert "-00008-h.warc.gz" in path.name


def _killed_file(tmp_path: Path, n: int) -> tuple[Path, list[int]]:
    """Write ``n`` captures, then leave the file as a killed crawl would (still .open)."""
    w = RotatingWarcWriter(tmp_path, host="h")
    ends = []
    for i in range(n):
        w.write_capture(
            _exchange(f"http://e.org/{i}", f"page {i}".encode() * 50),
            _decision(f"http://e.org/{i}"),
        )
        ends.append(w._size)
    assert w._fh is not None
    w._fh.close()  # no close(): no fsync, no rename, no ledger
    (open_file,) = tmp_path.glob("*.warc.gz.open")
    return open_file, ends


def test_open_file_of_killed_crawl_is_readable_to_its_last_capture(tmp_path: Path) -> None:
    open_file, ends = _killed_file(tmp_path, 5)
    data = open_file.read_bytes()
    # Tear the last capture in the middle of its response record.
    torn = ends[3] + (ends[4] - ends[3]) // 2
    open_file.write_bytes(data[:torn])
    result = scan_warc(open_file)
    assert result.good_bytes == ends[3]
    assert result.captures == 4
    final = recover_open_warc(open_file)
    assert final is not None
    assert final.exists()
    assert not open_file.exists()
    assert final.stat().st_size == ends[3]
    assert ledger_path(final).read_text().splitlines() == [f"http://e.org/{i}" for i in range(4)]
    assert Path(str(final) + ".torn").stat().st_size == torn - ends[3]
    recs = _records(final)  # warcio reads it to the end without error
    assert sum(1 for r in recs if r["type"] == "response") == 4


def test_recover_dir_is_idempotent_and_drops_empty_files(tmp_path: Path) -> None:
    open_file, _ = _killed_file(tmp_path, 2)
    empty = tmp_path / "clearcrawl-20260101000000-00009-h.warc.gz.open"
    w = RotatingWarcWriter(tmp_path / "other", host="h")
    w._rotate_if_needed()  # a file with only its warcinfo
    assert w._fh is not None
    w._fh.close()
    (only_info,) = (tmp_path / "other").glob("*.open")
    only_info.replace(empty)
    recovered = recover_warc_dir(tmp_path)
    assert [p.name for p in recovered] == [open_file.name.removesuffix(".open")]
    assert not empty.exists()
    assert recover_warc_dir(tmp_path) == []
    assert len(list(tmp_path.glob("*.warc.gz"))) == 1


def test_recovery_refuses_a_file_a_live_writer_holds(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, host="h")
    w.write_capture(_exchange("http://e.org/", b"x"), _decision("http://e.org/"))
    (open_file,) = tmp_path.glob("*.warc.gz.open")
    with pytest.raises(RecoveryError, match="running crawl"):
        recover_open_warc(open_file)
    assert open_file.exists()
    w.close()  # lock released with the file
    assert not open_file.exists()


def test_unreadable_open_file_is_set_aside(tmp_path: Path) -> None:
    bad = tmp_path / "clearcrawl-20260101000000-00000-h.warc.gz.open"
    bad.write_bytes(b"not gzip at all")
    assert recover_open_warc(bad) is None
    assert not bad.exists()
    assert (tmp_path / "clearcrawl-20260101000000-00000-h.warc.gz.torn").exists()


@pytest.mark.parametrize("max_bytes", [0, -1])
def test_bad_max_bytes_is_refused(tmp_path: Path, max_bytes: int) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        RotatingWarcWriter(tmp_path, max_bytes=max_bytes)


def test_roundtrip_through_warcio_writer_is_byte_identical(tmp_path: Path) -> None:
    """Re-serialising what warcio parsed gives the same records (nothing lost in parsing)."""
    from warcio.warcwriter import WARCWriter

    w = RotatingWarcWriter(tmp_path, host="h")
    w.write_capture(_exchange("http://e.org/x", b"body"), _decision("http://e.org/x"))
    path = w.close()
    assert path is not None
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            buf = io.BytesIO()
            WARCWriter(buf, gzip=False, warc_version="1.1").write_record(rec)
            assert buf.getvalue().startswith(b"WARC/1.1\r\n")


def test_recovery_and_writer_import_without_scrapy() -> None:
    """The export (which must not import Scrapy) can recover a crawl folder itself."""
    import subprocess
    import sys

    code = "import sys, crawler.recovery, crawler.warcwriter, crawler.indexing; print('scrapy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_revisit_map_gives_back_exactly_what_it_was_given() -> None:
    idx = PayloadIndex(10)
    digest = "sha1:" + "A2Z7" * 8
    entries = {
        digest: ("http://e.org/a b?c=d e", "2026-12-04T14:00:00.000001Z", "<urn:uuid:1>"),
        "sha1:" + "B" * 32: ("http://e.org/€", "2026-12-04T14:00:00Z", "<urn:uuid:2>"),
        "sha1:lower" + "a" * 27: ("u", "t", "r"),  # not the Base32 form: kept as given
        "md5:xyz": ("http://e.org/x", "a date with spaces", "<urn:uuid:3>"),
        "sha1:" + "C" * 32: ("", "t", "id with space"),
    }
    for key, value in entries.items():
        idx.put(key, value)
    for key, value in entries.items():
        assert idx.get(key) == value
    assert idx.get("sha1:" + "A2Z7" * 7 + "A2Z6") is None
    assert idx.get(digest.lower()) is None


def test_ledger_urls_are_spooled_to_an_unnamed_file_not_kept_in_memory(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, host="h")
    urls = [f"http://e.org/{i}?q=%C3%A9" for i in range(3)]
    for url in urls:
        w.write_capture(_exchange(url, url.encode()), _decision(url))
    w.write_decision_only("http://e.org/refusé", _decision("http://e.org/refusé"))
    assert not isinstance(w._urls, list)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".open")) == []
    path = w.close()
    assert path is not None
    assert ledger_path(path).read_text(encoding="utf-8").splitlines() == [
        *urls,
        "http://e.org/refusé",
    ]
