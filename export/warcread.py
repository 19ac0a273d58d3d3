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

Reviewers reopen single records with :func:`read_record_at` (seek to the offset the manifest
gives, parse one record), and :class:`HashingReader` digests each file as it streams by, so
the dataset card can name the exact WARC files (sha256) it was derived from.

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
import logging
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

from warcio.archiveiterator import ArchiveIterator
from warcio.limitreader import LimitReader

from export.digests import digest_matches
from export.errors import SourceError
from export.manifest import RecordPointer
from filters.headers import Headers, normalize_headers
from filters.record import DecisionRecord, RecordError

# warcio logs every repaired header (e.g. "Replacing spaces in invalid WARC-Target-URI", with
# the garbage it read) at WARNING; the damage is reported here, once, with file and offset.
logging.getLogger("warcio").setLevel(logging.ERROR)


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
    metadata_record_id: str = ""
    stored_payload_digest: str = ""
    #: for a revisit: the earlier response record whose payload it repeats, once resolved
    payload_from: RecordPointer | None = None
    #: written by a tool other than clearcrawl (no decision record to expect; issue 14)
    foreign: bool = False
    #: the record's ``WARC-Truncated`` reason (WARC 1.1 §5.13), empty when whole
    truncated: str = ""
    #: a foreign file's provenance (``export.foreign.ArchiveInfo.to_json``), for its manifest
    source_info: dict[str, Any] | None = None
    #: ``metadata`` as last parsed, and the result (the export asks several times per capture)
    _parsed: tuple[object, DecisionRecord | RecordError] | None = field(
        default=None, repr=False, compare=False
    )

    def decision(self) -> DecisionRecord:
        """Parse the crawl's decision record.

        Raises :class:`filters.record.RecordError` when there is none or it is malformed: the
        export then excludes the page as ``no-decision-record`` (fail closed). The result is
        kept until ``metadata`` is replaced (a record is never edited in place once read).
        """
        meta = self.metadata
        if meta is None:
            raise RecordError("no decision record")
        cached = self._parsed
        if cached is None or cached[0] is not meta:
            try:
                result: DecisionRecord | RecordError = DecisionRecord.from_json(meta)
            except RecordError as exc:
                result = exc
            self._parsed = cached = (meta, result)
        if isinstance(cached[1], RecordError):
            raise cached[1]
        return cached[1]

    @property
    def record(self) -> DecisionRecord | None:
        """The crawl's decision record, or None when there is none or it is malformed."""
        try:
            return self.decision()
        except RecordError:
            return None

    @property
    def kind(self) -> str:
        """What was fetched (``page``, ``robots.txt``…) according to the decision record.

        A capture without a readable record is a page, so that it is decided (and excluded),
        never set aside as policy-file evidence.
        """
        record = self.record
        return "page" if record is None else record.kind


#: File names read as archives: WARC (gzip per record, one gzip stream, or plain) and ARC.
ARCHIVE_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")
#: How :func:`list_warcs` says what it looked for.
LOOKED_FOR = "*.warc.gz, *.warc, *.arc.gz or *.arc"


def list_warcs(source: str | Path) -> list[str]:
    """Sorted WARC (and ARC) paths or ``s3://`` URLs under ``source``."""
    src = str(source)
    if src.startswith("s3://"):
        from export.s3source import list_s3_warcs

        return list_s3_warcs(src)
    p = Path(src)
    if not p.exists():
        raise SourceError(f"{src} does not exist (looked for {LOOKED_FOR} files there)")
    if p.is_file():
        return [str(p)]
    files = sorted(
        str(f) for f in p.rglob("*") if f.is_file() and f.name.endswith(ARCHIVE_SUFFIXES)
    )
    if not files:
        raise SourceError(
            f"no WARC files ({LOOKED_FOR}) under {src}; is it a crawl folder or a folder of "
            "WARC files?"
        )
    return files


def list_sources(sources: Sequence[str | Path]) -> list[str]:
    """List the archives of several sources, in the order given, each once."""
    out: list[str] = []
    seen: set[str] = set()
    for source in sources:
        for path in list_warcs(source):
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out


def _open_raw(path: str) -> IO[bytes]:
    if path.startswith("s3://"):
        from export.s3source import open_s3

        return open_s3(path)
    return Path(path).open("rb")


def open_warc(path: str) -> IO[bytes]:
    """Open a local WARC file or an ``s3://`` object for binary reading.

    A ``.warc.gz`` compressed as one gzip stream (not one member per record) is opened
    decompressed (:func:`whole_stream_gzip`): its offsets are offsets in the WARC itself.
    """
    fh = _open_raw(path)
    if whole_stream_gzip(path):
        return cast("IO[bytes]", gzip.GzipFile(fileobj=fh, mode="rb"))
    return fh


@functools.lru_cache(maxsize=4096)
def whole_stream_gzip(path: str) -> bool:
    """Whether ``path`` is a gzip file whose first member holds more than one WARC record.

    WARC 1.1 Annex D.2 wants one member per record so that records can be reached by offset;
    some tools compress the whole file as one stream instead. warcio refuses such a file
    (``ArchiveLoadFailed: non-chunked gzip file``); it is still a valid WARC, read here
    through :mod:`gzip`. Decided from the first two records.
    """
    if not path.endswith(".gz"):
        return False
    try:
        with _open_raw(path) as fh:
            it = ArchiveIterator(fh, arc2warc=True)
            records = iter(it)
            for _ in range(2):
                record = next(records, None)
                if record is None:
                    return False
                record.raw_stream.read()
    except Exception as exc:  # noqa: BLE001 - any other failure is damage, found later
        return "non-chunked gzip" in str(exc)
    return False


def is_archive_name(name: str) -> bool:
    """Whether a file name is one :func:`list_warcs` reads."""
    return name.endswith(ARCHIVE_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Damage:
    """Where a WARC file stops being readable: ``truncated`` (ends mid-record) or ``corrupt``."""

    file: str
    kind: Literal["truncated", "corrupt"]
    offset: int
    detail: str
    #: where reading went on (the next record that parses whole); None: nothing after it
    resumed_at: int | None = None

    def message(self) -> str:
        where = f"{self.file} is {self.kind} at byte offset {self.offset} ({self.detail})"
        if self.resumed_at is None:
            return f"{where}; records from there on were not read"
        return f"{where}; bytes {self.offset}-{self.resumed_at - 1} skipped, read on from there"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "offset": self.offset,
            "detail": self.detail,
            "resumed_at": self.resumed_at,
        }


class WarcDamagedError(ValueError):
    """A WARC file is truncated or corrupt (raised when no damage callback is given)."""

    def __init__(self, damage: Damage) -> None:
        super().__init__(damage.message())
        self.damage = damage


def _cut_short(record: Any, it: Any) -> str | None:
    """Say why ``record`` (already read to its end) is incomplete, or None when it is whole.

    WARC 1.1 §5.3 makes ``Content-Length`` mandatory: a block shorter than it, or a gzip member
    (one per record, WARC 1.1 Annex D.2) that ends before its trailer, means the file was cut.
    """
    stream = record.raw_stream
    if not isinstance(stream, LimitReader):
        return "the file ends inside its headers (no Content-Length)"
    if stream.limit > 0:
        return f"record block is {stream.limit} bytes short of its Content-Length"
    reader = getattr(it, "reader", None)
    decompressor = getattr(reader, "decompressor", None)
    if decompressor is not None and not decompressor.eof:
        return "gzip member ends before its trailer"
    return None


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


def status_and_headers(record: Any) -> tuple[int, Headers]:
    """Return the HTTP status and normalised headers of a response/revisit record (0, () if none)."""
    return _status_and_headers(record)


def _status_and_headers(record: Any) -> tuple[int, Headers]:
    if record.http_headers is None:
        return 0, ()
    try:
        status = int(record.http_headers.get_statuscode() or 0)
    except ValueError:
        status = 0
    return status, normalize_headers(record.http_headers.headers)


def capture_from_response(record: Any, name: str, it: Any) -> Capture:
    """Build a capture (without its decision yet) from a response or revisit record.

    ``it`` is the ``ArchiveIterator``: its ``get_record_offset()`` reads the record to its end,
    so it is asked only after the body has been read.
    """
    body = record.raw_stream.read() if record.rec_type in ("response", "resource") else b""
    return _capture(record, name, it.get_record_offset(), body)


def _capture(record: Any, name: str, offset: int, body: bytes) -> Capture:
    """Build a capture from a response/revisit record's headers and its (response) payload.

    A withheld body keeps the digest of the payload as served; the stored (empty) payload's
    digest is kept beside it.
    """
    h = record.rec_headers
    status, headers = _status_and_headers(record)
    if record.rec_type == "resource":
        # A resource record holds the content itself, no HTTP exchange (WARC 1.1 §6.6): its
        # Content-Type header stands for the response's, and it was retrieved (status 200).
        content_type = h.get_header("Content-Type") or ""
        status, headers = 200, normalize_headers([("Content-Type", content_type)])
    capture = Capture(
        url=h.get_header("WARC-Target-URI") or "",
        warc_file=name,
        record_type=record.rec_type,
        record_id=h.get_header("WARC-Record-ID") or "",
        offset=offset,
        date=h.get_header("WARC-Date") or "",
        status=status,
        headers=headers,
        body=body,
        payload_digest=h.get_header("WARC-Payload-Digest") or "",
        withheld=bool(h.get_header("Clearcrawl-Withheld")),
        refers_to=h.get_header("WARC-Refers-To") or "",
    )
    capture.stored_payload_digest = capture.payload_digest
    capture.truncated = h.get_header("WARC-Truncated") or ""
    if capture.withheld:
        capture.payload_digest = h.get_header("Clearcrawl-Withheld-Payload-Digest") or ""
    return capture


def read_metadata(record: Any) -> dict[str, Any] | None:
    """Parse a metadata record's JSON decision (None when it is not a JSON object)."""
    raw = record.content_stream().read()
    try:
        meta = json.loads(raw)
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


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


#: How a record can start: a gzip member (WARC 1.1 Annex D) or an uncompressed WARC header.
_RECORD_MAGIC = (b"\x1f\x8b\x08", b"WARC/1.")
_SCAN_CHUNK = 1 << 20


def next_record_start(path: str, offset: int) -> int | None:
    """Return the first offset at or after ``offset`` where a whole WARC record parses (or None).

    Used to read on past damaged bytes: a candidate is a gzip member header or a ``WARC/1.``
    line, and counts only if a complete record (by :func:`_cut_short`) parses there.
    """
    keep = max(len(m) for m in _RECORD_MAGIC) - 1
    with open_warc(path) as fh:
        fh.seek(offset)
        base, buf = offset, b""
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            if not chunk:
                return None
            buf += chunk
            hits = sorted(i for m in _RECORD_MAGIC for i in _find_all(buf, m))
            for i in hits:
                if _record_parses_at(path, base + i):
                    return base + i
            drop = max(0, len(buf) - keep)
            base, buf = base + drop, buf[drop:]


def _unfinished_member(path: str, offset: int) -> int | None:
    """Return where a gzip member that runs unfinished to the end of the file starts, or None.

    Walks the members from ``offset`` (the last record's start, so normally one member) to the
    end of the file. A ``.warc.gz`` cut short ends inside its last member: those bytes inflate
    without error but never reach the member's end (RFC 1952 §2.2 trailer), and warcio reads
    past them silently. Garbage fails to inflate instead (None: not a truncation), and an
    uncompressed file has no members.
    """
    if not path.endswith(".gz") or whole_stream_gzip(path):
        return None
    try:
        with open_warc(path) as fh:
            fh.seek(offset)
            data = fh.read()
        pos = 0
        while pos < len(data):
            inflate = zlib.decompressobj(wbits=31)
            inflate.decompress(data[pos:], 0)
            if not inflate.eof:
                return offset + pos
            pos = len(data) - len(inflate.unused_data)
    except (OSError, zlib.error):
        return None
    return None


def _find_all(buf: bytes, magic: bytes) -> Iterator[int]:
    i = buf.find(magic)
    while i >= 0:
        yield i
        i = buf.find(magic, i + 1)


def _record_parses_at(path: str, offset: int) -> bool:
    with open_warc(path) as fh:
        fh.seek(offset)
        it = ArchiveIterator(fh, arc2warc=True)
        it.INC_RECORD = ""
        try:
            record = next(iter(it), None)
            if record is None or record.rec_type not in _RECORD_TYPES:
                return False
            it.get_record_offset()
            return _cut_short(record, it) is None and not it.err_count
        except Exception:  # noqa: BLE001 - not a record start
            return False


#: WARC 1.1 §6 record types.
_RECORD_TYPES = frozenset(
    {
        "warcinfo",
        "response",
        "resource",
        "request",
        "metadata",
        "revisit",
        "conversion",
        "continuation",
    }
)


def _one_line(exc: BaseException) -> str:
    """Describe ``exc`` in short printable text (parsers quote the garbage they met)."""
    text = str(exc).split(", first line:", 1)[0]  # warcio appends the unparsable bytes
    text = "".join(c if c.isascii() and c.isprintable() else " " for c in text)
    text = " ".join(text.replace("|", "/").split())
    text = text if len(text) <= 100 else text[:97] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_warcinfo(path: str) -> dict[str, str]:
    """Read the fields of the file's leading ``warcinfo`` record (empty when none or unreadable).

    An unreadable start means no capture of that file can be read either, so nothing is lost.
    """
    with open_warc(path) as fh:
        try:
            record = next(iter(ArchiveIterator(fh, arc2warc=True)), None)
            if record is None or record.rec_type != "warcinfo":
                return {}
            text = record.content_stream().read().decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - a damaged file is reported by iter_captures
            return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def read_record_at(path: str, offset: int) -> tuple[Any, bytes]:
    """Parse the one record at ``offset`` of ``path``; return ``(record, payload)``.

    ``payload`` is the record's payload as stored (HTTP headers removed, content-coding kept),
    the bytes its ``WARC-Payload-Digest`` covers. Raises ``ValueError`` when no record starts
    there (a wrong offset or a damaged file).
    """
    with open_warc(path) as fh:
        if getattr(fh, "seekable", lambda: False)():
            fh.seek(offset)
        else:  # a non-seekable stream: skip forward
            remaining = offset
            while remaining > 0:
                chunk = fh.read(min(remaining, 1 << 20))
                if not chunk:
                    raise ValueError(f"{path} is shorter than offset {offset}")
                remaining -= len(chunk)
        try:
            record = next(iter(ArchiveIterator(fh, arc2warc=True)))
        except StopIteration:
            raise ValueError(f"no WARC record at offset {offset} of {path}") from None
        except Exception as exc:
            raise ValueError(
                f"no readable WARC record at offset {offset} of {path}: {exc}"
            ) from exc
        return record, record.raw_stream.read()


def read_capture_at(path: str, offset: int, metadata_offset: int) -> Capture:
    """Rebuild a capture (response + its metadata record) from the offsets in a manifest."""
    name = path.rsplit("/", 1)[-1]
    record, payload = read_record_at(path, offset)
    if record.rec_type not in ("response", "revisit", "resource"):
        raise ValueError(f"record at offset {offset} of {name} is a {record.rec_type} record")
    has_body = record.rec_type in ("response", "resource")
    capture = _capture(record, name, offset, payload if has_body else b"")
    if metadata_offset >= 0:
        meta_record, meta_payload = read_record_at(path, metadata_offset)
        if meta_record.rec_type != "metadata":
            raise ValueError(f"record at offset {metadata_offset} of {name} is not metadata")
        try:
            meta = json.loads(meta_payload)
        except ValueError:
            meta = None
        capture.metadata = meta if isinstance(meta, dict) else None
        capture.metadata_offset = metadata_offset
        capture.metadata_record_id = meta_record.rec_headers.get_header("WARC-Record-ID") or ""
    return capture


def resolve_revisit(capture: Capture, path: str, offset: int) -> str | None:
    """Give a ``revisit`` capture the payload of the response it repeats, read at ``offset``.

    The record there must be the one the revisit's ``WARC-Refers-To`` names, hold its payload
    (not withheld) and match the revisit's ``WARC-Payload-Digest`` (WARC 1.1 §6.7.2). Returns
    None when resolved (``body`` and ``payload_from`` set), else why not; an unresolved revisit
    keeps its empty body, so it can only be excluded.
    """
    name = path.rsplit("/", 1)[-1]
    try:
        record, payload = read_record_at(path, offset)
    except ValueError as exc:
        return str(exc)
    h = record.rec_headers
    record_id = h.get_header("WARC-Record-ID") or ""
    if record.rec_type != "response" or record_id != capture.refers_to:
        return f"the record at offset {offset} of {name} is not {capture.refers_to}"
    if h.get_header("Clearcrawl-Withheld") or not digest_matches(payload, capture.payload_digest):
        return f"{record_id} in {name} does not hold the payload {capture.payload_digest}"
    capture.body = payload
    capture.payload_from = RecordPointer(
        file=name,
        offset=offset,
        record_id=record_id,
        payload_digest=h.get_header("WARC-Payload-Digest") or "",
    )
    return None
