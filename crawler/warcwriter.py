"""Write captured exchanges and their rights decisions as WARC 1.1 files.

Scrapy-free, so it can be tested and benchmarked on its own; the Scrapy extension
(:mod:`crawler.extensions.warc`) feeds it from a background thread.

Per capture it writes, in one file and in this order (``shared/reference/warc.md``):

* ``request``  – the request line (path *and* query) and every header Scrapy sent;
* ``response`` – status line, every header as received (repeated ones kept) made consistent
  with the stored body (no hop-by-hop headers, ``Content-Length`` = stored length), and the body
  exactly as served (still content-encoded). When an AI/TDM reservation was found in the
  response, the body is withheld: the record keeps the headers, ``WARC-Truncated:
  unspecified`` and ``Clearcrawl-Withheld-*`` fields carrying the withheld payload's digest and
  length, so the exclusion is provable without retaining the work;
* ``revisit``  – instead of ``response`` when an identical payload was already stored
  (identical-payload-digest profile, WARC 1.1 §6.7.2);
* ``metadata`` – the decision as JSON, ``WARC-Refers-To`` the response/revisit record.

Every record is its own gzip member (compression level configurable: 6 gives warcio's level-9
size about a third faster). Files are named ``PREFIX-TIMESTAMP-SERIAL-HOST.warc.gz`` (WARC 1.1
Annex C), written as ``….warc.gz.open`` and renamed when closed, rotated between captures once
they exceed ``max_bytes``; each starts with a ``warcinfo`` record.
"""

from __future__ import annotations

import http
import io
import json
import logging
import os
import re
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import __version__
from crawler.exchange import Exchange, iso, new_record_id

logger = logging.getLogger(__name__)

WARC_VERSION = "1.1"
OPEN_SUFFIX = ".open"


@dataclass(frozen=True, slots=True)
class RecordPointer:
    """Where a record landed: enough for a reviewer to reopen the exact bytes."""

    filename: str
    offset: int
    length: int
    record_id: str


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _safe_host(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-") or "host"


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
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if not 0 <= gzip_level <= 9:
            raise ValueError("gzip_level must be between 0 and 9")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.host = _safe_host(host or socket.gethostname())
        self.max_bytes = max_bytes
        self.gzip_level = gzip_level
        self.warcinfo = dict(warcinfo or {})
        self.on_closed = on_closed
        self.dedupe = dedupe
        self._serial = 0
        self._fh: io.BufferedWriter | None = None
        self._path: Path | None = None
        self._size = 0
        self._warcinfo_id = ""
        self._seen: dict[str, tuple[str, str, str]] = {}  # payload digest -> (uri, date, record id)
        self._builder = WARCWriter(io.BytesIO(), gzip=False, warc_version=WARC_VERSION)
        self.records_written = 0
        self.closed_files: list[Path] = []

    # -- files ---------------------------------------------------------------------------
    @property
    def current_path(self) -> Path | None:
        return self._path

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.host}.warc.gz"
        self._serial += 1
        self._path = self.directory / name
        self._fh = open(str(self._path) + OPEN_SUFFIX, "wb")  # noqa: SIM115 - closed in close()
        self._size = 0
        fields = {
            "software": f"clearcrawl/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **self.warcinfo,
        }
        record = self._builder.create_warcinfo_record(name, fields)
        self._warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        self._append(record)

    def _rotate_if_needed(self) -> None:
        if self._fh is None:
            self._open()
        elif self._size >= self.max_bytes:
            self.close()
            self._open()

    def close(self) -> Path | None:
        """Flush, fsync and rename the open file; index it. Returns the closed path."""
        if self._fh is None or self._path is None:
            return None
        fh, path = self._fh, self._path
        self._fh = None
        self._path = None
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        os.replace(str(path) + OPEN_SUFFIX, path)
        self.closed_files.append(path)
        if self.on_closed is not None:
            self.on_closed(path)
        return path

    # -- records -------------------------------------------------------------------------
    def _append(self, record: Any) -> RecordPointer:
        assert self._fh is not None and self._path is not None
        buf = io.BytesIO()
        WARCWriter(buf, gzip=False, warc_version=WARC_VERSION).write_record(record)
        comp = zlib.compressobj(self.gzip_level, zlib.DEFLATED, 31)
        data = comp.compress(buf.getvalue()) + comp.flush()
        offset = self._size
        self._fh.write(data)
        self._size += len(data)
        self.records_written += 1
        return RecordPointer(
            filename=self._path.name,
            offset=offset,
            length=len(data),
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )

    def _headers(self, record_id: str, date: str, **extra: str) -> dict[str, str]:
        headers = {"WARC-Record-ID": record_id, "WARC-Date": date}
        if self._warcinfo_id:
            headers["WARC-Warcinfo-ID"] = self._warcinfo_id
        headers.update({k: v for k, v in extra.items() if v})
        return headers

    def write_capture(self, exchange: Exchange, decision: dict[str, Any]) -> dict[str, Any]:
        """Write request, response (or revisit) and metadata for one exchange.

        ``decision["fetch"]["body_stored"]`` False withholds the body. Returns the pointers,
        which are also what the manifest records.
        """
        self._rotate_if_needed()
        date = iso(exchange.started_at)
        body_stored = bool(decision.get("fetch", {}).get("body_stored", True))
        digest = exchange.payload_digest
        ip = {"WARC-IP-Address": exchange.ip_address} if exchange.ip_address else {}

        # request
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in exchange.request_headers]
        req_http = StatusAndHeaders(
            f"{exchange.method} {target} HTTP/1.1", req_headers, is_http_request=True
        )
        req_record = self._builder.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            http_headers=req_http,
            warc_headers_dict=self._headers(
                exchange.request_record_id,
                date,
                **{"WARC-Concurrent-To": exchange.response_record_id},
                **ip,
            ),
        )

        # response / revisit
        status_line = f"{exchange.status} {_reason(exchange.status)}"
        resp_headers = exchange.stored_response_headers()
        revisit_of = self._seen.get(digest) if (self.dedupe and body_stored and exchange.body) else None
        extra: dict[str, str] = {}
        if exchange.truncated:
            extra["WARC-Truncated"] = exchange.truncated
        if revisit_of is not None:
            ref_uri, ref_date, ref_id = revisit_of
            http_headers = StatusAndHeaders(status_line, resp_headers, protocol="HTTP/1.1")
            resp_record = self._builder.create_revisit_record(
                exchange.url,
                digest,
                ref_uri,
                ref_date,
                http_headers=http_headers,
                warc_headers_dict=self._headers(
                    exchange.response_record_id,
                    date,
                    **{"WARC-Refers-To": ref_id},
                    **ip,
                ),
            )
            kind = "revisit"
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
            http_headers = StatusAndHeaders(status_line, resp_headers, protocol="HTTP/1.1")
            resp_record = self._builder.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(payload),
                http_headers=http_headers,
                warc_headers_dict=self._headers(exchange.response_record_id, date, **extra, **ip),
            )
            kind = "response"
            if body_stored and exchange.body and self.dedupe:
                self._seen[digest] = (exchange.url, date, exchange.response_record_id)

        # Write request first, then response (readers pair them by WARC-Concurrent-To).
        req_ptr = self._append(req_record)
        resp_ptr = self._append(resp_record)
        pointers = {
            "warc_file": resp_ptr.filename,
            "response_offset": resp_ptr.offset,
            "response_length": resp_ptr.length,
            "response_record_id": resp_ptr.record_id,
            "response_record_type": kind,
            "request_offset": req_ptr.offset,
            "payload_digest": digest,
        }
        if revisit_of is not None:
            pointers["revisit_of"] = revisit_of[2]
        meta_ptr = self._write_metadata(
            exchange.url, date, decision, exchange.metadata_record_id, refers_to=resp_ptr.record_id
        )
        pointers["metadata_offset"] = meta_ptr.offset
        return pointers

    def write_decision_only(self, url: str, decision: dict[str, Any]) -> RecordPointer:
        """A metadata record for a URL refused before fetching (no exchange to refer to)."""
        self._rotate_if_needed()
        return self._write_metadata(url, decision.get("decided_at") or iso(datetime.now(UTC)),
                                    decision, new_record_id(), refers_to=None)

    def _write_metadata(
        self, url: str, date: str, decision: dict[str, Any], record_id: str, *, refers_to: str | None
    ) -> RecordPointer:
        body = json.dumps(decision, ensure_ascii=False, sort_keys=True).encode("utf-8")
        extra = {"WARC-Refers-To": refers_to} if refers_to else {}
        record = self._builder.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(body),
            warc_content_type="application/json",
            warc_headers_dict=self._headers(record_id, date, **extra),
        )
        return self._append(record)
