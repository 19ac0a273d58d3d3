"""Archived policy files (robots.txt, tdmrep.json, ai.txt, the RSL licence), found by digest.

The crawler archives each policy file as an ordinary response before the pages that relied on
it, and names it in each page's decision record (kind, URL, HTTP status, sha256 of the body as
received; :class:`filters.results.PolicyFileRef`). :class:`PolicyFileStore` keeps every
archived policy file the export has read (a small in-memory LRU over an on-disk spill, so
memory stays flat whatever the number of origins) and hands each page the files its record
names (:meth:`PolicyFileStore.resolve`).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.httpbody import ContentDecodingError, decode_body
from export.manifest import RecordPointer
from export.warcread import Capture


@dataclass(frozen=True, slots=True)
class ArchivedPolicyFile:
    """A policy file as archived: its decoded body and where its record is."""

    kind: str
    url: str
    status: int
    sha256: str  # hex sha256 of the decoded body (what the crawler hashed)
    body: bytes
    pointer: RecordPointer  # this file's own record (a response, or a revisit)
    original: RecordPointer | None = None  # for a revisit: the response holding the bytes

    @property
    def key(self) -> str:
        return policy_file_key(self.url, self.status, self.sha256)


def policy_file_key(url: str, status: int, sha256: str) -> str:
    """Return the lookup key: the same bytes at the same URL with the same status.

    The URL and status are part of it because many origins serve identical (e.g. empty) bodies
    with different meanings: an empty 404 allows everything, an empty 503 disallows everything.
    """
    return hashlib.sha1(f"{url}\n{status}\n{sha256}".encode()).hexdigest()  # noqa: S324


def archived_from_capture(capture: Capture) -> list[ArchivedPolicyFile]:
    """Return the archived policy file(s) a policy-file capture provides.

    They are keyed both by the digest of the decoded body and of the stored bytes, since
    either may have been recorded.
    """
    if capture.record_type != "response" or capture.withheld:
        return []
    pointer = RecordPointer(
        file=capture.warc_file,
        offset=capture.offset,
        record_id=capture.record_id,
        payload_digest=capture.payload_digest,
    )
    kind = capture.kind
    out: list[ArchivedPolicyFile] = []
    raw_sha = hashlib.sha256(capture.body).hexdigest()
    try:
        decoded = decode_body(capture.headers, capture.body)
    except ContentDecodingError:
        decoded = None
    if decoded is not None:
        dec_sha = hashlib.sha256(decoded).hexdigest()
        out.append(ArchivedPolicyFile(kind, capture.url, capture.status, dec_sha, decoded, pointer))
        if dec_sha == raw_sha:
            return out
    out.append(
        ArchivedPolicyFile(kind, capture.url, capture.status, raw_sha, capture.body, pointer)
    )
    return out


def recorded_refs(meta: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Policy-file references in a decision record's ``prefetch``, de-duplicated, in order."""
    pre = (meta or {}).get("prefetch")
    if not isinstance(pre, dict):
        return []
    refs: list[Any] = list(pre.get("policy_files") or ())
    robots = pre.get("robots")
    if isinstance(robots, dict) and isinstance(robots.get("policy_file"), dict):
        refs.append(robots["policy_file"])
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        ident = (ref.get("kind"), ref.get("url"), ref.get("sha256"), ref.get("fetched_at"))
        if ident in seen:
            continue
        seen.add(ident)
        out.append(ref)
    return out


def ref_key(ref: dict[str, Any]) -> str:
    """Return the store key of a recorded policy-file reference."""
    url = str(ref.get("final_url") or ref.get("url") or "")
    return policy_file_key(url, _int(ref.get("status")), str(ref.get("sha256") or ""))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _pointer_json(pointer: RecordPointer) -> dict[str, Any]:
    return {
        "file": pointer.file,
        "offset": pointer.offset,
        "record_id": pointer.record_id,
        "payload_digest": pointer.payload_digest,
    }


def _record_file(record_id: str) -> str:
    return "rec-" + hashlib.sha1(record_id.encode()).hexdigest()  # noqa: S324


class PolicyFileStore:
    """Every archived policy file read so far, found again by :func:`ref_key`.

    The most recently used files (at most ``memory_items`` of them and ``memory_bytes`` of body)
    stay in memory; all are spilled to ``directory`` (one file per key), so a crawl over a
    million origins, or one with huge robots.txt files, costs disk, not memory.
    """

    def __init__(
        self, directory: Path, *, memory_items: int = 512, memory_bytes: int = 32 * 1024 * 1024
    ) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.memory_items = memory_items
        self.memory_bytes = memory_bytes
        self._lru: OrderedDict[str, ArchivedPolicyFile] = OrderedDict()
        self._bytes = 0
        self.added = 0

    def add(self, capture: Capture) -> None:
        """Keep a policy-file capture.

        A revisit (same bytes as an earlier policy file, e.g. two origins serving one
        robots.txt) is keyed by its own URL and status but points at the original record, which
        holds the bytes.
        """
        if capture.record_type == "revisit":
            items = self._revisited(capture)
        else:
            items = archived_from_capture(capture)
            if items and capture.record_id:
                ref = self.directory / _record_file(capture.record_id)
                ref.write_text("\n".join(i.key for i in items), encoding="utf-8")
        for item in items:
            key = item.key
            path = self.directory / key
            if not path.exists():
                head = {
                    "kind": item.kind,
                    "url": item.url,
                    "status": item.status,
                    "sha256": item.sha256,
                    "pointer": _pointer_json(item.pointer),
                    "original": _pointer_json(item.original) if item.original else None,
                }
                path.write_bytes(json.dumps(head).encode() + b"\n" + item.body)
                self.added += 1
            self._remember(key, item)

    def _revisited(self, capture: Capture) -> list[ArchivedPolicyFile]:
        """Point a revisit at its own record, and at the response holding the bytes.

        The revisit's WARC-Target-URI is this file's URL, so it is the record a reviewer must be
        sent to; the response it refers to (often another file's) is its ``original``.
        """
        ref = self.directory / _record_file(capture.refers_to) if capture.refers_to else None
        if ref is None or not ref.exists():
            return []
        out: list[ArchivedPolicyFile] = []
        for key in ref.read_text(encoding="utf-8").split():
            original = self.get(key)
            if original is not None:
                out.append(
                    ArchivedPolicyFile(
                        kind=capture.kind,
                        url=capture.url,
                        status=capture.status,
                        sha256=original.sha256,
                        body=original.body,
                        pointer=RecordPointer(
                            file=capture.warc_file,
                            offset=capture.offset,
                            record_id=capture.record_id,
                            payload_digest=capture.payload_digest,
                        ),
                        original=original.original or original.pointer,
                    )
                )
        return out

    def _remember(self, key: str, item: ArchivedPolicyFile) -> None:
        old = self._lru.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._lru[key] = item
        self._bytes += len(item.body)
        while len(self._lru) > 1 and (
            len(self._lru) > self.memory_items or self._bytes > self.memory_bytes
        ):
            _, dropped = self._lru.popitem(last=False)
            self._bytes -= len(dropped.body)

    def get(self, key: str) -> ArchivedPolicyFile | None:
        item = self._lru.get(key)
        if item is not None:
            self._lru.move_to_end(key)
            return item
        path = self.directory / key
        if not path.exists():
            return None
        raw = path.read_bytes()
        head_raw, _, body = raw.partition(b"\n")
        head = json.loads(head_raw)
        item = ArchivedPolicyFile(
            kind=head["kind"],
            url=head["url"],
            status=int(head["status"]),
            sha256=head["sha256"],
            body=body,
            pointer=RecordPointer(**head["pointer"]),
            original=RecordPointer(**head["original"]) if head.get("original") else None,
        )
        self._remember(key, item)
        return item

    def resolve(self, meta: dict[str, Any] | None) -> tuple[ArchivedPolicyFile, ...]:
        """Return the archived files a page's decision record names (those found)."""
        found: list[ArchivedPolicyFile] = []
        for ref in recorded_refs(meta):
            item = self.get(ref_key(ref))
            if item is not None:
                found.append(item)
        return tuple(found)
