"""Find and open the archives an export reads: local files and folders, or ``s3://`` objects.

File names ending in :data:`ARCHIVE_SUFFIXES` are read (WARC gzip per record, WARC as one gzip
stream, plain WARC, ARC, and the WARC files inside a WACZ: :mod:`export.wacz`, listed one path
each as ``crawl.wacz#!/archive/data.warc.gz``). A ``.warc.gz`` compressed as one gzip stream is
opened decompressed, so its record offsets are offsets in the WARC itself
(:func:`whole_stream_gzip`).
"""

from __future__ import annotations

import functools
import gzip
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, cast

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ARC2WARCHeadersParser

from export import wacz
from export.errors import SourceError

# warcio logs every repaired header (e.g. "Replacing spaces in invalid WARC-Target-URI", with
# the garbage it read) at WARNING; the damage is reported here, once, with file and offset.
logging.getLogger("warcio").setLevel(logging.ERROR)


#: File names read as archives: WARC (gzip per record, one gzip stream, or plain), ARC, WACZ.
ARCHIVE_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc", ".wacz")
#: How :func:`list_warcs` says what it looked for.
LOOKED_FOR = "*.warc.gz, *.warc, *.arc.gz or *.arc (or *.wacz)"


def list_warcs(source: str | Path) -> list[str]:
    """Sorted WARC (and ARC) paths or ``s3://`` URLs under ``source``."""
    src = str(source)
    if src.startswith("s3://"):
        from export.s3source import list_s3_warcs

        return _expand(list_s3_warcs(src))
    p = Path(src)
    if not p.exists():
        raise SourceError(f"{src} does not exist (looked for {LOOKED_FOR} files there)")
    if p.is_file():
        return _expand([str(p)])
    files = _expand(
        sorted(str(f) for f in p.rglob("*") if f.is_file() and f.name.endswith(ARCHIVE_SUFFIXES))
    )
    if not files:
        raise SourceError(
            f"no WARC files ({LOOKED_FOR}) under {src}; is it a crawl folder or a folder of "
            "WARC files?"
        )
    return files


def _expand(paths: list[str]) -> list[str]:
    """Replace each WACZ by its WARC entries (:func:`export.wacz.list_members`), in place."""
    out: list[str] = []
    for path in paths:
        out.extend(wacz.list_members(path, _open_container) if wacz.is_wacz_name(path) else [path])
    return out


def warc_name(path: str) -> str:
    """Name an input as rows, manifest and card do: its file name, or for a WARC in a WACZ.

    ``crawl.wacz#!/archive/data.warc.gz`` (:func:`export.wacz.member_name`).
    """
    if wacz.is_member(path):
        return wacz.member_name(path)
    return path.rsplit("/", 1)[-1]


def local_size(path: str) -> int:
    """Bytes of a local input (a WACZ entry: the entry's own size); ``OSError`` when unknown."""
    if wacz.is_member(path):
        container, name = wacz.split_member(path)
        entry = wacz.read_package(container, _open_container).entries.get(name)
        if entry is None:
            raise OSError(f"{path}: no such WARC entry")
        return entry.size
    return Path(path).stat().st_size


def source_facts(path: str) -> dict[str, str]:
    """Give what the release records of an input beyond its size and sha256.

    For a WARC inside a WACZ: the WACZ, the entry, its ``datapackage.json`` facts and digest
    check; for any other file, nothing.
    """
    return wacz.member_check(path, _open_container) if wacz.is_member(path) else {}


def package_line(path: str) -> str:
    """Say which WACZ holds an input and what its ``datapackage.json`` says ("" for a WARC).

    The card shows it beside the inner WARC's ``warcinfo``: the packaging tool and date are
    provenance too (WACZ 1.1.1 ``software``, ``created``, ``title``).
    """
    if not wacz.is_member(path):
        return ""
    facts = source_facts(path)
    about = [
        f"{label} {facts[key]}"
        for key, label in (
            ("wacz_software", "by"),
            ("wacz_created", "created"),
            ("wacz_title", "title"),
        )
        if facts.get(key)
    ]
    version = facts.get("wacz_version", "")
    head = f"WACZ {version} `{facts['wacz']}`" if version else f"WACZ `{facts['wacz']}`"
    return head + (f" ({', '.join(about)})" if about else "")


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
    if wacz.is_member(path) or wacz.is_wacz_name(path):
        return wacz.open_member(path, _open_container)
    return _open_container(path)


def _open_container(path: str) -> IO[bytes]:
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


class _StableArcIds(ARC2WARCHeadersParser):  # type: ignore[misc]
    """warcio's ARC -> WARC header conversion, with a record id that is the same on every read.

    warcio gives each converted ARC record a random ``WARC-Record-ID`` (uuid4), so two exports
    of one ARC file differed, and a manifest's record pointer could never be checked against
    the archive again (``verify`` compares the id it reads at the offset). The id here is a
    UUID 5 of the record's ARC header line (URL, IP address, date, content type, length: ARC
    1.0, https://archive.org/web/researcher/ArcFileFormat.php) — what the record says of
    itself, wherever and however often it is read.
    """

    def _get_protocol_and_headers(self, headerline: str, parts: list[str]) -> Any:
        protocol, headers = super()._get_protocol_and_headers(headerline, parts)
        stable = f"<urn:uuid:{uuid.uuid5(_ARC_ID_NAMESPACE, headerline)}>"
        return protocol, [
            (name, stable if name == "WARC-Record-ID" else value) for name, value in headers
        ]


_ARC_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/clearcrawl/clearcrawl#arc")


def archive_iterator(fh: IO[bytes], **kwargs: Any) -> ArchiveIterator:
    """Warcio's ``ArchiveIterator(fh, arc2warc=True)``, ARC records given stable ids."""
    it = ArchiveIterator(fh, arc2warc=True, **kwargs)
    it.loader.arc_parser = _StableArcIds()
    return it


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
            it = archive_iterator(fh)
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
    return name.endswith(ARCHIVE_SUFFIXES) or wacz.is_member(name)
