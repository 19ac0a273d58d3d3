"""Read and repair a crawl's WARC files after a crash: the archive says what is done.

A ``.warc.gz.open`` file left by a killed crawl is cut after its last complete capture (one
gzip member per record, WARC 1.1 Annex D.2; a capture is request, response and metadata),
given its ``NAME.urls`` ledger and renamed (:func:`recover_open_warc`, :func:`recover_warc_dir`);
:func:`archived_urls` lists what the closed files hold. :mod:`crawler.recovery` explains how
``--resume`` uses it. Importing this module does not import Scrapy.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from crawler.warcwriter import LEDGER_SUFFIX, OPEN_SUFFIX, WARC_SUFFIX, ledger_path, write_ledger

logger = logging.getLogger(__name__)

_READ_CHUNK = 1 << 20


class RecoveryError(OSError):
    """A WARC file is unreadable from its first byte (not a gzip-per-record WARC)."""


@dataclass(frozen=True, slots=True)
class Member:
    """One gzip member of a WARC file and the record it holds."""

    offset: int
    length: int
    rec_type: str
    target_uri: str
    record_id: str
    refers_to: str
    payload: bytes  # kept only for metadata records (decision JSON), else b""


def _parse_record(raw: bytes) -> tuple[dict[str, str], bytes] | None:
    """Split a decompressed WARC record into (lower-cased headers, block); None if torn."""
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0 or not raw.startswith(b"WARC/"):
        return None
    headers: dict[str, str] = {}
    for line in raw[:head_end].split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers.setdefault(
                name.strip().lower().decode("latin-1"), value.strip().decode("utf-8", "replace")
            )
    try:
        length = int(headers.get("content-length", ""))
    except ValueError:
        return None
    block_start = head_end + 4
    if len(raw) != block_start + length + 4 or raw[block_start + length :] != b"\r\n\r\n":
        return None
    return headers, raw[block_start : block_start + length]


def iter_members(fh: IO[bytes]) -> Iterator[Member]:
    """Yield complete, well-formed records of a gzip-per-record WARC; stop at the first torn one.

    Works member by member with ``zlib`` (one member in memory at a time), so it reads a file a
    killed writer left behind, where warcio would raise on the truncated tail.
    """
    offset = 0
    pending = b""
    eof = False
    while True:
        if not pending and not eof:
            pending = fh.read(_READ_CHUNK)
            eof = not pending
        if not pending:
            return
        d = zlib.decompressobj(31)
        out: list[bytes] = []
        consumed = 0
        data = pending
        try:
            while True:
                out.append(d.decompress(data))
                if d.eof:
                    consumed += len(data) - len(d.unused_data)
                    pending = d.unused_data
                    break
                consumed += len(data)
                data = fh.read(_READ_CHUNK)
                if not data:
                    return  # torn member at the end of the file
        except zlib.error:
            return
        parsed = _parse_record(b"".join(out))
        if parsed is None:
            return
        headers, block = parsed
        rec_type = headers.get("warc-type", "")
        yield Member(
            offset=offset,
            length=consumed,
            rec_type=rec_type,
            target_uri=headers.get("warc-target-uri", "").strip("<>"),
            record_id=headers.get("warc-record-id", ""),
            refers_to=headers.get("warc-refers-to", ""),
            payload=block if rec_type == "metadata" else b"",
        )
        offset += consumed


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a WARC holds up to its last complete capture."""

    good_bytes: int  # offset just after the last complete capture (or the warcinfo)
    total_bytes: int
    urls: list[str]
    captures: int


def scan_warc(path: Path) -> ScanResult:
    """Find the last complete capture of a clearcrawl WARC and the URLs archived before it.

    A capture is complete when its ``metadata`` record is there (the writer puts request,
    response and metadata in one write, metadata last). A decision-only metadata record is a
    capture of its own. Raises :class:`RecoveryError` if not even a warcinfo record is readable.
    """
    good = 0
    urls: list[str] = []
    pending_url = ""
    captures = 0
    seen_info = False
    with path.open("rb") as fh:
        for m in iter_members(fh):
            end = m.offset + m.length
            if m.rec_type == "warcinfo":
                seen_info = True
                good = end
            elif m.rec_type in ("response", "revisit"):
                pending_url = m.target_uri
            elif m.rec_type == "metadata":
                if m.refers_to:
                    url = pending_url
                else:
                    try:
                        url = str(json.loads(m.payload).get("url", ""))
                    except (ValueError, AttributeError):
                        url = ""
                if url:
                    urls.append(url)
                pending_url = ""
                captures += 1
                good = end
        total = fh.seek(0, os.SEEK_END)
    if not seen_info and total > 0:
        raise RecoveryError(f"{path} does not start with a readable warcinfo record")
    return ScanResult(good_bytes=good, total_bytes=total, urls=urls, captures=captures)


def recover_open_warc(open_path: Path) -> Path | None:
    """Cut a ``NAME.warc.gz.open`` after its last complete capture and close it as NAME.warc.gz.

    Returns the closed path, or None when the file held no capture (it is then deleted). The
    torn tail is not thrown away silently: it is kept as ``NAME.warc.gz.torn`` for inspection
    when non-empty, and its URLs are simply not in the ledger, so ``--resume`` fetches them again.
    """
    if not open_path.name.endswith(WARC_SUFFIX + OPEN_SUFFIX):
        raise ValueError(f"{open_path} is not a {WARC_SUFFIX}{OPEN_SUFFIX} file")
    final = open_path.with_name(open_path.name.removesuffix(OPEN_SUFFIX))
    with open_path.open("rb") as probe:
        try:
            fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RecoveryError(
                f"{open_path} is being written by a running crawl; let it finish (or stop it) "
                "before resuming"
            ) from None
        fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
    try:
        result = scan_warc(open_path)
    except RecoveryError:
        logger.warning("%s is unreadable; keeping it as %s.torn", open_path, final.name)
        open_path.replace(final.with_name(final.name + ".torn"))
        return None
    if result.good_bytes < result.total_bytes:
        with open_path.open("rb") as src, final.with_name(final.name + ".torn").open("wb") as dst:
            src.seek(result.good_bytes)
            while chunk := src.read(_READ_CHUNK):
                dst.write(chunk)
        logger.warning(
            "%s: cut %d torn bytes after the last complete capture (kept as %s.torn)",
            open_path,
            result.total_bytes - result.good_bytes,
            final.name,
        )
    if result.captures == 0:
        open_path.unlink()
        return None
    with open_path.open("r+b") as fh:
        fh.truncate(result.good_bytes)
        fh.flush()
        os.fsync(fh.fileno())
    write_ledger(final, result.urls)
    open_path.replace(final)
    return final


def recover_warc_dir(warc_dir: Path) -> list[Path]:
    """Recover every ``.warc.gz.open`` file and give every closed WARC a ledger.

    Idempotent; returns the files that were recovered (so the caller can index/upload them).
    """
    recovered: list[Path] = []
    if not warc_dir.is_dir():
        return recovered
    for p in sorted(warc_dir.iterdir()):
        if p.name.endswith(WARC_SUFFIX + OPEN_SUFFIX):
            final = recover_open_warc(p)
            if final is not None:
                recovered.append(final)
    for p in sorted(warc_dir.glob("*" + WARC_SUFFIX)):
        if not ledger_path(p).exists():
            write_ledger(p, scan_warc(p).urls)
    return recovered


def archived_urls(warc_dir: Path) -> Iterator[str]:
    """Every URL the ledgers of ``warc_dir`` list (WARCs already uploaded and deleted included)."""
    if not warc_dir.is_dir():
        return
    for ledger in sorted(warc_dir.glob("*" + LEDGER_SUFFIX)):
        with ledger.open(encoding="utf-8") as fh:
            for line in fh:
                url = line.rstrip("\n")
                if url:
                    yield url
