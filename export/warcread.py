"""Stream captures out of clearcrawl WARC files, one at a time.

A *capture* is a response (or revisit) record joined with the ``metadata`` record that refers
to it (clearcrawl writes request, response, metadata in that order). Metadata records for URLs
refused before fetching come out as captures without a response. Nothing is materialised beyond
the current capture: memory stays flat whatever the crawl's size.

Sources: a local folder (``DIR/warc/*.warc.gz`` or ``DIR/*.warc.gz``), a single file, or an
``s3://bucket/prefix`` URL (read with boto3, streamed; :mod:`export.s3source`).

Archives written by other tools (issue 14) are read too: WARC 1.0 and 1.1, gzip per record
(WARC 1.1 Annex D.2) or not compressed, a ``.warc.gz`` compressed as one gzip stream (read
through :mod:`gzip`; its record offsets are then offsets in the uncompressed stream, which
:func:`read_record_at` seeks the same way), ARC files (``.arc``/``.arc.gz``, converted by
warcio's ``arc2warc``), and ``resource`` records of ``http(s)`` URLs (no HTTP headers: the
record's ``Content-Type`` stands for the response's).

This module holds the streaming reader (:func:`iter_captures`, :class:`HashingReader`, which
digests each file as it streams by so the dataset card can name the exact WARC files it was
derived from) and re-exports its siblings' names: :mod:`export.capture` (the
:class:`Capture`), :mod:`export.warcsource` (finding and opening archives),
:mod:`export.warcrecord` (single records reopened by offset: :func:`read_record_at`) and
:mod:`export.warcdamage` (:class:`Damage`, reading on past damaged bytes).

A damaged file (cut mid-record, or bytes that do not parse as WARC) is read up to the last
complete record; :func:`iter_captures` then reports a :class:`Damage` (kind and byte offset)
instead of raising, so the caller can say which file is incomplete and where. A record cut
short never becomes a capture: a page whose decision record is lost comes out without one
(excluded as ``no-decision-record``, fail closed).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any, cast

from fastwarc.warc import ArchiveIterator as FastArchiveIterator
from fastwarc.warc import WarcRecordType
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders

from export.capture import Capture
from export.warcdamage import (
    Damage,
    WarcDamagedError,
    _cut_short,
    _one_line,
    _unfinished_member,
    next_record_start,
)
from export.warcrecord import (
    _capture,
    capture_from_response,
    read_capture_at,
    read_metadata,
    read_record_at,
    read_warcinfo,
    resolve_revisit,
    status_and_headers,
)
from export.warcsource import (
    ARCHIVE_SUFFIXES,
    LOOKED_FOR,
    archive_iterator,
    is_archive_name,
    list_sources,
    list_warcs,
    open_warc,
    warc_name,
    whole_stream_gzip,
)

__all__ = [
    "ARCHIVE_SUFFIXES",
    "FAST_RECORD_TYPES",
    "LOOKED_FOR",
    "Capture",
    "Damage",
    "FastArchiveIterator",
    "FastRecord",
    "FastSplitter",
    "HashingReader",
    "WarcDamagedError",
    "archive_iterator",
    "capture_from_response",
    "is_archive_name",
    "iter_captures",
    "list_sources",
    "list_warcs",
    "next_record_start",
    "open_warc",
    "read_capture_at",
    "read_metadata",
    "read_record_at",
    "read_warcinfo",
    "resolve_revisit",
    "status_and_headers",
    "warc_name",
    "whole_stream_gzip",
]


class HashingReader:
    """File-like wrapper that sha256-digests every byte read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        self.sha256.update(data)
        self.bytes_read += len(data)
        return data

    def tell(self) -> int:
        return self.bytes_read

    def drain(self) -> None:
        """Read what the parser left (trailing bytes) so the digest covers the whole file."""
        while self.read(1 << 20):
            pass

    def close(self) -> None:
        self.raw.close()


def iter_captures(
    path: str,
    *,
    reader: HashingReader | None = None,
    on_damage: Callable[[Damage], None] | None = None,
    fast: bool = True,
) -> Iterator[Capture]:
    """Yield captures of one WARC file in record order.

    ``reader`` (a :class:`HashingReader` over :func:`open_warc`) lets the caller digest the file
    while it streams; it is drained and closed here. Where the file is damaged, reading resumes
    at the next record that parses whole (:func:`next_record_start`); each damage is passed to
    ``on_damage`` once the file is done (without one, the first raises
    :class:`WarcDamagedError`).

    Records are split by FastWARC where it can (:func:`_read_records_fast`; ``fast=False``
    reads with warcio alone, the reference the fast path is tested against), by warcio where
    it cannot: ARC files, one-stream gzip, the last record of a file, and from the first
    damage on.
    """
    name = warc_name(path)
    pairing = _Pairing()
    damages: list[Damage] = []
    fh: Any = reader if reader is not None else open_warc(path)
    handle: Any = fh
    raw: Any = reader.raw if reader is not None else None
    if reader is not None and isinstance(raw, gzip.GzipFile):
        # one gzip stream: digest the file's bytes, parse the decompressed ones
        reader.raw = cast("IO[bytes]", raw.fileobj)
        handle = gzip.GzipFile(fileobj=cast("Any", reader), mode="rb")
    skip = False
    try:
        if fast and handle is fh and not name.lower().endswith((".arc", ".arc.gz")):
            fast_end, skip = yield from _read_records_fast(fh, name, pairing)
            handle = open_warc(path)
            handle.seek(fast_end)
        unread = None if whole_stream_gzip(path) else functools.partial(_unread_after, path)
        while True:
            damage = yield from _read_records(
                handle, name, pairing, skip_first=skip, unread_at=unread
            )
            skip = False
            if handle is not fh:
                handle.close()
            if damage is None:
                cut = (
                    _unfinished_member(path, pairing.last_start)
                    if pairing.last_start >= 0
                    else None
                )
                if cut is not None:
                    # warcio ends quietly on a cut gzip member whose bytes inflate too little
                    # to be a record: the file still ends inside a record.
                    detail = "the file ends inside a record's gzip member"
                    damages.append(Damage(name, "truncated", cut, detail))
                break
            if pairing.pending is not None:
                pairing.pending.problems.append(
                    f"{name} is damaged at byte offset {damage.offset}, after this capture's "
                    "response record"
                )
            resume = next_record_start(path, damage.offset + 1)
            if resume is None:
                if damage.kind == "corrupt" and _unfinished_member(path, damage.offset) is not None:
                    # The record fails to parse because the file stops inside it (a cut gzip
                    # member), not because its bytes are wrong: that is a truncation.
                    damage = Damage(name, "truncated", damage.offset, damage.detail)
                damages.append(damage)
                break
            damages.append(Damage(name, "corrupt", damage.offset, damage.detail, resumed_at=resume))
            handle = open_warc(path)
            handle.seek(resume)
        if pairing.pending is not None:
            yield pairing.pending
        if reader is not None:
            reader.drain()
        if pairing.last_start < 0 and not damages:
            # not one record parsed and no error raised (an empty file, or gzip that inflates
            # to nothing): the file is not an archive, and saying nothing would hide it
            damages.append(
                Damage(name, "corrupt", 0, "the file holds no readable WARC or ARC record")
            )
    finally:
        fh.close()
    for damage in damages:
        if on_damage is None:
            raise WarcDamagedError(damage)
        on_damage(damage)


def _unread_after(path: str, offset: int) -> bool:
    """Whether ``path`` holds more than blank lines from ``offset`` on (a record warcio skipped)."""
    with open_warc(path) as fh:
        fh.seek(offset)
        return bool(fh.read(4096).strip(b"\r\n\t "))


@dataclass(slots=True)
class _Pairing:
    """The response/revisit capture waiting for its metadata record."""

    pending: Capture | None = None
    last_start: int = -1  # where the last record read began (for the end-of-file check)


def _read_records(
    fh: Any,
    name: str,
    pairing: _Pairing,
    *,
    skip_first: bool = False,
    unread_at: Callable[[int], bool] | None = None,
) -> Generator[Capture, None, Damage | None]:
    """Yield captures from ``fh``'s position on; return the damage that stopped it, if any.

    With ``skip_first``, the first record (already taken from FastWARC) is read again and
    dropped: warcio then meets what follows in the state it would be in had it read the file
    from its start, so its damage reports are the same.

    warcio ends quietly when a gzip member fails to decompress past its first block (it
    prints the zlib error and reads on as if the file ended there): ``unread_at(offset)``
    says whether bytes remain where it stopped, and they are then reported as damage, so the
    records after them are read on, not lost.
    """
    it = archive_iterator(fh, no_record_parse=False)
    # warcio prints (and reads past) a record followed by something other than blank lines: a
    # wrong Content-Length. Silence the print; the error count is damage here.
    it.INC_RECORD = ""
    records = iter(it)
    while True:
        start = it.offset  # where the next record begins (warcio keeps it absolute)
        try:
            record = next(records, None)
            if record is None:
                if unread_at is not None and unread_at(it.offset):
                    detail = "the bytes here do not read as a record (gzip data error)"
                    return Damage(name, "corrupt", it.offset, detail)
                return None
            pairing.last_start = start
            rtype = record.rec_type
            h = record.rec_headers
            capture: Capture | None = None
            meta: dict[str, Any] | None = None
            if _is_capture(rtype, h):
                capture = capture_from_response(record, name, it)
            elif rtype == "metadata":
                meta = read_metadata(record)
            offset = it.get_record_offset()  # reads the record to its end
            short = _cut_short(record, it)
        except Exception as exc:  # noqa: BLE001 - any parse failure is damage, reported
            return Damage(name, "corrupt", start, _one_line(exc))
        if short is not None:
            return Damage(name, "truncated", offset, f"{rtype or 'a'} record: {short}")
        if it.err_count:
            return Damage(
                name,
                "corrupt",
                offset,
                f"{rtype or 'a'} record: its block runs past its Content-Length",
            )
        if skip_first:
            skip_first = False
            continue
        yield from _pair(pairing, name, rtype, h, capture, meta, offset)


def _pair(
    pairing: _Pairing,
    name: str,
    rtype: str,
    h: Any,
    capture: Capture | None,
    meta: dict[str, Any] | None,
    offset: int,
) -> Iterator[Capture]:
    """Join one whole record with the capture waiting for it; yield what is complete."""
    pending = pairing.pending
    if capture is not None:
        if pending is not None:
            yield pending
        pairing.pending = capture
    elif rtype == "metadata":
        refers = h.get_header("WARC-Refers-To") or ""
        if pending is not None and refers == pending.record_id:
            pending.metadata = meta
            pending.metadata_offset = offset
            pending.metadata_record_id = h.get_header("WARC-Record-ID") or ""
            if meta is None:
                pending.problems.append("metadata record is not valid JSON")
            pairing.pending = None
            yield pending
        elif not refers and isinstance(meta, dict):
            if pending is not None:
                pairing.pending = None
                yield pending
            yield Capture(
                url=h.get_header("WARC-Target-URI") or str(meta.get("url", "")),
                warc_file=name,
                record_type="",
                metadata=meta,
                metadata_offset=offset,
                metadata_record_id=h.get_header("WARC-Record-ID") or "",
                date=h.get_header("WARC-Date") or "",
            )
    # request and warcinfo records carry nothing the decision needs


class FastRecord:
    """A record FastWARC split out, read whole, in the shape :func:`_capture` reads.

    Only the splitting (gzip members, WARC headers, the block by its ``Content-Length``) is
    FastWARC's; the HTTP status and headers are parsed by warcio's own loader with warcio's
    options, and the WARC header values decoded as warcio decodes them, so a capture read here
    equals the one warcio would give.
    """

    __slots__ = ("block", "body", "http_headers", "offset", "rec_headers", "rec_type")

    def __init__(self, record: Any, rec_type: str) -> None:
        self.rec_type = rec_type
        self.offset: int = record.stream_pos
        fields = [(_decode(k), _decode(v)) for k, v in record.headers.items_bytes()]
        self.rec_headers = StatusAndHeaders("", fields, protocol="")
        uri = self.rec_headers.get_header("WARC-Target-URI")
        if uri is not None and uri.startswith("<") and uri.endswith(">"):  # as warcio (wget 1.19)
            uri = uri[1:-1]
        if uri is not None and " " in uri:
            uri = uri.replace(" ", "%20")
        if uri is not None:
            self.rec_headers.replace_header("WARC-Target-URI", uri)
        self.block: bytes = record.reader.read()
        if len(self.block) != record.content_length:
            raise ValueError("record block shorter than its Content-Length")
        # every record goes through warcio's HTTP step, as in warcio (which fails on some)
        stream = BytesIO(self.block)
        self.http_headers: Any = _LOADER.load_http_headers(rec_type, uri, stream, len(self.block))
        self.body = self.block[stream.tell() :] if self.http_headers is not None else self.block


#: warcio's record loader as ``ArchiveIterator(fh, arc2warc=True)`` builds it (no HTTP check)
_LOADER = ArcWarcRecordLoader(verify_http=False, arc2warc=True)


def _decode(raw: bytes) -> str:
    """Decode a header name or value as warcio does: UTF-8, else ISO-8859-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("iso-8859-1")


def _fast_record_types() -> dict[int, str]:
    names = ("warcinfo", "response", "resource", "request", "metadata", "revisit")
    return {int(getattr(WarcRecordType, n)): n for n in names}


FAST_RECORD_TYPES = _fast_record_types()


class FastSplitter:
    """The records FastWARC splits out of ``fh``, each given once the next one has parsed.

    FastWARC in strict mode shows a wrong ``Content-Length`` or a cut record as a failure at
    the record after it, so the record before a failure, and the file's last record, are held
    back (:attr:`held`) for warcio to read; :attr:`failed` says FastWARC stopped before the
    file's end (a record it cannot parse, an unknown record type, an error of its own).
    """

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.held: FastRecord | None = None
        self.failed = False

    def __iter__(self) -> Iterator[FastRecord]:
        try:
            for record in FastArchiveIterator(self.fh, parse_http=False, fsspec_args=False):
                rec_type = FAST_RECORD_TYPES.get(int(record.record_type), "")
                if not rec_type:
                    # conversion/continuation/unknown: warcio's reading of them is the reference
                    self.failed = True
                    return
                current = FastRecord(record, rec_type)
                if self.held is not None:
                    yield self.held
                self.held = current
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException:  # noqa: BLE001 - incl. pyo3's PanicException: warcio reads on
            self.failed = True


def _read_records_fast(
    fh: Any, name: str, pairing: _Pairing
) -> Generator[Capture, None, tuple[int, bool]]:
    """Yield captures split by FastWARC (~2.6x warcio's speed); return where warcio resumes.

    A record is taken from FastWARC only once the record after it has parsed (strict mode): a
    wrong ``Content-Length`` or a cut record then shows as a failure at the next one, and the
    record before it is left to warcio. So the file's last record, anything FastWARC cannot
    split (ARC, damage, a block shorter than its length) and everything after it are read by
    :func:`_read_records`, with its damage reporting unchanged. It resumes at the last record
    taken (to be read again and skipped, the returned flag), or at the file's start.
    """
    taken = -1
    try:
        for rec in FastSplitter(fh):
            yield from _fast_pair(rec, name, pairing)
            taken = rec.offset
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # noqa: BLE001, S110 - a capture not built: warcio reads it again
        pass
    return (taken, True) if taken >= 0 else (0, False)


def _fast_pair(rec: FastRecord, name: str, pairing: _Pairing) -> Iterator[Capture]:
    pairing.last_start = rec.offset
    rtype = rec.rec_type
    h = rec.rec_headers
    capture: Capture | None = None
    meta: dict[str, Any] | None = None
    if _is_capture(rtype, h):
        body = rec.body if rtype in ("response", "resource") else b""
        capture = _capture(rec, name, rec.offset, body)
    elif rtype == "metadata":
        try:
            parsed = json.loads(rec.block)
        except ValueError:
            parsed = None
        meta = parsed if isinstance(parsed, dict) else None
    yield from _pair(pairing, name, rtype, h, capture, meta, rec.offset)


def _is_capture(rtype: str, h: Any) -> bool:
    """Whether a record is an archived exchange: a response, a revisit, a web resource."""
    return rtype in ("response", "revisit") or (
        rtype == "resource" and _is_web_uri(h.get_header("WARC-Target-URI") or "")
    )


def _is_web_uri(uri: str) -> bool:
    """Whether a resource record is a web page (wget's ``metadata://`` log records are not)."""
    return uri.lower().startswith(("http://", "https://"))
