"""CDXJ indexes and WACZ packages beside closed WARC files (pywb / cdxj-indexer / WACZ 1.1.1).

``NAME.warc.gz`` gets ``NAME.cdxj``: one sorted line per replayable capture (``response``,
``revisit``, ``resource``), ``SURT timestamp {json}``, whose ``offset``/``length`` point at the
gzip member of the record, so replay tools (pywb, WACZ players) can seek straight to it.
Metadata records are left out on purpose: they describe a capture, they are not one.

Optionally ``NAME.wacz`` (WACZ 1.1.1, https://specs.webrecorder.net/wacz/1.1.1/), written here
rather than with the ``wacz`` package, which pins old dependencies and builds its zip in memory:

* ``archive/NAME.warc.gz`` — stored (no zip compression: offsets must stay seekable, §5.2);
* ``indexes/index.cdx``    — the CDXJ above;
* ``pages/pages.jsonl``    — ``json-pages-1.0`` header, then every HTML capture with status 200;
* ``datapackage.json``     — ``sha256`` and size of each file above (Frictionless data package);
* ``datapackage-digest.json`` — ``sha256`` of ``datapackage.json``.

Everything is streamed in 1 MiB chunks and hashed on the way, so a 1 GB WARC never sits in
memory.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import json
import logging
import re
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawler import __version__

WACZ_VERSION = "1.1.1"
REPLAY_RECORDS = "response,revisit,resource"
_CHUNK = 1 << 20
_REPLAY = frozenset(REPLAY_RECORDS.split(","))
_MIME_END = re.compile(r"[;\s]")  # cdxj-indexer's RE_SPACE
#: CDXJ text held in memory before a sorted run goes to a temporary file (cdxj-indexer: 32 MB,
#: which a 100k-page WARC file never reaches, so the writer process grew by ~35 MB per 100k)
SPILL_BYTES = 1 << 20
#: sorted runs merged into one when there are this many (bounds the open files at close)
MAX_RUNS = 64
logger = logging.getLogger(__name__)


def cdxj_path(warc: Path) -> Path:
    """``NAME.warc.gz`` -> ``NAME.cdxj``."""
    name = warc.name
    for suffix in (".warc.gz", ".warc"):
        if name.endswith(suffix):
            return warc.with_name(name[: -len(suffix)] + ".cdxj")
    return warc.with_name(name + ".cdxj")


def wacz_path(warc: Path) -> Path:
    """``NAME.warc.gz`` -> ``NAME.wacz``."""
    return cdxj_path(warc).with_suffix(".wacz")


def write_cdxj(warc: Path) -> Path:
    """Index ``warc`` into its ``.cdxj`` sibling (written to a temp name, then renamed)."""
    from cdxj_indexer import CDXJIndexer  # here: importing it costs the crawl's start ~0.2 s

    out = cdxj_path(warc)
    tmp = out.with_name(out.name + ".tmp")
    CDXJIndexer(
        output=str(tmp), inputs=[str(warc)], sort=True, records=REPLAY_RECORDS
    ).process_all()
    tmp.replace(out)
    return out


class SpillingSorter:
    """Sort and de-duplicate lines in bounded memory, with cdxj-indexer's ``SortingWriter`` output.

    Past ``spill_bytes`` of lines, a sorted run goes to an anonymous temporary file.
    ``SortingWriter`` sorts the lines and drops a line equal to the one before; with runs it
    merges them (``heapq.merge``) and drops repeats the same way. Either way the output is every
    distinct line once, in code-point order, so the runs change nothing but the memory held
    (``tests/crawler/test_warcwriter_fast.py`` compares a one-byte threshold with the indexer).
    Runs are UTF-8 with newlines untranslated (``newline`` set to LF: a line is read back as
    written) and unnamed (``TemporaryFile``): a killed writer leaves none behind.
    """

    def __init__(self, spill_bytes: int | None = None, max_runs: int | None = None) -> None:
        self.spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self.max_runs = max(2, MAX_RUNS if max_runs is None else max_runs)
        self._lines: list[str] = []
        self._size = 0
        self._runs: list[IO[str]] = []
        self.spilled = 0

    def write(self, line: str) -> None:
        self._lines.append(line)
        self._size += len(line)
        if self._size > self.spill_bytes:
            self._spill()

    @staticmethod
    def _run() -> IO[str]:
        return tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")

    def _spill(self) -> None:
        self._lines.sort()
        run = self._run()
        _write_unique(self._lines, run)
        self._lines, self._size = [], 0
        self._runs.append(run)
        self.spilled += 1
        if len(self._runs) >= self.max_runs:
            merged = self._run()
            _write_unique(self._merged(), merged)
            self.close()
            self._runs = [merged]

    def _merged(self) -> Iterable[str]:
        for run in self._runs:
            run.seek(0)
        return heapq.merge(*self._runs)

    def flush_to(self, out: IO[str]) -> None:
        """Write every line once, sorted, to ``out``; then forget them."""
        try:
            if not self._runs:
                self._lines.sort()
                _write_unique(self._lines, out)
            else:
                if self._lines:
                    self._spill()
                _write_unique(self._merged(), out)
        finally:
            self._lines, self._size = [], 0
            self.close()

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []


def _write_unique(lines: Iterable[str], out: IO[str]) -> None:
    """``SortingWriter.write_to_file``: every line, except one equal to the line before."""
    last = None
    for line in lines:
        if line != last:
            out.write(line)
        last = line
    out.flush()


def _import_lazily(name: str) -> None:
    """Put a stand-in for module ``name`` in ``sys.modules``: the real one loads on first use.

    ``surt.handyurl`` imports ``tldextract`` at its top for two methods (public suffix, public
    prefix) that the SURT keys of a CDXJ index never call, and ``tldextract`` brings requests,
    urllib3, charset_normalizer and idna: ~7 MB of RSS in the WARC writer process for nothing
    (issue 17). The stand-in is a plain module whose ``__getattr__`` (PEP 562) imports the real
    one at the first attribute asked for and answers from it, so anything that does use it
    gets it. (``importlib.util.LazyLoader`` does not do here: on Python 3.11 the ``import``
    statement itself reads the lazy module's ``__spec__``, which loads it.) Nothing is done if
    the module is imported already or not installed.
    """
    import importlib
    import importlib.util
    import sys
    import types

    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    stand_in = types.ModuleType(name)

    def load(attr: str) -> Any:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)

    stand_in.__getattr__ = load  # type: ignore[method-assign]
    sys.modules[name] = stand_in


class CdxjCollector:
    """The CDXJ lines of one WARC file, made as its records are written.

    The writer knows each record's gzip member offset and length when it writes it, so the index
    needs no second pass over the file at close (that re-read cost about a fifth of the writer
    process's CPU, and its whole duration was added to every crawl's closing). The lines are
    those :func:`write_cdxj` (cdxj-indexer) makes from the closed file — same fields, same
    order, same sort and de-duplication (as cdxj-indexer's ``SortingWriter``, but spilling
    sorted runs to temporary files past :data:`SPILL_BYTES`, so the lines of a big file are not
    all held until it closes: :class:`SpillingSorter`) — and ``tests/crawler/test_indexing_incremental.py`` checks that
    byte for byte. The HTTP headers are re-read from the bytes written, as the indexer reads
    them, not taken from memory. A record it cannot index the same way (a non-http(s) URI)
    makes :meth:`write` fall back to :func:`write_cdxj`; a writer killed before closing leaves
    no index, and the closed file is indexed by re-reading it (``--resume``).
    """

    def __init__(self, filename: str, *, spill_bytes: int | None = None) -> None:
        # what CDXJIndexer.get_url_key calls; importing cdxj_indexer itself costs ~8 MB of RSS
        _import_lazily("tldextract")
        import surt  # type: ignore[import-untyped]
        from warcio.recordloader import ArcWarcRecordLoader
        from warcio.timeutils import iso_date_to_timestamp

        self.filename = filename
        self.exact = True
        self._sorter = SpillingSorter(spill_bytes)
        self._http = ArcWarcRecordLoader()
        self._timestamp = iso_date_to_timestamp
        self._surt = surt.surt

    def add(self, record: Any, offset: int, length: int) -> None:
        """Index ``record`` (a warcio record just written at ``offset``, ``length`` bytes)."""
        rec_type = record.rec_type
        if rec_type not in _REPLAY or not self.exact:
            return
        try:
            self._sorter.write(self._line(record, rec_type, offset, length))
        except Exception:  # noqa: BLE001 - the closed file is indexed by re-reading it instead
            logger.debug("incremental CDXJ line failed; %s will be re-read", self.filename)
            self.exact = False
            self._sorter.close()

    def _line(self, record: Any, rec_type: str, offset: int, length: int) -> str:
        rec_headers = record.rec_headers
        url = rec_headers.get_header("WARC-Target-URI")
        http = None
        if record.http_headers and rec_type in ("response", "revisit"):
            if not str(url or "").startswith(("http:", "https:")):
                raise ValueError("not an http(s) URI: the indexer reads no HTTP headers")
            buff = record.http_headers.headers_buff
            http = self._http.load_http_headers(rec_type, url, io.BytesIO(buff), len(buff))
        index: dict[str, str] = {}
        if url is not None:
            index["url"] = url
        if rec_type == "revisit":
            mime: str | None = "warc/revisit"
        else:
            if rec_type == "response":
                mime = http.get_header("content-type") if http else None
            else:
                mime = rec_headers.get_header("content-type")
            if mime:
                mime = _MIME_END.split(mime, 1)[0].strip()
        if mime is not None:
            index["mime"] = mime
        if http:
            index["status"] = http.get_statuscode()
        digest = rec_headers.get_header("WARC-Payload-Digest")
        if not digest:
            raise ValueError("no payload digest")
        index["digest"] = digest
        index["length"] = str(length)
        index["offset"] = str(offset)
        index["filename"] = self.filename
        ts = self._timestamp(rec_headers.get_header("WARC-Date"))
        return f"{self._url_key(url)} {ts} {json.dumps(index)}\n"

    def _url_key(self, url: str) -> str:
        """``CDXJIndexer.get_url_key``: the SURT, or the URL itself when it cannot be made."""
        try:
            return str(self._surt(url))
        except Exception:  # noqa: BLE001 - as the indexer does (a bare except there)
            return url

    def write(self, warc: Path) -> Path:
        """Write ``warc``'s ``.cdxj`` (temp name, then renamed); re-read the file if inexact."""
        if not self.exact:
            return write_cdxj(warc)
        out = cdxj_path(warc)
        tmp = out.with_name(out.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            self._sorter.flush_to(fh)
        tmp.replace(out)
        return out


def _ts14_to_iso(ts: str) -> str:
    return (
        datetime.strptime(ts[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
        .replace(tzinfo=UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def pages_from_cdxj(cdxj: Path) -> list[dict[str, str]]:
    """Pages for ``pages.jsonl``: HTML captures with status 200, in index order."""
    pages: list[dict[str, str]] = []
    seen: set[str] = set()
    with cdxj.open(encoding="utf-8") as fh:
        for line in fh:
            _key, ts, blob = line.rstrip("\n").split(" ", 2)
            entry = json.loads(blob)
            if entry.get("status") != "200" or not str(entry.get("mime", "")).startswith(
                "text/html"
            ):
                continue
            url = entry.get("url", "")
            if url in seen:
                continue
            seen.add(url)
            ts_iso = _ts14_to_iso(ts)
            # "id" and "title" as py-wacz writes them: Frictionless validates pages.jsonl as a
            # table whose columns come from the header line, and rows sharing none are "blank".
            page_id = hashlib.sha1(f"{url} {ts_iso}".encode()).hexdigest()[:22]  # noqa: S324
            pages.append({"id": page_id, "url": url, "ts": ts_iso, "title": url})
    return pages


def _zip_file(zf: zipfile.ZipFile, arcname: str, src: Path, *, compress: bool) -> tuple[str, int]:
    info = zipfile.ZipInfo(arcname, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    h = hashlib.sha256()
    size = 0
    with src.open("rb") as fh, zf.open(info, "w", force_zip64=True) as out:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return "sha256:" + h.hexdigest(), size


def _zip_bytes(zf: zipfile.ZipFile, arcname: str, data: bytes) -> tuple[str, int]:
    info = zipfile.ZipInfo(arcname, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)
    return "sha256:" + hashlib.sha256(data).hexdigest(), len(data)


def write_wacz(warc: Path, *, title: str | None = None) -> Path:
    """Package ``warc`` (and its CDXJ, written if missing) as ``NAME.wacz`` beside it."""
    cdxj = cdxj_path(warc)
    if not cdxj.exists():
        write_cdxj(warc)
    out = wacz_path(warc)
    tmp = out.with_name(out.name + ".tmp")
    pages = pages_from_cdxj(cdxj)
    pages_blob = "".join(
        json.dumps(p, ensure_ascii=False) + "\n"
        for p in [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}, *pages]
    ).encode("utf-8")
    resources: list[dict[str, object]] = []
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        for arcname, src, compress in (
            (f"archive/{warc.name}", warc, False),
            ("indexes/index.cdx", cdxj, True),
        ):
            digest, size = _zip_file(zf, arcname, src, compress=compress)
            resources.append(
                {"name": Path(arcname).name.lower(), "path": arcname, "hash": digest, "bytes": size}
            )
        digest, size = _zip_bytes(zf, "pages/pages.jsonl", pages_blob)
        resources.append(
            {"name": "pages.jsonl", "path": "pages/pages.jsonl", "hash": digest, "bytes": size}
        )
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title or warc.name,
            "created": now,
            "modified": now,
            "software": f"clearcrawl/{__version__}",
            "resources": resources,
        }
        if pages:
            package["mainPageURL"] = pages[0]["url"]
            package["mainPageDate"] = pages[0]["ts"]
        package_blob = json.dumps(package, indent=2).encode("utf-8")
        _zip_bytes(zf, "datapackage.json", package_blob)
        digest_doc = {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(package_blob).hexdigest(),
        }
        _zip_bytes(zf, "datapackage-digest.json", json.dumps(digest_doc, indent=2).encode("utf-8"))
    tmp.replace(out)
    return out
