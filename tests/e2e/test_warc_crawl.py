"""A real crawl of the fidelity fixture site, its WARC files checked by warcio, FastWARC and
cdxj-indexer, and every stored body decoded according to its own headers."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from crawler.indexing import cdxj_path, write_cdxj
from tests.support.helpers import SITES, crawl

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SiteServer]]:
    out = tmp_path_factory.mktemp("fidelity") / "crawl"
    with SiteServer(SITES / "warc-fidelity") as server:
        crawl(out, server.url + "/", extra=("-s", "CLEARCRAWL_WARC_WACZ=true"))
        yield out, server


def _warcs(out: Path) -> list[Path]:
    files = sorted((out / "warc").glob("*.warc.gz"))
    assert files, "the crawl wrote no WARC file"
    return files


def _records(out: Path) -> list[dict[str, Any]]:
    recs = []
    for f in _warcs(out):
        with f.open("rb") as fh:
            it = ArchiveIterator(fh)
            for rec in it:
                payload = rec.raw_stream.read()  # before get_record_offset(), which skips the rest
                recs.append(
                    {
                        "file": f,
                        "offset": it.get_record_offset(),
                        "type": rec.rec_type,
                        "h": rec.rec_headers,
                        "http": rec.http_headers,
                        "payload": payload,
                    }
                )
    return recs


def _by_path(recs: list[dict[str, Any]], rtype: str) -> dict[str, dict[str, Any]]:
    out = {}
    for r in recs:
        if r["type"] == rtype:
            parts = urlsplit(r["h"].get_header("WARC-Target-URI"))
            out[parts.path + (f"?{parts.query}" if parts.query else "")] = r
    return out


def test_warcio_and_fastwarc_check_pass(crawled: tuple[Path, SiteServer]) -> None:
    out, _ = crawled
    for f in _warcs(out):
        proc = subprocess.run(
            [str(BIN / "warcio"), "check", "-v", str(f)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "digest pass" in proc.stdout
        assert "digest fail" not in proc.stdout
        proc = subprocess.run(
            [str(BIN / "fastwarc"), "check", str(f)], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        n = 0
        with f.open("rb") as fh:
            for rec in FastIterator(fh, parse_http=False):
                n += 1
                assert rec.verify_block_digest(), rec.record_id
        assert n > 5
        with f.open("rb") as fh:
            for rec in FastIterator(fh, record_types=WarcRecordType.response):
                assert rec.verify_payload_digest(), rec.record_id


def test_every_stored_body_decodes_according_to_its_own_headers(
    crawled: tuple[Path, SiteServer],
) -> None:
    out, _ = crawled
    checked = 0
    for r in _records(out):
        if r["type"] != "response":
            continue
        http = r["http"]
        assert http.get_header("Transfer-Encoding") is None
        assert http.get_header("Content-Length") == str(len(r["payload"]))
        assert http.protocol.startswith("HTTP/1.")
        body = r["payload"]
        encoding = (http.get_header("Content-Encoding") or "identity").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        else:
            assert encoding == "identity", encoding
        if (http.get_header("Content-Type") or "").startswith("text/html") and not r[
            "h"
        ].get_header("Clearcrawl-Withheld"):
            assert b"<html" in body.lower()
        checked += 1
    assert checked >= 8


def test_records_keep_what_was_served(crawled: tuple[Path, SiteServer]) -> None:
    out, _ = crawled
    site = SITES / "warc-fidelity"
    recs = _records(out)
    resp = _by_path(recs, "response")
    req = _by_path(recs, "request")
    gz = resp["/gzip.html"]
    assert gz["http"].get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(gz["payload"]) == (site / "gzip-page.html").read_bytes()
    assert resp["/chunked.html"]["payload"] == (site / "chunked-page.html").read_bytes()
    cookies = resp["/cookies.html"]["http"].headers
    assert [v for k, v in cookies if k.lower() == "set-cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    assert [v for k, v in cookies if k.lower() == "x-robots-tag"] == [
        "nosnippet",
        "otherbot: noindex",
    ]
    q = req["/q.html?a=1&b=2"]
    assert q["http"].protocol == "GET"
    assert q["http"].statusline == "/q.html?a=1&b=2 HTTP/1.1"
    assert q["http"].get_header("User-Agent", "").startswith("clearcrawl/")
    assert "/robots.txt" in resp, "policy files are archived like any response"
    ids = {r["h"].get_header("WARC-Record-ID"): r for r in recs}
    for path, r in resp.items():
        rq = req[path]
        rid = r["h"].get_header("WARC-Record-ID")
        assert rq["h"].get_header("WARC-Concurrent-To") == rid
        assert r["h"].get_header("WARC-Date") == rq["h"].get_header("WARC-Date")
        assert r["h"].get_header("WARC-IP-Address") == "127.0.0.1"
        assert r["h"].get_header("WARC-Payload-Digest").startswith("sha1:")
        metas = [
            m
            for m in recs
            if m["type"] == "metadata" and m["h"].get_header("WARC-Refers-To") == rid
        ]
        assert len(metas) == 1, path
        decision = json.loads(metas[0]["payload"])
        assert decision["url"] == r["h"].get_header("WARC-Target-URI")
        assert metas[0]["h"].get_header("WARC-Date") == r["h"].get_header("WARC-Date")
        assert metas[0]["h"].get_header("WARC-Target-URI") is None
    # the reserved page: headers kept, body withheld, real digest recorded
    noai = resp["/noai.html"]
    assert noai["payload"] == b""
    assert noai["h"].get_header("WARC-Truncated") == "unspecified"
    assert noai["h"].get_header("Clearcrawl-Withheld-Payload-Digest", "").startswith("sha1:")
    assert [v for k, v in noai["http"].headers if k.lower() == "x-robots-tag"] == ["noai"]
    # identical payloads: one response, one revisit referring to it
    dup = [
        r
        for r in recs
        if r["type"] in ("response", "revisit") and "/dup-" in r["h"].get_header("WARC-Target-URI")
    ]
    assert sorted(r["type"] for r in dup) == ["response", "revisit"]
    revisit = next(r for r in dup if r["type"] == "revisit")
    original = ids[revisit["h"].get_header("WARC-Refers-To")]
    assert original["type"] == "response"
    assert revisit["h"].get_header("WARC-Payload-Digest") == original["h"].get_header(
        "WARC-Payload-Digest"
    )
    assert revisit["h"].get_header("WARC-Refers-To-Target-URI") == original["h"].get_header(
        "WARC-Target-URI"
    )


def test_warcinfo_states_the_rights_configuration(crawled: tuple[Path, SiteServer]) -> None:
    out, _ = crawled
    for f in _warcs(out):
        with f.open("rb") as fh:
            first = next(iter(ArchiveIterator(fh)))
            assert first.rec_type == "warcinfo"
            fields = dict(
                line.split(": ", 1)
                for line in first.content_stream().read().decode().splitlines()
                if ": " in line
            )
        assert fields["software"].startswith("clearcrawl/")
        assert fields["format"] == "WARC File Format 1.1"
        assert fields["http-header-user-agent"].startswith("clearcrawl/")
        assert fields["operator"]
        assert "GPTBot" in fields["clearcrawl-honoured-tokens"]
        assert fields["clearcrawl-policy-digest"].startswith("sha256:")


def test_cdxj_beside_each_warc_points_at_gzip_members(crawled: tuple[Path, SiteServer]) -> None:
    out, _ = crawled
    for f in _warcs(out):
        cdxj = f.with_name(f.name.removesuffix(".warc.gz") + ".cdxj")
        lines = cdxj.read_text().splitlines()
        assert lines == sorted(lines)
        assert lines
        data = f.read_bytes()
        for line in lines:
            _key, _ts, blob = line.split(" ", 2)
            entry = json.loads(blob)
            offset, length = int(entry["offset"]), int(entry["length"])
            record = zlib.decompressobj(31).decompress(data[offset : offset + length])
            assert record.startswith(b"WARC/1.1\r\n")
            assert f"WARC-Target-URI: {entry['url']}\r\n".encode() in record
            assert b"WARC-Type: metadata" not in record
        # the same index as cdxj-indexer's own CLI produces (minus metadata records)
        proc = subprocess.run(
            [str(BIN / "cdxj-indexer"), "-s", "--records", "response,revisit,resource", str(f)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert [ln.split(" ", 2)[:2] for ln in proc.stdout.splitlines()] == [
            ln.split(" ", 2)[:2] for ln in lines
        ]


def test_cdxj_indexer_default_run_sees_no_metadata_as_pages(
    tmp_path: Path, crawled: tuple[Path, SiteServer]
) -> None:
    """Indexed with default options (as pywb or a reviewer would), decisions never pose as pages."""
    out, _ = crawled
    for f in _warcs(out):
        proc = subprocess.run(
            [str(BIN / "cdxj-indexer"), str(f)], capture_output=True, text=True, check=True
        )
        for line in proc.stdout.splitlines():
            entry = json.loads(line.split(" ", 2)[2])
            assert entry.get("mime") != "application/json" or not entry.get("url"), line
    original = _warcs(out)[0]
    copy = tmp_path / original.name
    copy.write_bytes(original.read_bytes())
    assert write_cdxj(copy).read_text() == cdxj_path(original).read_text()  # deterministic


def test_wacz_package_is_complete(crawled: tuple[Path, SiteServer]) -> None:
    import hashlib

    out, _ = crawled
    for f in _warcs(out):
        wacz = f.with_name(f.name.removesuffix(".warc.gz") + ".wacz")
        with zipfile.ZipFile(wacz) as zf:
            names = set(zf.namelist())
            assert {
                f"archive/{f.name}",
                "indexes/index.cdx",
                "pages/pages.jsonl",
                "datapackage.json",
                "datapackage-digest.json",
            } <= names
            assert zf.getinfo(f"archive/{f.name}").compress_type == zipfile.ZIP_STORED
            package = json.loads(zf.read("datapackage.json"))
            assert package["wacz_version"] == "1.1.1"
            for res in package["resources"]:
                data = zf.read(res["path"])
                assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
                assert res["bytes"] == len(data)
            assert zf.read(f"archive/{f.name}") == f.read_bytes()
            digest = json.loads(zf.read("datapackage-digest.json"))
            assert (
                digest["hash"]
                == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
            )
            pages = [json.loads(x) for x in zf.read("pages/pages.jsonl").decode().splitlines()]
            assert pages[0]["format"] == "json-pages-1.0"
            assert any(p.get("url", "").endswith("/gzip.html") for p in pages[1:])


def test_in_process_writer_thread_writes_the_same_records(
    tmp_path: Path, crawled: tuple[Path, SiteServer]
) -> None:
    """``CLEARCRAWL_WARC_PROCESS = False`` (writer thread in the crawl process) is equivalent."""
    out, server = crawled
    other = tmp_path / "thread"
    crawl(other, server.url + "/", extra=("-s", "CLEARCRAWL_WARC_PROCESS=False"))
    stats = json.loads((other / "crawl-stats.json").read_text())
    assert "clearcrawl/warc/process_cpu_s" not in stats

    def kinds(root: Path) -> list[tuple[str, str]]:
        # Which of two identical pages comes first (response) or second (revisit) varies.
        return sorted(
            (
                "response" if r["type"] == "revisit" else r["type"],
                urlsplit(r["h"].get_header("WARC-Target-URI") or "").path,
            )
            for r in _records(root)
        )

    assert kinds(other) == kinds(out)
    for f in _warcs(other):
        proc = subprocess.run(
            [str(BIN / "warcio"), "check", str(f)], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout
