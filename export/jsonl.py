"""JSON Lines files, plain (``.jsonl``) or gzip-compressed (``.jsonl.gz``): one reader for both.

The decisions log and the export's manifest, exclusions and refusals are JSON Lines. Uncompressed
they cost ~7 KB per page (evidence repeats a lot between pages), more than the WARC record and
the row; gzip (RFC 1952) brings that to a few hundred bytes. Every reader in the project goes
through :func:`iter_lines`, which accepts either form, so folders written before the switch stay
readable.

The crawl-time writer (:class:`GzipLineWriter`) must survive SIGKILL: it ends every line with a
zlib *sync flush* (the deflate stream is byte-aligned after an empty stored block, RFC 1951
§3.2.4), so everything written before a kill decompresses, and :func:`iter_lines` reads a
member that lacks its trailer up to its last complete line. A gzip file is a sequence of members
(RFC 1952 §2.2); the writer closes a member every :data:`MEMBER_BYTES` of text, so repairing a
torn file before appending (:func:`repair`) rewrites at most one member.

Only the standard library is used: the crawler imports this module too.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

GZ_SUFFIX = ".gz"
#: Uncompressed bytes per gzip member in the crawl-time writer (bounds the repair of a torn tail).
MEMBER_BYTES = 8 * 1024 * 1024
#: zlib level: 6 is zlib's default trade-off; 9 costs ~2x the CPU for ~2% smaller files.
LEVEL = 6
_CHUNK = 1 << 16
_GZIP_WBITS = 31  # 16 + 15: a gzip wrapper (RFC 1952) around a 32 KiB-window deflate stream


class JsonlError(Exception):
    """A ``.jsonl.gz`` file holds corrupt data (not just a torn tail); the message names it."""


def gz_path(path: str | Path) -> Path:
    """``X.jsonl`` → ``X.jsonl.gz`` (unchanged when it already ends in ``.gz``)."""
    p = Path(path)
    return p if p.name.endswith(GZ_SUFFIX) else p.with_name(p.name + GZ_SUFFIX)


def plain_path(path: str | Path) -> Path:
    """``X.jsonl.gz`` → ``X.jsonl`` (unchanged when it does not end in ``.gz``)."""
    p = Path(path)
    return p.with_name(p.name[: -len(GZ_SUFFIX)]) if p.name.endswith(GZ_SUFFIX) else p


def jsonl_path(path: str | Path) -> Path:
    """Return the form of a JSON Lines file that exists.

    ``path`` itself, else its twin (``X.jsonl`` ↔ ``X.jsonl.gz``); the compressed name when
    neither exists.
    """
    p = Path(path)
    for cand in (p, gz_path(p), plain_path(p)):
        if cand.is_file():
            return cand
    return gz_path(p)


def jsonl_exists(path: str | Path) -> bool:
    """Whether ``path`` or its compressed/uncompressed twin exists."""
    return jsonl_path(path).is_file()


@dataclass
class GzipScan:
    """What reading a ``.jsonl.gz`` file found about its members."""

    #: keep the lines of each member until it ends (only :func:`repair` needs them)
    keep_lines: bool = False
    members: int = 0
    #: byte offset where an incomplete last member starts (a killed writer); None: complete.
    torn_at: int | None = None
    #: the complete lines of the torn member (what :func:`repair` rewrites).
    torn_lines: list[bytes] = field(default_factory=list)


def _gzip_lines(fh: IO[bytes], name: str, scan: GzipScan) -> Iterator[bytes]:
    """Lines (newline included) of every member; a torn last member ends the file quietly."""
    member_start = 0
    consumed = 0  # bytes of the file handed to decompressors that finished or hold them
    d = zlib.decompressobj(_GZIP_WBITS)
    fed = False
    pending = b""
    member_lines: list[bytes] = []
    while True:
        buf = fh.read(_CHUNK)
        if not buf:
            break
        consumed += len(buf)
        while buf:
            try:
                out = d.decompress(buf)
            except zlib.error as exc:
                raise JsonlError(
                    f"{name}: corrupt gzip data in the member starting at byte {member_start}: "
                    f"{exc}"
                ) from exc
            fed = True
            if out:
                *lines, pending = (pending + out).split(b"\n")
                for line in lines:
                    if scan.keep_lines:
                        member_lines.append(line + b"\n")
                    yield line + b"\n"
            if d.eof:
                scan.members += 1
                buf = d.unused_data
                member_start = consumed - len(buf)
                d = zlib.decompressobj(_GZIP_WBITS)
                fed = False
                member_lines = []
                if pending:  # a member that does not end its last line: keep it whole
                    yield pending
                    pending = b""
            else:
                buf = b""
    if fed:  # the last member has no trailer: a writer was killed; its complete lines count
        scan.torn_at = member_start
        scan.torn_lines = member_lines


def iter_lines(path: str | Path, scan: GzipScan | None = None) -> Iterator[str]:
    """Lines (without the newline) of ``path`` or its twin, compressed or not.

    A gzip member cut short (the writer was killed) ends the file after its last complete line;
    pass ``scan`` to learn whether that happened. Corrupt gzip data raises :class:`JsonlError`.
    """
    p = jsonl_path(path)
    with p.open("rb") as fh:
        if p.name.endswith(GZ_SUFFIX):
            lines: Iterator[bytes] = _gzip_lines(fh, str(p), scan or GzipScan())
        else:
            lines = iter(fh)
        for raw in lines:
            yield raw.decode("utf-8").rstrip("\r\n")


def scan_gzip(path: str | Path, *, keep_lines: bool = False) -> GzipScan:
    """Read a ``.jsonl.gz`` file to its end and report its members (raises on corrupt data)."""
    scan = GzipScan(keep_lines=keep_lines)
    with Path(path).open("rb") as fh:
        for _ in _gzip_lines(fh, str(path), scan):
            pass
    return scan


def repair(path: Path) -> int:
    """Make a ``.jsonl.gz`` file a sequence of complete members before appending to it.

    A killed writer leaves its last member without the deflate end and the gzip trailer; a member
    appended after that would be unreadable. The torn member is cut off and its complete lines
    are written back as a complete member. Returns the number of lines rewritten (0: nothing to
    repair). Corrupt data raises :class:`JsonlError`: appending would hide it.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return 0
    scan = scan_gzip(path, keep_lines=True)
    if scan.torn_at is None:
        return 0
    with path.open("r+b") as fh:
        fh.truncate(scan.torn_at)
        fh.seek(scan.torn_at)
        if scan.torn_lines:
            z = zlib.compressobj(LEVEL, zlib.DEFLATED, _GZIP_WBITS)
            fh.write(z.compress(b"".join(scan.torn_lines)) + z.flush(zlib.Z_FINISH))
        fh.flush()
        os.fsync(fh.fileno())
    return len(scan.torn_lines)


def compress_jsonl(src: Path, dst: Path) -> None:
    """Write the lines of ``src`` (either form) into ``dst`` as one gzip member, atomically."""
    tmp = dst.with_name(dst.name + ".tmp")
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, _GZIP_WBITS)
    with tmp.open("wb") as fh:
        for line in iter_lines(src):
            if line.strip():
                fh.write(z.compress(line.encode("utf-8") + b"\n"))
        fh.write(z.flush(zlib.Z_FINISH))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(dst)


class GzipLineWriter:
    """Append lines to a ``.jsonl.gz`` file so that a kill at any moment leaves a readable prefix.

    Each line is compressed and sync-flushed in one ``write`` to an unbuffered file, so the OS
    holds every complete line as soon as :meth:`write_line` returns (as the uncompressed log
    did with a flush per line). Members are closed every ``member_bytes`` of text and on
    :meth:`close`. Call :func:`repair` before opening a file a killed writer may have left.
    """

    def __init__(self, path: Path, *, member_bytes: int = MEMBER_BYTES) -> None:
        self.path = path
        self.member_bytes = member_bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] | None = path.open("ab", buffering=0)
        self._z: zlib._Compress | None = None
        self._in_member = 0

    def write_line(self, line: str) -> None:
        """Write ``line`` (no newline inside) and make it durable against a process kill."""
        if self._fh is None:
            raise ValueError(f"{self.path} is closed")
        if self._z is None:
            self._z = zlib.compressobj(LEVEL, zlib.DEFLATED, _GZIP_WBITS)
            self._in_member = 0
        data = line.encode("utf-8") + b"\n"
        self._in_member += len(data)
        out = self._z.compress(data)
        if self._in_member >= self.member_bytes:
            out += self._z.flush(zlib.Z_FINISH)
            self._z = None
        else:
            out += self._z.flush(zlib.Z_SYNC_FLUSH)
        self._fh.write(out)

    def close(self) -> None:
        """End the open member (deflate end + trailer) and close the file."""
        if self._fh is None:
            return
        if self._z is not None:
            self._fh.write(self._z.flush(zlib.Z_FINISH))
            self._z = None
        self._fh.close()
        self._fh = None


def open_gzip_text(path: Path) -> IO[str]:
    """Open ``path`` for writing text gzip-compressed, byte-identical on every run.

    For the export's outputs (written once, in a staging folder an interrupted export discards):
    the gzip header holds no time (``mtime=0``, RFC 1952 §2.3.1) and only the file's own name.
    """
    gz = gzip.GzipFile(str(path), "wb", compresslevel=LEVEL, mtime=0)
    return io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
