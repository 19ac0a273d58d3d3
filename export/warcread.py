"""Stream captures out of clearcrawl WARC files, one at a time.

A *capture* is a response (or revisit) record joined with the ``metadata`` record that refers
to it (clearcrawl writes request, response, metadata in that order). Metadata records for URLs
refused before fetching come out as captures without a response. Nothing is materialised beyond
the current capture: memory stays flat whatever the crawl's size.

Sources: a local folder (``DIR/warc/*.warc.gz`` or ``DIR/*.warc.gz``), a single file, or an
``s3://bucket/prefix`` URL (read with boto3, streamed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from filters._headers import Headers, normalize_headers


class SourceError(ValueError):
    """The export input is missing, empty or unreadable (the message says which)."""


@dataclass(slots=True)
class Capture:
    """One archived exchange (or a refused URL) and the decision recorded for it."""

    url: str
    warc_file: str
    record_type: str  # "response", "revisit" or "" (decision only)
    record_id: str = ""
    offset: int = -1
    date: str = ""
    status: int = 0
    headers: Headers = ()
    body: bytes = b""
    payload_digest: str = ""
    withheld: bool = False
    refers_to: str = ""
    metadata: dict[str, Any] | None = None
    metadata_offset: int = -1
    problems: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str((self.metadata or {}).get("kind", "page"))


def list_warcs(source: str | Path) -> list[str]:
    """Sorted WARC paths or ``s3://`` URLs under ``source``."""
    src = str(source)
    if src.startswith("s3://"):
        from export.s3source import list_s3_warcs

        return list_s3_warcs(src)
    p = Path(src)
    if not p.exists():
        raise SourceError(f"{src} does not exist")
    if p.is_file():
        return [str(p)]
    files = sorted(
        str(f) for f in p.rglob("*") if f.is_file() and f.name.endswith((".warc.gz", ".warc"))
    )
    if not files:
        raise SourceError(f"no WARC files (*.warc.gz) under {src}; is it a clearcrawl crawl folder?")
    return files


def open_warc(path: str) -> IO[bytes]:
    if path.startswith("s3://"):
        from export.s3source import open_s3

        return open_s3(path)
    return open(path, "rb")  # noqa: SIM115 - closed by the caller


def iter_captures(path: str) -> Iterator[Capture]:
    """Yield captures of one WARC file in record order."""
    name = path.rsplit("/", 1)[-1]
    pending: Capture | None = None
    with open_warc(path) as fh:
        it = ArchiveIterator(fh, no_record_parse=False, arc2warc=False)
        for record in it:
            rtype = record.rec_type
            h = record.rec_headers
            if rtype in ("response", "revisit"):
                if pending is not None:
                    yield pending
                status = 0
                headers: Headers = ()
                if record.http_headers is not None:
                    try:
                        status = int(record.http_headers.get_statuscode() or 0)
                    except ValueError:
                        status = 0
                    headers = normalize_headers(record.http_headers.headers)
                body = record.raw_stream.read() if rtype == "response" else b""
                pending = Capture(
                    url=h.get_header("WARC-Target-URI") or "",
                    warc_file=name,
                    record_type=rtype,
                    record_id=h.get_header("WARC-Record-ID") or "",
                    offset=it.get_record_offset(),
                    date=h.get_header("WARC-Date") or "",
                    status=status,
                    headers=headers,
                    body=body,
                    payload_digest=h.get_header("WARC-Payload-Digest") or "",
                    withheld=bool(h.get_header("Clearcrawl-Withheld")),
                    refers_to=h.get_header("WARC-Refers-To") or "",
                )
                if pending.withheld:
                    pending.payload_digest = h.get_header("Clearcrawl-Withheld-Payload-Digest") or ""
            elif rtype == "metadata":
                raw = record.content_stream().read()
                try:
                    meta = json.loads(raw)
                except ValueError:
                    meta = None
                refers = h.get_header("WARC-Refers-To") or ""
                if pending is not None and refers == pending.record_id:
                    pending.metadata = meta
                    pending.metadata_offset = it.get_record_offset()
                    if meta is None:
                        pending.problems.append("metadata record is not valid JSON")
                    yield pending
                    pending = None
                elif not refers and isinstance(meta, dict):
                    if pending is not None:
                        yield pending
                        pending = None
                    yield Capture(
                        url=h.get_header("WARC-Target-URI") or str(meta.get("url", "")),
                        warc_file=name,
                        record_type="",
                        metadata=meta,
                        metadata_offset=it.get_record_offset(),
                        date=h.get_header("WARC-Date") or "",
                    )
            # request and warcinfo records carry nothing the decision needs
        if pending is not None:
            yield pending
