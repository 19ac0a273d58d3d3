"""Build archives the way other tools write them, for the foreign-archive tests.

Written with warcio's own writer (not clearcrawl's): a ``warcinfo`` naming another producer,
``response`` records only (no request records, no IP addresses), and, for the Common Crawl
layout, page WARCs in one folder and robots.txt captures in a separate one
(``CC-MAIN-…/segments/…/warc/`` and ``…/robotstxt/``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.support.helpers import read_jsonl

SITE = Path(__file__).resolve().parents[2] / "fixtures" / "foreign" / "site"
NUTCH = "Apache Nutch 1.17 (modified, https://github.com/commoncrawl/nutch/)"


def page(name: str) -> bytes:
    return (SITE / name).read_bytes()


Record = tuple[str, int, bytes, str]  # url, status, body, WARC-Date; content type from the URL


def write_warc(
    path: Path,
    records: Sequence[Record],
    *,
    software: str = NUTCH,
    collection: str = "CC-MAIN-2020-34",
    gzip: bool = True,
    version: str = "WARC/1.0",
    revisits: Sequence[tuple[str, bytes, str]] = (),
    types: dict[str, str] | None = None,
) -> Path:
    """Write ``records`` as response records after a warcinfo (gzip per record).

    ``types`` gives a URL's Content-Type where its name does not (an RSL licence, a feed).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip, warc_version=version)
        info = {"software": software, "format": f"WARC File Format {version[5:]}"}
        if collection:
            info["isPartOf"] = collection
        writer.write_record(writer.create_warcinfo_record(path.name, info))
        for url, status, body, date in records:
            ctype = "text/plain" if url.endswith(".txt") else "text/html; charset=utf-8"
            ctype = (types or {}).get(url, ctype)
            http = StatusAndHeaders(
                f"{status} {'OK' if status == 200 else 'Other'}",
                [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)
        for url, body, date in revisits:  # same payload as an earlier response, by digest only
            digest = "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()  # noqa: S324
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_revisit_record(url, digest, "", date, http_headers=http)
            record.rec_headers.replace_header("WARC-Date", date)
            writer.write_record(record)
    return path


def entries(out: Path) -> dict[str, dict[str, Any]]:
    """Every manifest and excluded entry of the export in ``out``, by URL."""
    found: dict[str, dict[str, Any]] = {}
    for name in ("manifest.jsonl.gz", "excluded.jsonl.gz"):
        for e in read_jsonl(out / name):
            found[e["url"]] = e
    return found
