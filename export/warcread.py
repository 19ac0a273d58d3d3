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

import gzip
import hashlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from warcio.archiveiterator import ArchiveIterator

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
    is_archive_name,
    list_sources,
    list_warcs,
    open_warc,
    whole_stream_gzip,
)

__all__ = [
    "ARCHIVE_SUFFIXES",
    "LOOKED_FOR",
    "Capture",
    "Damage",
    "HashingReader",
    "WarcDamagedError",
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
) -> Iterator[Capture]:
    """Yield captures of one WARC file in record order.

    ``reader`` (a :class:`HashingReader` over :func:`open_warc`) lets the caller digest the file
    while it streams; it is drained and closed here. Where the file is damaged, reading resumes
    at the next record that parses whole (:func:`next_record_start`); each damage is passed to
    ``on_damage`` once the file is done (without one, the first raises
    :class:`WarcDamagedError`).
    """
    name = path.rsplit("/", 1)[-1]
    pairing = _Pairing()
    damages: list[Damage] = []
    fh: Any = reader if reader is not None else open_warc(path)
    handle: Any = fh
    raw: Any = reader.raw if reader is not None else None
    if reader is not None and isinstance(raw, gzip.GzipFile):
        # one gzip stream: digest the file's bytes, parse the decompressed ones
        reader.raw = cast("IO[bytes]", raw.fileobj)
        handle = gzip.GzipFile(fileobj=cast("Any", reader), mode="rb")
    try:
        while True:
            damage = yield from _read_records(handle, name, pairing)
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


@dataclass(slots=True)
class _Pairing:
    """The response/revisit capture waiting for its metadata record."""

    pending: Capture | None = None
    last_start: int = -1  # where the last record read began (for the end-of-file check)


def _read_records(fh: Any, name: str, pairing: _Pairing) -> Generator[Capture, None, Damage | None]:
    """Yield captures from ``fh``'s position on; return the damage that stopped it, if any."""
    it = ArchiveIterator(fh, no_record_parse=False, arc2warc=True)
    # warcio prints (and reads past) a record followed by something other than blank lines: a
    # wrong Content-Length. Silence the print; the error count is damage here.
    it.INC_RECORD = ""
    records = iter(it)
    while True:
        start = it.offset  # where the next record begins (warcio keeps it absolute)
        try:
            record = next(records, None)
            if record is None:
                return None
            pairing.last_start = start
            rtype = record.rec_type
            h = record.rec_headers
            capture: Capture | None = None
            meta: dict[str, Any] | None = None
            if rtype in ("response", "revisit") or (
                rtype == "resource" and _is_web_uri(h.get_header("WARC-Target-URI") or "")
            ):
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


def _is_web_uri(uri: str) -> bool:
    """Whether a resource record is a web page (wget's ``metadata://`` log records are not)."""
    return uri.lower().startswith(("http://", "https://"))
