"""A captured HTTP exchange: the request as sent and the response as received.

Captured by :class:`crawler.middlewares.capture.ExchangeCaptureMiddleware` next to the
downloader, before ``HttpCompressionMiddleware`` decodes the body, so the WARC can store the
body exactly as served with headers that describe it (WARC 1.1 §5.9 and §6.3.2: the payload is
the entity body, content-coding kept; https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/).
"""

from __future__ import annotations

import hashlib
import uuid
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Hop-by-hop headers (RFC 9110 §7.6.1) describe the connection, not the stored message. Scrapy
#: removes most of them and de-chunks bodies; drop any left so the record stays consistent.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)


def new_record_id() -> str:
    """Return a fresh ``<urn:uuid:…>`` WARC record id (angle brackets required, WARC 1.1 §5.2)."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def sha1_b32(data: bytes) -> str:
    """``sha1:`` + uppercase Base32, the digest form Heritrix, wget and Common Crawl use."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324


def utc_now() -> datetime:
    """Return the current instant in UTC (one place to inject a clock)."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """WARC 1.1 / RFC 3339 UTC timestamp with microseconds."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(slots=True)
class Exchange:
    """One request/response pair as it crossed the wire (body de-chunked, still encoded)."""

    url: str
    method: str
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
    status: int
    response_headers: list[tuple[bytes, bytes]]
    body: bytes
    started_at: datetime
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    kind: str = "page"
    truncated: str | None = None
    response_record_id: str = field(default_factory=new_record_id)
    request_record_id: str = field(default_factory=new_record_id)
    metadata_record_id: str = field(default_factory=new_record_id)

    @property
    def payload_digest(self) -> str:
        return sha1_b32(self.body)

    def stored_response_headers(self) -> list[tuple[str, str]]:
        """Response headers made consistent with the stored body.

        Hop-by-hop headers are dropped (the body is stored de-chunked) and ``Content-Length`` is
        set to the stored body length; ``Content-Encoding`` is kept because the body is stored
        still encoded. Header bytes are decoded as latin-1 so no byte is lost or rejected.
        """
        out: list[tuple[str, str]] = []
        for name, value in self.response_headers:
            lname = name.lower()
            if lname in HOP_BY_HOP or lname == b"content-length":
                continue
            out.append((name.decode("latin-1"), value.decode("latin-1")))
        out.append(("Content-Length", str(len(self.body))))
        return out
