"""Damaged WARC files: say where a file stops being readable, and find where reading resumes.

A file cut mid-record (``truncated``) or holding bytes that do not parse as WARC (``corrupt``)
is described by a :class:`Damage` with its byte offset; :func:`next_record_start` finds the next
record that parses whole (WARC 1.1 §5.3 ``Content-Length``, Annex D.2 one gzip member per
record) so that :func:`export.warcread.iter_captures` reads on past the damage.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from warcio.limitreader import LimitReader

from export.warcsource import archive_iterator, open_warc, whole_stream_gzip


@dataclass(frozen=True, slots=True)
class Damage:
    """Where a WARC file stops being readable: ``truncated`` (ends mid-record) or ``corrupt``.

    Or one record that reads but cannot be placed (``unusable``: e.g. a ``WARC-Target-URI`` no
    URL parser accepts), skipped alone.
    """

    file: str
    kind: Literal["truncated", "corrupt", "unusable"]
    offset: int
    detail: str
    #: where reading went on (the next record that parses whole); None: nothing after it
    resumed_at: int | None = None

    def message(self) -> str:
        if self.kind == "unusable":
            return (
                f"{self.file}: the record at byte offset {self.offset} cannot be used "
                f"({self.detail}); that record skipped, the rest read"
            )
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
        it = archive_iterator(fh)
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
