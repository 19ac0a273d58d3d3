"""Read single WARC records: a capture's status and headers, and records reopened by offset.

Reviewers reopen single records with :func:`read_record_at` (seek to the offset the manifest
gives, parse one record, WARC 1.1 Annex D.2); :func:`read_capture_at` rebuilds a capture from
a manifest's offsets and :func:`resolve_revisit` gives a revisit the payload it repeats
(WARC 1.1 §6.7.2).
"""

from __future__ import annotations

import json
from typing import Any

from export.capture import Capture
from export.digests import digest_matches, warc_digest
from export.manifest import RecordPointer
from export.warcsource import archive_iterator, open_warc, warc_name
from filters.headers import Headers, normalize_headers


def status_and_headers(record: Any) -> tuple[int, Headers]:
    """Return the HTTP status and normalised headers of a response/revisit record (0, () if none)."""
    return _status_and_headers(record)


def _status_and_headers(record: Any) -> tuple[int, Headers]:
    if record.http_headers is None:
        return 0, ()
    try:
        status = int(record.http_headers.get_statuscode() or 0)
    except ValueError:
        status = 0
    return status, normalize_headers(record.http_headers.headers)


def capture_from_response(record: Any, name: str, it: Any) -> Capture:
    """Build a capture (without its decision yet) from a response or revisit record.

    ``it`` is the ``ArchiveIterator``: its ``get_record_offset()`` reads the record to its end,
    so it is asked only after the body has been read.
    """
    body = record.raw_stream.read() if record.rec_type in ("response", "resource") else b""
    return _capture(record, name, it.get_record_offset(), body)


def _capture(record: Any, name: str, offset: int, body: bytes) -> Capture:
    """Build a capture from a response/revisit record's headers and its (response) payload.

    A withheld body keeps the digest of the payload as served; the stored (empty) payload's
    digest is kept beside it.
    """
    h = record.rec_headers
    status, headers = _status_and_headers(record)
    if record.rec_type == "resource":
        # A resource record holds the content itself, no HTTP exchange (WARC 1.1 §6.6): its
        # Content-Type header stands for the response's, and it was retrieved (status 200).
        content_type = h.get_header("Content-Type") or ""
        status, headers = 200, normalize_headers([("Content-Type", content_type)])
    capture = Capture(
        url=h.get_header("WARC-Target-URI") or "",
        warc_file=name,
        record_type=record.rec_type,
        record_id=h.get_header("WARC-Record-ID") or "",
        offset=offset,
        date=h.get_header("WARC-Date") or "",
        status=status,
        headers=headers,
        body=body,
        payload_digest=h.get_header("WARC-Payload-Digest") or "",
        withheld=bool(h.get_header("Clearcrawl-Withheld")),
        refers_to=h.get_header("WARC-Refers-To") or "",
    )
    capture.stored_payload_digest = capture.payload_digest
    if not capture.payload_digest and record.rec_type in ("response", "resource"):
        # The digest is optional (WARC 1.1 §5.9) and an ARC record has none: computed here, in
        # WARC's usual form, so the row id and the manifest still pin the payload's bytes
        # (``verify`` compares it) and two captures of one URL keep apart.
        capture.payload_digest = warc_digest(body)
    capture.truncated = h.get_header("WARC-Truncated") or ""
    if capture.withheld:
        capture.payload_digest = h.get_header("Clearcrawl-Withheld-Payload-Digest") or ""
    return capture


def read_metadata(record: Any) -> dict[str, Any] | None:
    """Parse a metadata record's JSON decision (None when it is not a JSON object)."""
    raw = record.content_stream().read()
    try:
        meta = json.loads(raw)
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


def read_warcinfo(path: str) -> dict[str, str]:
    """Read the fields of the file's leading ``warcinfo`` record (empty when none or unreadable).

    An unreadable start means no capture of that file can be read either, so nothing is lost.
    """
    try:
        with open_warc(path) as fh:
            record = next(iter(archive_iterator(fh)), None)
            if record is None or record.rec_type != "warcinfo":
                return {}
            text = record.content_stream().read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - a damaged or unopenable file is reported when read
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def read_record_at(path: str, offset: int) -> tuple[Any, bytes]:
    """Parse the one record at ``offset`` of ``path``; return ``(record, payload)``.

    ``payload`` is the record's payload as stored (HTTP headers removed, content-coding kept),
    the bytes its ``WARC-Payload-Digest`` covers. Raises ``ValueError`` when no record starts
    there (a wrong offset or a damaged file).
    """
    with open_warc(path) as fh:
        if getattr(fh, "seekable", lambda: False)():
            fh.seek(offset)
        else:  # a non-seekable stream: skip forward
            remaining = offset
            while remaining > 0:
                chunk = fh.read(min(remaining, 1 << 20))
                if not chunk:
                    raise ValueError(f"{path} is shorter than offset {offset}")
                remaining -= len(chunk)
        try:
            record = next(iter(archive_iterator(fh)))
        except StopIteration:
            raise ValueError(f"no WARC record at offset {offset} of {path}") from None
        except Exception as exc:
            raise ValueError(
                f"no readable WARC record at offset {offset} of {path}: {exc}"
            ) from exc
        return record, record.raw_stream.read()


def read_capture_at(path: str, offset: int, metadata_offset: int) -> Capture:
    """Rebuild a capture (response + its metadata record) from the offsets in a manifest."""
    name = warc_name(path)
    record, payload = read_record_at(path, offset)
    if record.rec_type not in ("response", "revisit", "resource"):
        raise ValueError(f"record at offset {offset} of {name} is a {record.rec_type} record")
    has_body = record.rec_type in ("response", "resource")
    capture = _capture(record, name, offset, payload if has_body else b"")
    if metadata_offset >= 0:
        meta_record, meta_payload = read_record_at(path, metadata_offset)
        if meta_record.rec_type != "metadata":
            raise ValueError(f"record at offset {metadata_offset} of {name} is not metadata")
        try:
            meta = json.loads(meta_payload)
        except ValueError:
            meta = None
        capture.metadata = meta if isinstance(meta, dict) else None
        capture.metadata_offset = metadata_offset
        capture.metadata_record_id = meta_record.rec_headers.get_header("WARC-Record-ID") or ""
    return capture


def resolve_revisit(capture: Capture, path: str, offset: int) -> str | None:
    """Give a ``revisit`` capture the payload of the response it repeats, read at ``offset``.

    The record there must be the one the revisit's ``WARC-Refers-To`` names, hold its payload
    (not withheld) and match the revisit's ``WARC-Payload-Digest`` (WARC 1.1 §6.7.2). Returns
    None when resolved (``body`` and ``payload_from`` set), else why not; an unresolved revisit
    keeps its empty body, so it can only be excluded.
    """
    name = warc_name(path)
    try:
        record, payload = read_record_at(path, offset)
    except ValueError as exc:
        return str(exc)
    h = record.rec_headers
    record_id = h.get_header("WARC-Record-ID") or ""
    if record.rec_type != "response" or record_id != capture.refers_to:
        return f"the record at offset {offset} of {name} is not {capture.refers_to}"
    if h.get_header("Clearcrawl-Withheld") or not digest_matches(payload, capture.payload_digest):
        return f"{record_id} in {name} does not hold the payload {capture.payload_digest}"
    capture.body = payload
    capture.payload_from = RecordPointer(
        file=name,
        offset=offset,
        record_id=record_id,
        payload_digest=h.get_header("WARC-Payload-Digest") or "",
    )
    return None
