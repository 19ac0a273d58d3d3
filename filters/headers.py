"""HTTP header helpers shared by the detectors.

Headers reach the detectors from three places (Scrapy responses, WARC records, saved pages with
no headers at all) and in three shapes. :func:`normalize_headers` turns any of them into one
immutable shape, a tuple of ``(name, value)`` string pairs in arrival order, so that repeated
headers (two ``X-Robots-Tag`` lines) survive and non-UTF-8 bytes never raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Headers = tuple[tuple[str, str], ...]


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            # RFC 9110 §5.5: field values are historically ISO-8859-1; latin-1 never fails.
            return raw.decode("latin-1")
    return str(value)


def normalize_headers(headers: Any) -> Headers:
    """Return ``headers`` as a tuple of ``(name, value)`` strings; never raises.

    Accepts ``None``, a mapping whose values are a string/bytes or a list of them (Scrapy's
    ``Headers``), or an iterable of pairs (warcio's ``StatusAndHeaders.headers``).
    """
    if not headers:
        return ()
    out: list[tuple[str, str]] = []
    try:
        items: Iterable[Any] = headers.items() if isinstance(headers, Mapping) else headers
        for item in items:
            try:
                name, value = item
            except (TypeError, ValueError):
                continue
            values = value if isinstance(value, list | tuple) else [value]
            out.extend((_text(name).strip(), _text(v).strip()) for v in values)
    except Exception:  # noqa: BLE001 - a malformed header container must not crash a detector
        return tuple(out)
    return tuple(out)


def header_values(headers: Headers, name: str) -> list[str]:
    """All values of header ``name`` (case-insensitive), in order."""
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def first_header(headers: Headers, name: str) -> str | None:
    """Return the first value of header ``name`` (case-insensitive), or ``None``."""
    values = header_values(headers, name)
    return values[0] if values else None
