"""Undo HTTP content-coding on a body stored as served (RFC 9110 §8.4)."""

from __future__ import annotations

import gzip
import zlib

from filters.headers import Headers, header_values


class ContentDecodingError(ValueError):
    """The stored body does not decode per its own ``Content-Encoding``."""


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, -zlib.MAX_WBITS)  # raw deflate, as some servers send


def decode_body(headers: Headers, body: bytes, max_bytes: int = 64 * 1024 * 1024) -> bytes:
    """Return ``body`` with every listed content-coding removed, last applied first.

    Raises :class:`ContentDecodingError` for unknown codings or corrupt data: the exporter then
    excludes the record (it cannot read what it would publish).
    """
    codings = [
        c.strip().lower() for v in header_values(headers, "Content-Encoding") for c in v.split(",")
    ]
    data = body
    for coding in reversed([c for c in codings if c and c != "identity"]):
        try:
            if coding in {"gzip", "x-gzip"}:
                data = gzip.decompress(data)
            elif coding == "deflate":
                data = _inflate(data)
            elif coding == "br":
                try:
                    import brotli
                except ImportError as exc:
                    raise ContentDecodingError(
                        "brotli-encoded body and no brotli module installed"
                    ) from exc
                data = brotli.decompress(data)
            elif coding == "zstd":
                try:
                    import zstandard
                except ImportError as exc:
                    raise ContentDecodingError(
                        "zstd-encoded body and no zstandard module installed"
                    ) from exc
                data = zstandard.ZstdDecompressor().decompress(data, max_output_size=max_bytes)
            else:
                raise ContentDecodingError(f"unknown content-coding {coding!r}")
        except ContentDecodingError:
            raise
        except Exception as exc:
            raise ContentDecodingError(f"corrupt {coding} body: {exc}") from exc
        if len(data) > max_bytes:
            raise ContentDecodingError(f"decoded body larger than {max_bytes} bytes")
    return data
