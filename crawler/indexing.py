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
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from cdxj_indexer import CDXJIndexer

from crawler import __version__

WACZ_VERSION = "1.1.1"
REPLAY_RECORDS = "response,revisit,resource"
_CHUNK = 1 << 20


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
    out = cdxj_path(warc)
    tmp = out.with_name(out.name + ".tmp")
    CDXJIndexer(
        output=str(tmp), inputs=[str(warc)], sort=True, records=REPLAY_RECORDS
    ).process_all()
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
