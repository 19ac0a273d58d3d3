"""Seed files: one URL per line, read lazily, so ten million seeds cost no more memory than ten.

``clearcrawl crawl --seeds-file FILE`` (and the distributed ``seed`` command) read seeds with
:func:`read_seeds`, a generator: the file is never loaded whole. A plain file, a gzip file
(recognised by its magic bytes, RFC 1952 §2.3.1, whatever its name) or ``-`` for standard input
(gzip there too) are accepted. Lines are decoded as UTF-8; blank lines and lines starting with
``#`` are skipped; surrounding whitespace (and a leading byte-order mark) is ignored.

A line that is not an http(s) URL with a host is not fatal: it is yielded as a
:class:`SeedLine` whose ``error`` says why (``not-http``, ``no-host``, ``bad-port``,
``whitespace``, ``not-utf8``, ``too-long``), so the crawl records it in the decisions log
(``not-fetched``, reason ``invalid-seed:<why>``) and counts it, and the rest of the file is
crawled.

Exceptions: :class:`SeedsError` (an ``OSError``) when the file cannot be opened or its gzip
stream is corrupt; the command line reports it as one line.
"""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import urlsplit

#: Standard input, as a ``--seeds-file`` value.
STDIN = "-"
#: Longest seed line taken (RFC 9110 §4.1 recommends supporting 8,000 octets; sitemaps.org caps
#: URLs at 2,048): longer lines are invalid seeds, never a reason to buffer without bound.
MAX_LINE_BYTES = 8192
_GZIP_MAGIC = b"\x1f\x8b"


class SeedsError(OSError):
    """A seeds file cannot be opened or read (the message names the file and the cause)."""


@dataclass(frozen=True, slots=True)
class SeedLine:
    """One non-blank, non-comment line of a seeds file.

    ``url`` is the URL to crawl, or None when the line is not one (``error`` says why);
    ``text`` is the line as read (stripped, at most 200 characters kept), for the record.
    """

    line: int
    url: str | None
    text: str
    error: str | None = None


def seed_url_error(url: str) -> str | None:
    """Why ``url`` is not a crawlable seed (http or https with a host, RFC 3986 §3), or None."""
    if any(c.isspace() for c in url):
        return "whitespace"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not-http"
    if parts.scheme.lower() not in ("http", "https"):
        return "not-http"
    if not parts.hostname:
        return "no-host"
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "bad-port"
    return None


def _open(source: str | Path, stdin: IO[bytes] | None) -> IO[bytes]:
    if str(source) == STDIN:
        raw: IO[bytes] = stdin if stdin is not None else sys.stdin.buffer
    else:
        try:
            raw = Path(source).open("rb")  # noqa: SIM115 - closed by read_seeds
        except OSError as exc:
            raise SeedsError(f"cannot read seeds file {source}: {exc.strerror or exc}") from exc
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast("Any", raw))
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def read_seeds(source: str | Path, *, stdin: IO[bytes] | None = None) -> Iterator[SeedLine]:
    """Yield the seeds of ``source`` (a path, or ``-`` for standard input) one line at a time.

    Memory stays constant whatever the file's size: one line (at most
    :data:`MAX_LINE_BYTES`) is held at a time. ``stdin`` replaces ``sys.stdin.buffer`` (tests).
    Raises :class:`SeedsError` if the file cannot be opened, or when its gzip stream is
    corrupt (the lines before the damage have been yielded by then).
    """
    fh = _open(source, stdin)
    number = 0
    try:
        while True:
            try:
                raw = fh.readline(MAX_LINE_BYTES + 1)
            except (OSError, EOFError, zlib.error) as exc:
                raise SeedsError(
                    f"seeds file {source}: unreadable after line {number} ({exc})"
                ) from exc
            if not raw:
                return
            number += 1
            too_long = len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n")
            if too_long:  # skip the rest of the line without holding it
                while True:
                    more = fh.readline(MAX_LINE_BYTES)
                    if not more or more.endswith(b"\n"):
                        break
            seed = _parse_line(number, raw, too_long=too_long)
            if seed is not None:
                yield seed
    finally:
        if str(source) != STDIN:
            fh.close()


def _parse_line(number: int, raw: bytes, *, too_long: bool) -> SeedLine | None:
    try:
        text = raw.decode("utf-8")
        error = None
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        error = "not-utf8"
    if number == 1:
        text = text.lstrip("\ufeff")
    text = text.strip()
    if not text or text.startswith("#"):
        return None
    if too_long:
        error = "too-long"
    if error is None:
        error = seed_url_error(text)
    shown = text[:200]
    return SeedLine(number, None if error else text, shown, error)


__all__ = ["MAX_LINE_BYTES", "STDIN", "SeedLine", "SeedsError", "read_seeds", "seed_url_error"]
