"""What the WARC extension builds from its settings: the output folder, contact, S3 uploader.

Read in :meth:`crawler.extensions.warc.WarcWriterExtension.from_crawler`; each refuses to
start (``ValueError`` naming the setting) when a setting is wrong, since a crawl without its
archive has no evidence. The uploader's credentials and bucket are checked before the crawl
starts.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.storage.uploader import WarcUploader

#: kept as ``crawler.extensions.warc`` (where these warnings were logged before the split)
logger = logging.getLogger("crawler.extensions.warc")


def output_dir(crawler: Crawler) -> Path:
    """Return ``CLEARCRAWL_OUTPUT_DIR``; refuse to start without it."""
    out = crawler.settings.get("CLEARCRAWL_OUTPUT_DIR")
    if not out:
        raise ValueError(
            "CLEARCRAWL_OUTPUT_DIR is not set: clearcrawl needs a folder for WARC files and decisions.jsonl.gz"
        )
    return Path(out)


def operator_contact(user_agent: str, contact: str | None) -> str:
    """Return the operator's contact: ``CLEARCRAWL_CONTACT``, else the User-Agent's ``+URL``."""
    if contact:
        return contact
    m = re.search(r"\(\+?([^);\s]+@[^);\s]+|https?://[^);\s]+)", user_agent or "")
    return m.group(1) if m else ""


def build_uploader(crawler: Crawler, out: Path) -> WarcUploader | None:
    """Build the S3 uploader for ``CLEARCRAWL_WARC_STORE``; None when no store is set."""
    s = crawler.settings
    url = s.get("CLEARCRAWL_WARC_STORE")
    if not url:
        return None
    from crawler.storage.s3 import S3Store, StoreAccessError
    from crawler.storage.uploader import WarcUploader
    from export.objectstore import MiB, S3Config, parse_s3_url

    try:
        parse_s3_url(url)
        config = S3Config(
            endpoint_url=s.get("CLEARCRAWL_S3_ENDPOINT_URL") or None,
            region=s.get("CLEARCRAWL_S3_REGION") or None,
            multipart_threshold=s.getint("CLEARCRAWL_S3_MULTIPART_THRESHOLD", 64 * MiB),
            multipart_chunksize=s.getint("CLEARCRAWL_S3_MULTIPART_CHUNKSIZE", 64 * MiB),
            max_concurrency=s.getint("CLEARCRAWL_S3_MAX_CONCURRENCY", 4),
            checksum_algorithm=s.get("CLEARCRAWL_S3_CHECKSUM_ALGORITHM", "CRC32") or "",
            max_attempts=s.getint("CLEARCRAWL_S3_MAX_ATTEMPTS", 5),
        )
    except ValueError as exc:
        raise ValueError(f"CLEARCRAWL_WARC_STORE / CLEARCRAWL_S3_*: {exc}") from exc
    retry_s = s.getfloat("CLEARCRAWL_S3_RETRY_SECONDS", 900.0)
    if retry_s < 0:
        raise ValueError("CLEARCRAWL_S3_RETRY_SECONDS must be >= 0")
    # Credentials and bucket access are checked before the crawl starts (issue 11).
    store = S3Store(url, config)
    try:
        note = store.check_access()
    except StoreAccessError as exc:
        raise ValueError(f"CLEARCRAWL_WARC_STORE {url}: {exc}") from exc
    if note:
        logger.warning("CLEARCRAWL_WARC_STORE %s: %s", url, note)
    stats = crawler.stats
    return WarcUploader(
        store,
        log_path=out / "s3-uploads.jsonl",
        retry_s=retry_s,
        delete_local=s.getbool("CLEARCRAWL_S3_DELETE_LOCAL", True),
        inc_stat=(lambda name, n: stats.inc_value(name, n)) if stats is not None else None,
    )
