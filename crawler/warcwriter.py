"""Write captured exchanges and their rights decisions as WARC 1.1 files.

Scrapy-free, so it can be tested and benchmarked on its own; the Scrapy extension
(:mod:`crawler.extensions.warc`) feeds it from a background thread.

Per capture it writes, in one file and in this order (WARC 1.1 §6.3, §6.5, §6.6, §6.7,
https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/):

* ``request``  – the request line (path *and* query) and every header Scrapy sent;
  ``WARC-Concurrent-To`` the response;
* ``response`` – status line, every header as received (repeated ones kept) made consistent
  with the stored body (no hop-by-hop headers, ``Content-Length`` = stored length), and the body
  exactly as served (still content-encoded); ``WARC-Concurrent-To`` the request. When an AI/TDM
  reservation was found in the response, the body is withheld: the record keeps the headers,
  ``WARC-Truncated: unspecified`` and ``Clearcrawl-Withheld-*`` fields carrying the withheld
  payload's digest and length, so the exclusion is provable without retaining the work;
* ``revisit``  – instead of ``response`` when an identical payload was already stored
  (identical-payload-digest profile, WARC 1.1 §6.7.2);
* ``metadata`` – the decision as JSON, ``WARC-Refers-To`` the response/revisit record.

Request, response and metadata of one capture share one ``WARC-Date``: the instant the fetch
began (WARC 1.1 §5.4).

Metadata records carry **no** ``WARC-Target-URI`` (optional for ``metadata``, WARC 1.1 §5.5):
pywb and cdxj-indexer index every record that has one, and pywb then replayed the decision JSON
instead of the page it describes. The URL is inside the JSON and, for captures, one
``WARC-Refers-To`` hop away.

Files and crash safety. Every record is its own gzip member (compression level configurable,
``CLEARCRAWL_WARC_GZIP_LEVEL``; the crawl's default 3 costs half of level 6's CPU for 5-12 %
larger files). Files are named
``PREFIX-TIMESTAMP-SERIAL-HOST.warc.gz`` (WARC 1.1 Annex C, serials continue after files already
in the folder), written as ``….warc.gz.open`` and renamed once fsynced, rotated between
captures once they reach ``max_bytes``; each starts with a ``warcinfo`` record. The gzip members
of one capture go to the kernel in a single ``write()``, so a killed crawl leaves the open file
ending on a capture boundary (or, at worst, one torn capture that :mod:`crawler.recovery` cuts
off). Beside each closed file, ``NAME.urls`` lists the URLs it holds: ``--resume`` reads those
ledgers to know what is archived even after the WARC itself was uploaded and deleted. While the
file is open its URLs go to an unnamed temporary file beside it, not to a list in memory (a
100k-capture file held ~9 MB of URLs until it closed), and are copied into the ledger at close.

Revisit bookkeeping is a bounded LRU map (``dedupe_max_entries``) kept in a private temporary
SQLite database with a 2 MiB page cache (:class:`PayloadIndex`), so the writer does not grow
with the crawl: a huge crawl forgets the oldest payloads and stores a full copy again rather
than growing without bound. That costs space, never correctness.
"""

from __future__ import annotations

import fcntl
import hashlib
import http
import io
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler import __version__
from crawler.exchange import Exchange, iso, new_record_id, utc_now
from crawler.indexing import CdxjCollector, cdxj_path

if TYPE_CHECKING:
    from warcio.statusandheaders import StatusAndHeaders

logger = logging.getLogger(__name__)

WARC_VERSION = "1.1"
OPEN_SUFFIX = ".open"
LEDGER_SUFFIX = ".urls"
WARC_SUFFIX = ".warc.gz"
CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
#: ``PREFIX-YYYYMMDDhhmmss-SERIAL-HOST.warc.gz`` (Annex C); the serial is group 1.
NAME_RE = re.compile(r"^.+-\d{14}-(\d{5,})-[A-Za-z0-9.-]+\.warc\.gz(?:\.open)?$")


@dataclass(frozen=True, slots=True)
class RecordPointer:
    """Where a record landed: enough for a reviewer to reopen the exact bytes."""

    filename: str
    offset: int
    length: int
    record_id: str


@dataclass(frozen=True, slots=True)
class EncodedDecision:
    """A decision record already serialised (:func:`crawler.recorder.record_line`).

    The crawl serialises each record once, for its log and for this writer, and sends the
    bytes instead of the object: the writer needs only the JSON and two fields of it.
    """

    line: bytes
    body_stored: bool = True
    decided_at: str | None = None

    @classmethod
    def of(cls, record: dict[str, Any], line: bytes | None = None) -> EncodedDecision:
        """Wrap ``record`` (serialised here when ``line`` is None)."""
        if line is None:
            line = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        fetch = record.get("fetch") or {}
        return cls(
            line=line,
            body_stored=bool(fetch.get("body_stored", True)),
            decided_at=record.get("decided_at"),
        )


def _encoded(decision: Any) -> EncodedDecision:
    """Accept an :class:`EncodedDecision`, a record's JSON dict or a typed record (``to_json``)."""
    if isinstance(decision, EncodedDecision):
        return decision
    if hasattr(decision, "to_json"):
        decision = decision.to_json()
    return EncodedDecision.of(decision)


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def sha1_b32(*parts: bytes) -> str:
    """``sha1:`` + Base32 of the SHA-1 of ``parts`` joined: the form warcio writes.

    Same string as :func:`crawler.exchange.sha1_b32` / warcio's digester; a SHA-1 is 160 bits,
    exactly 32 Base32 digits (no padding), so one integer walk replaces ``base64.b32encode``'s
    pure-Python loop (a fifth of the writer's CPU went there: ten encodings per capture).
    """
    h = hashlib.sha1()  # noqa: S324 - the WARC payload digest form (WARC 1.1 §5.9), not security
    for part in parts:
        h.update(part)
    n = int.from_bytes(h.digest(), "big")
    return "sha1:" + "".join([_B32[(n >> shift) & 31] for shift in range(155, -1, -5)])


EMPTY_DIGEST = sha1_b32(b"")


@cache
def _warcio() -> Any:
    """Return warcio's record classes, imported on first use.

    Importing warcio imports fsspec when it is installed (the export's dependencies bring it):
    ~0.3 s that the crawl process, which builds no record in the default writer-process mode,
    would otherwise spend before its first request.
    """
    from warcio.recordloader import ArcWarcRecord
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    return ArcWarcRecord, StatusAndHeaders, WARCWriter


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _safe_host(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-") or "host"


def ledger_path(warc: Path) -> Path:
    """``NAME.warc.gz`` -> ``NAME.urls``: the URLs archived in that file, one per line."""
    name = warc.name.removesuffix(OPEN_SUFFIX).removesuffix(WARC_SUFFIX)
    return warc.with_name(name + LEDGER_SUFFIX)


def write_ledger(warc: Path, urls: list[str] | io.BufferedRandom) -> Path:
    """Write the URL ledger of ``warc`` atomically (temp name, fsync, rename).

    ``urls``: the URLs, or a binary file already holding them as the ledger's lines (the
    writer's spool, copied from its start).
    """
    out = ledger_path(warc)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        if isinstance(urls, list):
            for url in urls:
                fh.write(url + "\n")
        else:
            fh.flush()
            urls.flush()
            urls.seek(0)
            shutil.copyfileobj(urls, fh.buffer)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(out)
    return out


_B32_TO_BASE32HEX = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv"
)
_SHA1_B32 = re.compile(r"sha1:[A-Z2-7]{32}")


def _digest_key(digest: str) -> bytes | str:
    """``sha1:`` + Base32 -> the 20 raw bytes (53 bytes as a key instead of 86); else as given.

    ``int(..., 32)`` reads base32hex digits, hence the translation (RFC 4648 §6 -> §7).
    """
    if _SHA1_B32.fullmatch(digest):
        return int(digest[5:].translate(_B32_TO_BASE32HEX), 32).to_bytes(20, "big")
    return digest


class PayloadIndex:
    """Bounded LRU map payload digest -> (uri, date, record id) for revisit records, on disk.

    Unbounded, this map would grow with every distinct payload of a crawl; bounded, it keeps
    the ``max_entries`` most recently stored or matched payloads, which is where repeats
    (boilerplate pages, mirrors, error pages) concentrate.

    The entries live in a private temporary SQLite database (``sqlite3.connect("")``: an
    unnamed file, deleted when closed or when the process dies) behind a page cache of
    ``cache_kib``, so the writer process stays the same size from the first capture to the
    last: an in-memory map of 100k entries held ~29 MB of the writer process (issue 17, "flat
    from 10k to 100k pages"), the database's cache holds 2 MiB and the rest is paged to disk.
    LRU order is a use counter per entry (``seq``, indexed): a hit or a store takes the next
    value, eviction deletes the lowest, so which payloads are remembered, and therefore which
    records become revisits, is exactly what the in-memory LRU gave. The key is the digest's
    20 raw bytes (a ``BLOB``) for ``sha1:`` + Base32 digests, any other digest as given (a
    ``TEXT``, never equal to a ``BLOB``: https://www.sqlite.org/datatype3.html#comparisons).
    :meth:`get` returns exactly the tuple given to :meth:`put`.
    """

    def __init__(self, max_entries: int, *, cache_kib: int = 2048) -> None:
        if max_entries < 0:
            raise ValueError("max_entries must be >= 0")
        self.max_entries = max_entries
        self.cache_kib = cache_kib
        self.evicted = 0
        self._len = 0
        self._seq = 0
        self._db: Any = None  # opened on the first put: a crawl without revisits needs none

    def _open(self) -> Any:
        import sqlite3

        # Autocommit (each statement is its own transaction); no journal and no fsync: the
        # database is scratch space, lost with the process by design.
        db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"PRAGMA cache_size = -{int(self.cache_kib)}")
        db.execute(
            "CREATE TABLE p (k PRIMARY KEY, seq INTEGER NOT NULL, uri TEXT NOT NULL,"
            " date TEXT NOT NULL, rid TEXT NOT NULL) WITHOUT ROWID"
        )
        db.execute("CREATE INDEX p_seq ON p (seq)")
        self._db = db
        return db

    def __len__(self) -> int:
        return self._len

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def get(self, digest: str) -> tuple[str, str, str] | None:
        db = self._db
        if db is None:
            return None
        key = _digest_key(digest)
        row = db.execute("SELECT uri, date, rid FROM p WHERE k = ?", (key,)).fetchone()
        if row is None:
            return None
        db.execute("UPDATE p SET seq = ? WHERE k = ?", (self._next(), key))
        return str(row[0]), str(row[1]), str(row[2])

    def put(self, digest: str, value: tuple[str, str, str]) -> None:
        if self.max_entries == 0:
            return
        db = self._db if self._db is not None else self._open()
        uri, date, record_id = value
        key = _digest_key(digest)
        seq = self._next()
        row = (key, seq, uri, date, record_id)
        if db.execute("INSERT OR IGNORE INTO p VALUES (?, ?, ?, ?, ?)", row).rowcount:
            self._len += 1
        else:  # known already: newest again, with this value
            db.execute(
                "UPDATE p SET seq = ?, uri = ?, date = ?, rid = ? WHERE k = ?", row[1:] + row[:1]
            )
        while self._len > self.max_entries:  # the least recently used go (MIN: the seq index)
            db.execute("DELETE FROM p WHERE seq = (SELECT MIN(seq) FROM p)")
            self._len -= 1
            self.evicted += 1

    def close(self) -> None:
        """Drop the database (its file goes with it)."""
        if self._db is not None:
            self._db.close()
            self._db = None


def next_serial(directory: Path) -> int:
    """First serial after every WARC (closed or open) already in ``directory``."""
    highest = -1
    if directory.is_dir():
        for p in directory.iterdir():
            m = NAME_RE.match(p.name)
            if m:
                highest = max(highest, int(m.group(1)))
    return highest + 1


class RotatingWarcWriter:
    """Append captures to size-rotated, per-record-gzipped WARC 1.1 files in ``directory``."""

    def __init__(
        self,
        directory: str | Path,
        *,
        prefix: str = "clearcrawl",
        host: str | None = None,
        max_bytes: int = 1_000_000_000,
        gzip_level: int = 6,
        warcinfo: dict[str, str] | None = None,
        on_closed: Callable[[Path], None] | None = None,
        dedupe: bool = True,
        dedupe_max_entries: int = 100_000,
        clock: Callable[[], datetime] = utc_now,
        cdxj: bool = False,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if not 0 <= gzip_level <= 9:
            raise ValueError("gzip_level must be between 0 and 9")
        if not re.fullmatch(r"[A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)*", prefix):
            raise ValueError(f"WARC prefix {prefix!r} must be letters, digits, '.', '_' or '-'")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.host = _safe_host(host or socket.gethostname())
        self.max_bytes = max_bytes
        self.gzip_level = gzip_level
        self.warcinfo = dict(warcinfo or {})
        self.on_closed = on_closed
        self.dedupe = dedupe
        self.clock = clock
        #: write each closed file's CDXJ index from lines made as records are written
        self.cdxj = cdxj
        self._index: CdxjCollector | None = None
        self._serial = next_serial(self.directory)
        self._fh: io.RawIOBase | None = None
        self._path: Path | None = None
        self._size = 0
        #: the open file's URLs, one a line (UTF-8), until :meth:`close` writes its ledger
        self._urls: io.BufferedRandom | None = None
        self._warcinfo_id = ""
        self.payloads = PayloadIndex(dedupe_max_entries if dedupe else 0)
        self._builder_obj: Any = None
        self.records_written = 0
        self.revisits_written = 0
        self.closed_files: list[Path] = []

    @property
    def _builder(self) -> Any:
        """Return warcio's record builder (created on first use: see :func:`_warcio`)."""
        if self._builder_obj is None:
            warc_writer = _warcio()[2]
            self._builder_obj = warc_writer(io.BytesIO(), gzip=False, warc_version=WARC_VERSION)
        return self._builder_obj

    # -- files ---------------------------------------------------------------------------
    @property
    def current_path(self) -> Path | None:
        return self._path

    def _open(self) -> None:
        stamp = self.clock().astimezone(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.host}{WARC_SUFFIX}"
            self._serial += 1
            path = self.directory / name
            if not path.exists() and not Path(str(path) + OPEN_SUFFIX).exists():
                break
        # "x": never clobber a file, even one another writer created a moment ago.
        self._fh = Path(str(path) + OPEN_SUFFIX).open("xb", buffering=0)  # noqa: SIM115
        # Held until close (the kernel drops it if we are killed): recovery checks it, so a
        # "--resume" never truncates a file a still-running crawl is appending to.
        fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._path = path
        self._size = 0
        self._urls = tempfile.TemporaryFile("w+b", dir=self.directory)  # noqa: SIM115 - closed in close()
        self._index = CdxjCollector(name) if self.cdxj else None
        fields = {
            "software": f"clearcrawl/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": CONFORMS_TO,
            "hostname": self.host,
            **self.warcinfo,
        }
        record = self._builder.create_warcinfo_record(name, fields)
        self._warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        self._write_batch([record])

    def _rotate_if_needed(self) -> None:
        if self._fh is None:
            self._open()
        elif self._size >= self.max_bytes:
            self.close()
            self._open()

    def close(self) -> Path | None:
        """Fsync and rename the open file, write its URL ledger, call ``on_closed``."""
        if self._fh is None or self._path is None:
            return None
        fh, path = self._fh, self._path
        self._fh = None
        self._path = None
        os.fsync(fh.fileno())
        fh.close()
        # Ledger first: a closed WARC without a ledger is rebuilt by scanning (recovery), a
        # ledger without its WARC is never read (the WARC name is still ".open").
        urls, self._urls = self._urls, None
        if urls is not None:
            try:
                write_ledger(path, urls)
            finally:
                urls.close()
        else:
            write_ledger(path, [])
        Path(str(path) + OPEN_SUFFIX).replace(path)
        _fsync_dir(self.directory)
        self.closed_files.append(path)
        index, self._index = self._index, None
        if index is not None:
            try:
                index.write(path)
            except Exception:  # the WARC is intact; whoever indexes closed files retries
                logger.exception("Writing the CDXJ index of %s failed", path)
                cdxj_path(path).with_name(cdxj_path(path).name + ".tmp").unlink(missing_ok=True)
        if self.on_closed is not None:
            self.on_closed(path)
        return path

    # -- records -------------------------------------------------------------------------
    def _encode(self, record: Any) -> bytes:
        buf = io.BytesIO()
        _warcio()[2](buf, gzip=False, warc_version=WARC_VERSION).write_record(record)
        comp = zlib.compressobj(self.gzip_level, zlib.DEFLATED, 31)
        return comp.compress(buf.getvalue()) + comp.flush()

    def _write_batch(self, records: list[Any]) -> list[RecordPointer]:
        """Compress ``records`` and hand them to the kernel in one ``write()``."""
        if self._fh is None or self._path is None:
            raise RuntimeError("no open WARC file")
        pointers: list[RecordPointer] = []
        chunks: list[bytes] = []
        offset = self._size
        for record in records:
            data = self._encode(record)
            chunks.append(data)
            if self._index is not None:
                self._index.add(record, offset, len(data))
            pointers.append(
                RecordPointer(
                    filename=self._path.name,
                    offset=offset,
                    length=len(data),
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                )
            )
            offset += len(data)
        blob = b"".join(chunks)
        view = memoryview(blob)
        while view:
            written = self._fh.write(view)
            if not written:
                raise OSError(f"short write to {self._path}{OPEN_SUFFIX}")
            view = view[written:]
        self._size = offset
        self.records_written += len(records)
        return pointers

    def _headers(self, record_id: str, date: str, **extra: str) -> dict[str, str]:
        headers = {"WARC-Record-ID": record_id, "WARC-Date": date}
        if self._warcinfo_id:
            headers["WARC-Warcinfo-ID"] = self._warcinfo_id
        headers.update({k: v for k, v in extra.items() if v})
        return headers

    def write_capture(
        self, exchange: Exchange, decision: dict[str, Any] | EncodedDecision
    ) -> dict[str, Any]:
        """Write request, response (or revisit) and metadata for one exchange.

        ``decision["fetch"]["body_stored"]`` False withholds the body. Returns the pointers,
        which are also what the manifest records.
        """
        self._rotate_if_needed()
        status_and_headers = _warcio()[1]
        date = iso(exchange.started_at)
        encoded = _encoded(decision)
        body_stored = encoded.body_stored
        digest = sha1_b32(exchange.body)  # = exchange.payload_digest, computed once here
        ip = {"WARC-IP-Address": exchange.ip_address} if exchange.ip_address else {}
        http_version = (
            exchange.protocol if exchange.protocol in ("HTTP/1.0", "HTTP/1.1") else "HTTP/1.1"
        )

        # request
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in exchange.request_headers
        ]
        req_http = status_and_headers(
            f"{exchange.method} {target} {http_version}", req_headers, is_http_request=True
        )
        req_record = self._record(
            exchange.url,
            "request",
            exchange.request_body,
            self._headers(
                exchange.request_record_id,
                date,
                **{"WARC-Concurrent-To": exchange.response_record_id},
                **ip,
            ),
            req_http,
        )

        # response / revisit
        status_line = f"{exchange.status} {_reason(exchange.status)}"
        resp_headers = exchange.stored_response_headers()
        revisit_of = self.payloads.get(digest) if (body_stored and exchange.body) else None
        extra: dict[str, str] = {"WARC-Concurrent-To": exchange.request_record_id}
        if exchange.truncated:
            extra["WARC-Truncated"] = exchange.truncated
        if revisit_of is not None:
            ref_uri, ref_date, ref_id = revisit_of
            http_headers = status_and_headers(status_line, resp_headers, protocol=http_version)
            resp_record = self._record(
                exchange.url,
                "revisit",
                b"",
                self._headers(
                    exchange.response_record_id,
                    date,
                    **{"WARC-Refers-To": ref_id},
                    **extra,
                    **ip,
                ),
                http_headers,
                # as warcio's create_revisit_record adds them (identical-payload-digest profile)
                after=[
                    ("WARC-Profile", self._builder.REVISIT_PROFILE_1_1),
                    ("WARC-Refers-To-Target-URI", ref_uri),
                    ("WARC-Refers-To-Date", ref_date),
                ],
                payload_digest=digest,
            )
            kind = "revisit"
            self.revisits_written += 1
        else:
            payload = exchange.body
            if not body_stored:
                payload = b""
                resp_headers = [(k, v) for k, v in resp_headers if k.lower() != "content-length"]
                resp_headers.append(("Content-Length", "0"))
                extra.update(
                    {
                        "WARC-Truncated": "unspecified",
                        "Clearcrawl-Withheld": "rights-reserved",
                        "Clearcrawl-Withheld-Payload-Digest": digest,
                        "Clearcrawl-Withheld-Length": str(len(exchange.body)),
                    }
                )
            http_headers = status_and_headers(status_line, resp_headers, protocol=http_version)
            resp_record = self._record(
                exchange.url,
                "response",
                payload,
                self._headers(exchange.response_record_id, date, **extra, **ip),
                http_headers,
                payload_digest=digest if body_stored else EMPTY_DIGEST,
            )
            kind = "response"
            if body_stored and exchange.body and not exchange.truncated:
                self.payloads.put(digest, (exchange.url, date, exchange.response_record_id))

        meta_record = self._metadata_record(
            encoded,
            date,
            exchange.metadata_record_id,
            refers_to=exchange.response_record_id,
        )
        # Request first, then response, then metadata: one write, so a crash cannot split them.
        req_ptr, resp_ptr, meta_ptr = self._write_batch([req_record, resp_record, meta_record])
        self._add_url(exchange.url)
        pointers = {
            "warc_file": resp_ptr.filename,
            "response_offset": resp_ptr.offset,
            "response_length": resp_ptr.length,
            "response_record_id": resp_ptr.record_id,
            "response_record_type": kind,
            "request_offset": req_ptr.offset,
            "payload_digest": digest,
            "metadata_offset": meta_ptr.offset,
        }
        if revisit_of is not None:
            pointers["revisit_of"] = revisit_of[2]
        return pointers

    def write_decision_only(
        self, url: str, decision: dict[str, Any] | EncodedDecision
    ) -> RecordPointer:
        """Write a metadata record for a URL refused before fetching (no exchange to refer to)."""
        self._rotate_if_needed()
        encoded = _encoded(decision)
        date = encoded.decided_at or iso(self.clock())
        record = self._metadata_record(encoded, date, new_record_id(), refers_to=None)
        (pointer,) = self._write_batch([record])
        self._add_url(url)
        return pointer

    def _add_url(self, url: str) -> None:
        if self._urls is not None:
            self._urls.write(url.encode("utf-8") + b"\n")

    def _metadata_record(
        self, decision: EncodedDecision, date: str, record_id: str, *, refers_to: str | None
    ) -> Any:
        body = decision.line
        extra = {"WARC-Refers-To": refers_to, "WARC-Concurrent-To": refers_to} if refers_to else {}
        return self._record(
            "",  # no WARC-Target-URI: see the module docstring (replay indexes)
            "metadata",
            body,
            self._headers(record_id, date, **extra),
            warc_content_type="application/json",
        )

    def _record(
        self,
        uri: str,
        record_type: str,
        payload: bytes,
        headers: dict[str, str],
        http_headers: StatusAndHeaders | None = None,
        *,
        after: list[tuple[str, str]] | None = None,
        payload_digest: str | None = None,
        warc_content_type: str = "",
    ) -> Any:
        """Build a record exactly as warcio's ``create_warc_record`` + ``write_record`` would.

        Same header order and values (``tests/crawler/test_warcwriter_fast.py`` compares the
        bytes with warcio's own path), but with the length given and both digests set here:
        warcio, given no length, copied each payload into a temporary file twice and digested
        it three times (the crawl's digest, at creation, again at writing); here the payload is
        hashed once and the block once (a metadata record's block *is* its payload: once).
        ``after``: headers warcio adds after creation (a revisit's profile and referents).
        """
        builder = self._builder
        warc_headers = builder._init_warc_headers(uri, record_type, headers)
        if not warc_content_type:
            warc_content_type = warc_headers.get_header("Content-Type") or builder.WARC_RECORDS.get(
                record_type, "application/warc-record"
            )
        record = _warcio()[0](
            "warc",
            record_type,
            warc_headers,
            io.BytesIO(payload),
            http_headers,
            warc_content_type,
            len(payload),
        )
        record.payload_length = len(payload)
        for name, value in after or ():
            warc_headers.add_header(name, value)
        head = b""
        if http_headers:
            http_headers.compute_headers_buffer(builder.header_filter)
            head = http_headers.headers_buff
        if payload_digest is None:
            payload_digest = sha1_b32(payload) if payload else EMPTY_DIGEST
        warc_headers.add_header("WARC-Payload-Digest", payload_digest)
        block = payload_digest if not head else sha1_b32(head, payload)
        warc_headers.add_header("WARC-Block-Digest", block)
        return record


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX: the directory entry lives in the directory's inode)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
